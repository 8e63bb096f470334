package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Sender delivers a message. An error means it was not accepted; the caller retries.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// build turns a Message into a MIME message: multipart/alternative with the plain text
// first and the HTML second.
func build(m Message) (*gomail.Msg, error) {
	g := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := g.From(m.From); err != nil {
		return nil, fmt.Errorf("sender %q: %w", m.From, err)
	}
	if err := g.To(m.To); err != nil {
		return nil, fmt.Errorf("recipient %q: %w", m.To, err)
	}
	g.Subject(m.Subject)
	g.SetMessageIDWithValue(m.MessageID)
	if m.Date.IsZero() {
		g.SetDate()
	} else {
		g.SetDateWithValue(m.Date)
	}
	g.SetGenHeader("Auto-Submitted", "auto-generated")
	g.SetBodyString(gomail.TypeTextPlain, m.Text)
	g.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	return g, nil
}

// SMTP sends over SMTP. It is configured by a URL:
//
//	smtp://user:pass@host:587              STARTTLS when offered (opportunistic)
//	smtp://host:25?starttls=required       STARTTLS or fail
//	smtp://host:1025?starttls=none         plain (a local sink)
//	smtps://user:pass@host:465             implicit TLS
//
// Further query parameters: auth=plain|login|cram-md5|scram-sha-256 (default plain when
// a user is given), timeout=10s, insecure_skip_verify=true (test servers only),
// helo=name.
//
// Connections are kept open between messages (up to MaxIdle of them), so a burst of
// reminders does not pay a TCP and TLS handshake per email; a kept connection that went
// stale is noticed by go-mail's NOOP check before anything is sent, and replaced.
type SMTP struct {
	opts []gomail.Option
	host string
	idle chan *gomail.Client
}

// MaxIdle is how many open SMTP connections a sender keeps for reuse.
const MaxIdle = 8

// NewSMTP parses an SMTP URL.
func NewSMTP(raw string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parsing SMTP_URL: %w", err)
	}
	q := u.Query()
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("SMTP_URL has no host")
	}
	timeout := 10 * time.Second
	if s := q.Get("timeout"); s != "" {
		if timeout, err = time.ParseDuration(s); err != nil {
			return nil, fmt.Errorf("SMTP_URL timeout: %w", err)
		}
	}
	opts := []gomail.Option{gomail.WithTimeout(timeout)}
	tlsCfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if v, _ := strconv.ParseBool(q.Get("insecure_skip_verify")); v {
		tlsCfg.InsecureSkipVerify = true
	}
	opts = append(opts, gomail.WithTLSConfig(tlsCfg))
	port := 0
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("SMTP_URL port %q: %w", p, err)
		}
	}
	switch u.Scheme {
	case "smtps":
		if port == 0 {
			port = 465
		}
		opts = append(opts, gomail.WithSSL())
	case "smtp":
		if port == 0 {
			port = 587
		}
		switch strings.ToLower(q.Get("starttls")) {
		case "", "opportunistic":
			opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
		case "required", "mandatory":
			opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
		case "none", "false", "off":
			opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
		default:
			return nil, fmt.Errorf("SMTP_URL starttls must be required, opportunistic or none, not %q", q.Get("starttls"))
		}
	default:
		return nil, fmt.Errorf("SMTP_URL scheme must be smtp or smtps, not %q", u.Scheme)
	}
	opts = append(opts, gomail.WithPort(port))
	if helo := q.Get("helo"); helo != "" {
		opts = append(opts, gomail.WithHELO(helo))
	}
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		auth := gomail.SMTPAuthPlain
		if a := q.Get("auth"); a != "" {
			if err := auth.UnmarshalString(a); err != nil {
				return nil, fmt.Errorf("SMTP_URL auth: %w", err)
			}
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	return &SMTP{opts: opts, host: host, idle: make(chan *gomail.Client, MaxIdle)}, nil
}

// Send delivers m over a kept connection, or a new one. A failure is a *Failure: it says
// whether the server refused the message for good, and what the user may be told.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	return Classify(s.send(ctx, m))
}

func (s *SMTP) send(ctx context.Context, m Message) error {
	g, err := build(m)
	if err != nil {
		return err
	}
	for {
		c, reused, err := s.conn(ctx)
		if err != nil {
			return fmt.Errorf("connecting to %s: %w", s.host, err)
		}
		err = c.Send(g)
		if err == nil {
			s.release(c)
			return nil
		}
		c.Close()
		var se *gomail.SendError
		if reused && errors.As(err, &se) && se.Reason == gomail.ErrConnCheck {
			// The kept connection died while idle; nothing was sent over it. Try a new one.
			continue
		}
		return fmt.Errorf("sending to %s via %s: %w", m.To, s.host, err)
	}
}

// conn takes a kept connection or dials a new one.
func (s *SMTP) conn(ctx context.Context) (*gomail.Client, bool, error) {
	select {
	case c := <-s.idle:
		return c, true, nil
	default:
	}
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return nil, false, err
	}
	if err := c.DialWithContext(ctx); err != nil {
		return nil, false, err
	}
	return c, false, nil
}

// release keeps c for the next message, or closes it when enough are kept.
func (s *SMTP) release(c *gomail.Client) {
	select {
	case s.idle <- c:
	default:
		c.Close()
	}
}

// Close closes the kept connections.
func (s *SMTP) Close() {
	for {
		select {
		case c := <-s.idle:
			c.Close()
		default:
			return
		}
	}
}
