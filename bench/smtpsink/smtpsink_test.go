package smtpsink

import (
	"net/smtp"
	"strings"
	"testing"
	"time"
)

func TestSinkRecordsMessages(t *testing.T) {
	t.Parallel()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	addr := strings.TrimSuffix(strings.TrimPrefix(s.URL(), "smtp://"), "?starttls=none")
	msg := "From: a@x.test\r\nTo: b@x.test\r\nSubject: =?UTF-8?q?Reminder:_Pay_rent?=\r\n\r\nbody\r\n"
	if err := smtp.SendMail(addr, nil, "a@x.test", []string{"b@x.test"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	if !s.Wait(1, 5*time.Second) {
		t.Fatal("the message did not arrive")
	}
	m := s.Messages()[0]
	if m.Subject != "Reminder: Pay rent" || len(m.To) != 1 || m.To[0] != "b@x.test" || time.Since(m.At) > time.Minute {
		t.Fatalf("recorded %+v", m)
	}
	if s.Wait(2, 50*time.Millisecond) {
		t.Fatal("Wait reported a message that never came")
	}
}
