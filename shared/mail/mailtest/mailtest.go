// Package mailtest runs a real SMTP server (emersion/go-smtp) on 127.0.0.1 for tests and
// benchmarks: it records every message it accepts, when it arrived, parsed into subject and
// parts, and can be told to refuse mail.
package mailtest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Received is one accepted message.
type Received struct {
	From      string
	To        []string
	Subject   string
	MessageID string // without angle brackets
	Text      string // the text/plain part
	HTML      string // the text/html part
	Raw       []byte
	At        time.Time
}

// Server is a running SMTP server.
type Server struct {
	// Addr is host:port.
	Addr string

	srv    *smtp.Server
	mu     sync.Mutex
	msgs   []Received
	refuse error
	notify chan struct{}
	hang   chan struct{} // non-nil: MAIL FROM waits until it is closed
	stuck  chan struct{} // a session began to wait on hang
}

// Start listens on a free port on 127.0.0.1. Stop it with Close.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening for SMTP: %w", err)
	}
	s := &Server{Addr: ln.Addr().String(), notify: make(chan struct{}, 1), stuck: make(chan struct{}, 1)}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	go s.srv.Serve(ln)
	return s, nil
}

// URL is the SMTP_URL that reaches this server (plain SMTP, no STARTTLS).
func (s *Server) URL() string { return "smtp://" + s.Addr + "?starttls=none" }

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Refuse makes the server reject every message with a permanent 554 until called with
// false.
func (s *Server) Refuse(on bool) {
	s.answer(on, &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "mailbox unavailable (refused by test)"})
}

// Defer makes the server answer every message with a temporary 451 (try again later)
// until called with false.
func (s *Server) Defer(on bool) {
	s.answer(on, &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later (deferred by test)"})
}

// answer sets (on) or clears the refusal every MAIL FROM gets.
func (s *Server) answer(on bool, refusal error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = nil
	if on {
		s.refuse = refusal
	}
}

// Hang makes the server stop answering after the greeting, as a stuck mail server does,
// until called with false (the waiting sessions then go on).
func (s *Server) Hang(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case on && s.hang == nil:
		s.hang = make(chan struct{})
	case !on && s.hang != nil:
		close(s.hang)
		s.hang = nil
	}
}

// WaitHanging waits until a sender is held by Hang (it has connected and sent MAIL FROM),
// and reports whether one was within timeout.
func (s *Server) WaitHanging(timeout time.Duration) bool {
	select {
	case <-s.stuck:
		return true
	case <-time.After(timeout):
		return false
	}
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Count is the number of messages accepted so far.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// Wait waits until at least n messages were accepted or timeout passes, and returns what
// arrived. It copies the messages once, at the end: benchmarks wait for thousands.
func (s *Server) Wait(n int, timeout time.Duration) []Received {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for s.Count() < n {
		select {
		case <-s.notify:
		case <-deadline.C:
			return s.Messages()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return s.Messages()
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.s.mu.Lock()
	hang := x.s.hang
	x.s.mu.Unlock()
	if hang != nil {
		select {
		case x.s.stuck <- struct{}{}:
		default:
		}
		<-hang
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.refuse != nil {
		return x.s.refuse
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	rec, err := Parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unparseable message: " + err.Error()}
	}
	rec.From, rec.To, rec.At = x.from, x.to, time.Now()
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, rec)
	x.s.mu.Unlock()
	select {
	case x.s.notify <- struct{}{}:
	default:
	}
	return nil
}

// Parse reads a MIME message into its subject, Message-ID and text and HTML parts.
func Parse(raw []byte) (Received, error) {
	rec := Received{Raw: raw}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return rec, err
	}
	dec := new(mime.WordDecoder)
	if rec.Subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		return rec, err
	}
	rec.MessageID = strings.Trim(m.Header.Get("Message-ID"), "<> ")
	err = walk(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body, &rec)
	return rec, err
}

func walk(contentType, encoding string, body io.Reader, rec *Received) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			// NextPart decodes quoted-printable itself and removes the header.
			if err := walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, rec); err != nil {
				return err
			}
		}
	}
	if strings.EqualFold(encoding, "base64") {
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch mt {
	case "text/plain":
		rec.Text = string(b)
	case "text/html":
		rec.HTML = string(b)
	}
	return nil
}
