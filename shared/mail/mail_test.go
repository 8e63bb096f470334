package mail_test

import (
	"bytes"
	"context"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/mail"
	"github.com/taskline/taskline/shared/mail/mailtest"
)

func reminder(t *testing.T) mail.Reminder {
	t.Helper()
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 7, 1, 0, 30, 0, 0, time.UTC)
	return mail.Reminder{ReminderID: 42, TaskID: 7, Title: "Ship\r\nBcc: evil@example.com <b>release</b>", DueAt: &due,
		RemindAt: due.Add(-time.Hour), Location: tokyo, AppURL: "https://taskline.example/"}
}

func TestSMTPDelivery(t *testing.T) {
	t.Parallel()
	srv, err := mailtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	m, err := mail.RenderReminder(reminder(t), "Taskline <reminders@taskline.example>", "kim@example.com")
	if err != nil {
		t.Fatal(err)
	}
	s, err := mail.NewSMTP(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(1, 5*time.Second)
	if len(got) != 1 {
		t.Fatalf("received %d messages", len(got))
	}
	r := got[0]
	if r.Subject != "Reminder: Ship Bcc: evil@example.com <b>release</b>" || len(r.To) != 1 {
		t.Errorf("subject %q to %v: a title must not add headers or recipients", r.Subject, r.To)
	}
	if r.MessageID != "reminder-42-1782862200@taskline.example" {
		t.Errorf("Message-ID %q", r.MessageID)
	}
	// The Date header is when the mail was sent, not the reminder's time (2026-07-01).
	msg, err := netmail.ReadMessage(bytes.NewReader(r.Raw))
	if err != nil {
		t.Fatal(err)
	}
	if d, err := msg.Header.Date(); err != nil || d.Before(r.At.Add(-time.Minute)) || d.After(r.At.Add(time.Minute)) {
		t.Errorf("Date header %v (%v); want the time it was sent, %v", d, err, r.At)
	}
	const due = "Wednesday, 1 July 2026 at 09:30 JST"
	if !strings.Contains(r.Text, due) || !strings.Contains(r.HTML, due) {
		t.Errorf("due time in the recipient's zone missing:\n%s\n%s", r.Text, r.HTML)
	}
	if !strings.Contains(r.HTML, `href="https://taskline.example/tasks/7"`) || strings.Contains(r.HTML, "<b>release</b>") {
		t.Errorf("html part: link missing or title not escaped:\n%s", r.HTML)
	}

	srv.Refuse(true)
	if err := s.Send(context.Background(), m); err == nil || !strings.Contains(err.Error(), "554") {
		t.Fatalf("refused send returned %v; want the 554", err)
	}
}

func TestSinkWritesOneFilePerMessage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m, err := mail.RenderReminder(reminder(t), "Taskline <reminders@taskline.local>", "kim@example.com")
	if err != nil {
		t.Fatal(err)
	}
	sink := mail.Dir{Path: filepath.Join(dir, "mail")}
	for range 2 { // a redelivered message overwrites its file
		if err := sink.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "mail", "*.eml"))
	if len(files) != 1 {
		t.Fatalf("%d files; want 1", len(files))
	}
	raw, _ := os.ReadFile(files[0])
	parsed, err := mailtest.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(parsed.Subject, "Reminder: Ship") || parsed.Text == "" || parsed.HTML == "" {
		t.Fatalf("sink file lacks subject or parts: %+v", parsed)
	}
}

func TestSMTPURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"smtp://mail:25", "smtps://u:p@mail.example.com", "smtp://u:p@mail:587?starttls=required&auth=login",
		"smtp://localhost:1025?starttls=none&timeout=3s"} {
		if _, err := mail.NewSMTP(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"http://mail", "smtp://", "smtp://mail?starttls=maybe", "smtp://u:p@mail?auth=magic", "smtp://mail:x"} {
		if _, err := mail.NewSMTP(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
}
