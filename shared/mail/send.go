package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
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
type SMTP struct {
	opts []gomail.Option
	host string
}

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
	return &SMTP{opts: opts, host: host}, nil
}

// Send delivers m over a new connection.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	g, err := build(m)
	if err != nil {
		return err
	}
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("configuring SMTP client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, g); err != nil {
		return fmt.Errorf("sending to %s via %s: %w", m.To, net.JoinHostPort(s.host, ""), err)
	}
	return nil
}
