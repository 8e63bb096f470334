package event

import "time"

// The payloads, one per event type; required fields first. Minor schema versions only add
// fields, so consumers must ignore fields they do not know.

// TaskCreatedData is the data of task.created.
type TaskCreatedData struct {
	TaskID            int64      `json:"task_id"`
	Title             string     `json:"title"`
	Description       string     `json:"description"`
	Priority          string     `json:"priority"`
	DueDate           *time.Time `json:"due_date"`
	Tags              []string   `json:"tags"`
	RecurrencePattern *string    `json:"recurrence_pattern"`
	SpawnedFrom       *int64     `json:"spawned_from,omitempty"`
}

// Change is one field's before and after in task.updated.
type Change struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

// TaskUpdatedData is the data of task.updated.
type TaskUpdatedData struct {
	TaskID        int64             `json:"task_id"`
	ChangedFields map[string]Change `json:"changed_fields"`
}

// TaskCompletedData is the data of task.completed.
type TaskCompletedData struct {
	TaskID            int64      `json:"task_id"`
	Title             string     `json:"title"`
	CompletedAt       time.Time  `json:"completed_at"`
	HadRecurrence     bool       `json:"had_recurrence"`
	RecurrencePattern *string    `json:"recurrence_pattern"`
	RecurrenceEndDate *time.Time `json:"recurrence_end_date"`
	DueDate           *time.Time `json:"due_date"`
}

// TaskDeletedData is the data of task.deleted.
type TaskDeletedData struct {
	TaskID int64  `json:"task_id"`
	Title  string `json:"title"`
}

// RecurringTaskCreatedData is the data of recurring.task.created.
type RecurringTaskCreatedData struct {
	OriginalTaskID    int64     `json:"original_task_id"`
	NewTaskID         int64     `json:"new_task_id"`
	RecurrencePattern string    `json:"recurrence_pattern"`
	NextDueDate       time.Time `json:"next_due_date"`
}

// ReminderScheduledData is the data of reminder.scheduled.
type ReminderScheduledData struct {
	ReminderID  int64      `json:"reminder_id"`
	TaskID      int64      `json:"task_id"`
	RemindAt    time.Time  `json:"remind_at"`
	TaskTitle   string     `json:"task_title"`
	TaskDueDate *time.Time `json:"task_due_date"`
}

// ReminderTriggeredData is the data of reminder.triggered. The recipient's address is
// looked up by send-email, not carried here.
type ReminderTriggeredData struct {
	ReminderID int64      `json:"reminder_id"`
	TaskID     int64      `json:"task_id"`
	TaskTitle  string     `json:"task_title"`
	DueAt      *time.Time `json:"due_at"`
	Attempt    int        `json:"attempt"`
	RemindAt   time.Time  `json:"remind_at"`
}

// ReminderSentData is the data of reminder.sent.
type ReminderSentData struct {
	ReminderID int64     `json:"reminder_id"`
	Channel    string    `json:"channel"`
	SentAt     time.Time `json:"sent_at"`
	Recipient  string    `json:"recipient"`
}

// ReminderFailedData is the data of reminder.failed.
type ReminderFailedData struct {
	ReminderID  int64      `json:"reminder_id"`
	Error       string     `json:"error"`
	RetryCount  int        `json:"retry_count"`
	WillRetry   bool       `json:"will_retry"`
	NextRetryAt *time.Time `json:"next_retry_at"`
}

// Reasons a reminder is cancelled.
const (
	CancelTaskCompleted = "task_completed"
	CancelTaskDeleted   = "task_deleted"
	CancelUser          = "user_cancelled"
	CancelSystem        = "system"
)

// ReminderCancelledData is the data of reminder.cancelled.
type ReminderCancelledData struct {
	ReminderID int64  `json:"reminder_id"`
	TaskID     int64  `json:"task_id"`
	Reason     string `json:"reason"`
}
