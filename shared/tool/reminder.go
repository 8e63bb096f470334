package tool

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/taskline/taskline/shared/todo"
)

func setReminder(ctx context.Context, c call) (Result, error) {
	var r todo.ReminderInput
	var err error
	if r.TaskID, err = c.id("task_id"); err != nil {
		return Result{}, err
	}
	if _, err := c.arg("remind_at", &r.RemindAt); err != nil {
		return Result{}, err
	}
	if _, err := c.arg("before_due", &r.BeforeDue); err != nil {
		return Result{}, err
	}
	spec, err := r.Spec()
	if err != nil {
		return Result{}, err
	}
	rem, err := c.store.CreateReminder(ctx, c.userID, spec)
	if err != nil {
		return Result{}, err
	}
	return Result{"Scheduled " + DescribeReminder(rem), rem}, nil
}

// ReminderList is list_reminders' result, shaped as GET /reminders answers.
type ReminderList struct {
	Reminders []todo.Reminder `json:"reminders"`
	Count     int             `json:"count"`
}

func listReminders(ctx context.Context, c call) (Result, error) {
	status, err := c.str("status")
	if err != nil {
		return Result{}, err
	}
	filter, err := todo.ParseReminderFilter(url.Values{"status": {status}})
	if err != nil {
		return Result{}, err
	}
	list, err := c.store.ListReminders(ctx, c.userID, filter)
	if err != nil {
		return Result{}, err
	}
	var b strings.Builder
	if len(list) == 0 {
		fmt.Fprintf(&b, "No %s reminders.", filter)
	} else {
		fmt.Fprintf(&b, "%d %s reminder(s):", len(list), filter)
	}
	for _, r := range list {
		b.WriteString("\n- " + DescribeReminder(r))
	}
	return Result{b.String(), ReminderList{Reminders: list, Count: len(list)}}, nil
}

func deleteReminder(ctx context.Context, c call) (Result, error) {
	id, err := c.id("reminder_id")
	if err != nil {
		return Result{}, err
	}
	if err := c.store.DeleteReminder(ctx, c.userID, id); err != nil {
		return Result{}, err
	}
	return Result{fmt.Sprintf("Deleted reminder %d.", id), Deleted{ReminderID: id, Deleted: true}}, nil
}

// DescribeReminder is one line about a reminder for a text summary.
func DescribeReminder(r todo.Reminder) string {
	s := fmt.Sprintf("reminder %d for task %d %q at %s", r.ID, r.TaskID, r.TaskTitle, r.RemindAt.Format(time.RFC3339))
	if r.BeforeDue != nil {
		s += " (" + *r.BeforeDue + " before due)"
	}
	return s + ", " + string(r.Status)
}
