// Package mail renders reminder emails and sends them: over SMTP (go-mail), or into a
// local sink directory a developer can read. Every message carries a Message-ID derived
// from the reminder, so a retried or redelivered send is recognisably the same message.
package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"strings"
	texttemplate "text/template"
	"time"
)

// Message is a rendered email.
type Message struct {
	From      string // "Taskline <reminders@taskline.local>"
	To        string
	Subject   string
	Text      string
	HTML      string
	MessageID string // without angle brackets
	Date      time.Time
}

// Reminder is what a reminder email says.
type Reminder struct {
	ReminderID int64
	TaskID     int64
	Title      string
	DueAt      *time.Time
	RemindAt   time.Time
	Location   *time.Location // the recipient's zone; times are shown in it
	AppURL     string         // APP_BASE_URL
}

// DueLayout is how the due time is written: "Tuesday, 3 March 2026 at 09:00 CET".
const DueLayout = "Monday, 2 January 2006 at 15:04 MST"

// FormatDue writes t in loc as the email shows it.
func FormatDue(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(DueLayout)
}

type view struct {
	Title string
	Due   string // "" when the task has no due date
	Link  string
	Zone  string
}

var (
	textTmpl = texttemplate.Must(texttemplate.New("text").Parse(`Reminder: {{.Title}}
{{if .Due}}
Due: {{.Due}}
{{else}}
This task has no due date.
{{end}}
Open it in Taskline: {{.Link}}

You receive this email because you set a reminder for this task.
`))
	htmlTmpl = htmltemplate.Must(htmltemplate.New("html").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Reminder: {{.Title}}</title></head>
<body style="font-family: sans-serif; color: #1f2933;">
<h1 style="font-size: 20px;">Reminder: {{.Title}}</h1>
{{if .Due}}<p>Due: <strong>{{.Due}}</strong></p>{{else}}<p>This task has no due date.</p>{{end}}
<p><a href="{{.Link}}" style="color: #2563eb;">Open it in Taskline</a></p>
<p style="font-size: 12px; color: #6b7280;">You receive this email because you set a reminder for this task.</p>
</body></html>
`))
)

// RenderReminder renders the email for r from from to to: subject "Reminder: <title>",
// plain text and HTML, the due time in the recipient's zone, and a link to the task.
func RenderReminder(r Reminder, from, to string) (Message, error) {
	v := view{Title: r.Title, Link: TaskLink(r.AppURL, r.TaskID)}
	if r.DueAt != nil {
		v.Due = FormatDue(*r.DueAt, r.Location)
	}
	var text, html bytes.Buffer
	if err := textTmpl.Execute(&text, v); err != nil {
		return Message{}, fmt.Errorf("rendering reminder text: %w", err)
	}
	if err := htmlTmpl.Execute(&html, v); err != nil {
		return Message{}, fmt.Errorf("rendering reminder html: %w", err)
	}
	return Message{
		From: from, To: to,
		// Subjects are one line: a title cannot inject headers.
		Subject:   "Reminder: " + strings.Join(strings.Fields(r.Title), " "),
		Text:      text.String(),
		HTML:      html.String(),
		MessageID: MessageID(r.ReminderID, r.RemindAt, from),
		// No Date: the sender stamps the time it sends (a retry is not dated at the
		// reminder's time, and mail clients sort by it).
	}, nil
}

// TaskLink is the app's address of a task.
func TaskLink(base string, taskID int64) string {
	return fmt.Sprintf("%s/tasks/%d", strings.TrimRight(base, "/"), taskID)
}

// MessageID is the Message-ID of the email for a reminder: the same for every attempt and
// every redelivery of the reminder at that time, so mail systems can drop duplicates.
func MessageID(reminderID int64, remindAt time.Time, from string) string {
	domain := "taskline.local"
	if a, err := mail.ParseAddress(from); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 {
			domain = a.Address[i+1:]
		}
	}
	return fmt.Sprintf("reminder-%d-%d@%s", reminderID, remindAt.Unix(), domain)
}
