package mail

import (
	"context"
	"errors"
	"fmt"
	"net"

	gomail "github.com/wneessen/go-mail"
)

// Failure is a failed delivery as the notification path needs it: whether retrying can
// help, and a message fit for the user (GET /reminders shows it as last_error), which never
// names an address, a host or a port of ours. Error() keeps the full text for the logs.
type Failure struct {
	Err error
	// Code is the SMTP reply code when the server answered (550, 451...), else 0.
	Code int
	// Enhanced is the RFC 3463 status (5.1.1) when the server gave one.
	Enhanced  string
	permanent bool
	public    string
}

func (f *Failure) Error() string { return f.Err.Error() }
func (f *Failure) Unwrap() error { return f.Err }

// Permanent reports whether the server refused the message for good (a 5xx reply):
// retrying the same message cannot succeed.
func (f *Failure) Permanent() bool { return f.permanent }

// Public is the message for the user.
func (f *Failure) Public() string { return f.public }

// Classify turns a sending error into a Failure (nil stays nil).
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var already *Failure
	if errors.As(err, &already) {
		return err
	}
	f := &Failure{Err: err}
	var se *gomail.SendError
	var ne net.Error
	switch {
	case errors.As(err, &se) && se.ErrorCode() >= 500:
		f.Code, f.Enhanced, f.permanent = se.ErrorCode(), se.EnhancedStatusCode(), true
		f.public = fmt.Sprintf("the mail server refused the message for good (%s)", f.status())
	case errors.As(err, &se) && se.ErrorCode() >= 400:
		f.Code, f.Enhanced = se.ErrorCode(), se.EnhancedStatusCode()
		f.public = fmt.Sprintf("the mail server asked to try again later (%s)", f.status())
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		f.public = "the mail server did not answer in time"
	case errors.As(err, &ne):
		f.public = "the mail server could not be reached"
	default:
		f.public = "the email could not be sent"
	}
	return f
}

func (f *Failure) status() string {
	if f.Enhanced != "" {
		return fmt.Sprintf("%d %s", f.Code, f.Enhanced)
	}
	return fmt.Sprint(f.Code)
}
