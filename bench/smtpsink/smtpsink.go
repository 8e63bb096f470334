// Package smtpsink is the SMTP server reminder emails are delivered to during the
// benchmark: it accepts every message on 127.0.0.1 and records when it arrived, its
// recipient and its subject, so lateness is measured where a user would notice it: at the
// mail server.
package smtpsink

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net"
	"net/mail"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is what the sink records of one email.
type Message struct {
	At      time.Time // when the DATA command completed
	To      []string
	Subject string
}

// Sink is a running SMTP server.
type Sink struct {
	srv  *smtp.Server
	addr string

	mu   sync.Mutex
	msgs []Message
	wake chan struct{} // closed and replaced on every message
}

// Start listens on a free port of 127.0.0.1.
func Start() (*Sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the SMTP sink: %w", err)
	}
	s := &Sink{addr: ln.Addr().String(), wake: make(chan struct{})}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "sink.bench.taskline.local"
	s.srv.ReadTimeout, s.srv.WriteTimeout = 30*time.Second, 30*time.Second
	s.srv.MaxMessageBytes = 1 << 20
	s.srv.MaxRecipients = 10
	go s.srv.Serve(ln)
	return s, nil
}

// URL is the SMTP_URL that delivers here (plain SMTP: the sink has no certificate).
func (s *Sink) URL() string { return "smtp://" + s.addr + "?starttls=none" }

// Close stops the server.
func (s *Sink) Close() error { return s.srv.Close() }

// Messages returns a copy of every message received so far.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Count is the number of messages received so far.
func (s *Sink) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// Wait returns once at least n messages have arrived, or after timeout; it reports
// whether n arrived.
func (s *Sink) Wait(n int, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, wake := len(s.msgs), s.wake
		s.mu.Unlock()
		if got >= n {
			return true
		}
		select {
		case <-wake:
		case <-deadline.C:
			return false
		}
	}
}

func (s *Sink) record(m Message) {
	s.mu.Lock()
	s.msgs = append(s.msgs, m)
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
}

type backend struct{ s *Sink }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s  *Sink
	to []string
}

func (x *session) Reset()        { x.to = nil }
func (x *session) Logout() error { return nil }

func (x *session) Mail(string, *smtp.MailOptions) error { return nil }

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	at := time.Now()
	subject := ""
	if m, err := mail.ReadMessage(bytes.NewReader(b)); err == nil {
		subject = m.Header.Get("Subject")
		if d, err := new(mime.WordDecoder).DecodeHeader(subject); err == nil {
			subject = d
		}
	}
	x.s.record(Message{At: at, To: append([]string(nil), x.to...), Subject: subject})
	return nil
}
