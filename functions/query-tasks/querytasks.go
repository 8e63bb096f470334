// Package querytasks is the query-tasks function, the read side of the API:
// GET /api/{user_id}/tasks (filters, search, sort, cursor pages), GET .../tasks/{id},
// GET .../reminders and GET .../events, the user's live event stream (package stream). It
// never writes, so it scales independently of the write functions.
package querytasks

import (
	"context"
	"net/http"
	"net/url"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/openapi"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/stream"
	"github.com/taskline/taskline/shared/todo"
)

// Store is what query-tasks needs of the store.
type Store interface {
	ListTasks(ctx context.Context, userID string, q todo.TaskQuery) (todo.TaskPage, error)
	GetTask(ctx context.Context, userID string, id int64) (todo.Task, error)
	ListReminders(ctx context.Context, userID, status string) ([]todo.Reminder, error)
	stream.Store
	stream.Source
}

// ReminderList is the answer of GET /reminders.
type ReminderList struct {
	Reminders []todo.Reminder `json:"reminders"`
	Count     int             `json:"count"`
}

// Routes are the function's endpoints.
func Routes(d *runtime.Deps) []runtime.Route {
	s, ew := Store(d.Store), d.Errors
	// One hub per process: one LISTEN connection, held while a stream is open.
	streams := &stream.Streams{Hub: stream.NewHub(s, d.Log), Store: s, Log: d.Log, Opts: stream.Options{Once: runtime.InLambda()}}
	return []runtime.Route{
		{Pattern: "GET /api/{user_id}/tasks", Handler: ew.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			q, err := todo.ParseTaskQuery(r.URL.Query())
			if err != nil {
				return err
			}
			page, err := s.ListTasks(r.Context(), auth.UserID(r.Context()), q)
			if err != nil {
				return err
			}
			if page.NextCursor != nil {
				w.Header().Set("Link", NextLink(r.URL, *page.NextCursor))
			}
			runtime.WriteJSON(w, http.StatusOK, page)
			return nil
		}), Doc: &openapi.Operation{Tag: "Tasks", Summary: "List tasks", Query: ListParams, Response: todo.TaskPage{},
			Description: "Filters combine. Tasks without a due date come last in either order. A page holds limit tasks " +
				"(200 without limit); when more match, has_more is true, next_cursor fetches the next page and a Link " +
				"header (rel=\"next\") points to it. A parameter given twice must have one value (400 otherwise)."}},
		{Pattern: "GET /api/{user_id}/tasks/{id}", Handler: ew.JSON(http.StatusOK, func(r *http.Request, user string) (any, error) {
			id, err := runtime.PathID(r, "id")
			if err != nil {
				return nil, err
			}
			return s.GetTask(r.Context(), user, id)
		}), Doc: &openapi.Operation{Tag: "Tasks", Summary: "Read a task", Response: todo.Task{}}},
		{Pattern: "GET /api/{user_id}/reminders", Handler: ew.JSON(http.StatusOK, func(r *http.Request, user string) (any, error) {
			status, err := todo.ParseReminderFilter(r.URL.Query())
			if err != nil {
				return nil, err
			}
			list, err := s.ListReminders(r.Context(), user, status)
			return ReminderList{Reminders: list, Count: len(list)}, err
		}), Doc: &openapi.Operation{Tag: "Reminders", Summary: "List reminders", Response: ReminderList{},
			Description: "By time; pending includes retries in flight.",
			Query:       []openapi.Param{{Name: "status", Enum: []string{"pending", "sent", "failed", "cancelled", "all"}, Description: "Default pending."}}}},
		{Pattern: "GET /api/{user_id}/events", Handler: ew.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			return streams.Serve(w, r, auth.UserID(r.Context()))
		}), Doc: &openapi.Operation{Tag: "Events", Summary: "Stream your events", Stream: "text/event-stream",
			Query: []openapi.Param{{Name: "last_event_id", Type: "integer", Description: "Resume after this event id, " +
				"as the Last-Event-ID header does (which wins when both are sent)."}},
			Description: "Server-sent events of the token's user's own events, live: each is `id:` (the event's " +
				"position, a resumable cursor), `event:` (the CloudEvent type: task.created, task.updated, task.completed, " +
				"task.deleted, recurring.task.created, reminder.scheduled, reminder.triggered, reminder.sent, " +
				"reminder.failed, reminder.cancelled) and `data:` (the whole CloudEvent, structured JSON; its `data` " +
				"holds the payload). The first event, `ready`, says the stream is open; its id is the cursor to resume " +
				"from and its data `{\"last_event_id\": id}`. A comment line every 20 s keeps proxies from closing an idle stream; the server " +
				"ends a stream after 5 minutes and on shutdown. Reconnect with Last-Event-ID (or last_event_id) to get " +
				"what was missed since, while the server still holds it (published events are pruned after a while, " +
				"so a cursor older than that resumes from what is left). Without a cursor the stream starts now. " +
				"A read-only token is enough."}},
	}
}

// ListParams are GET /tasks' query parameters (todo.ParseTaskQuery reads them).
var ListParams = []openapi.Param{
	{Name: "status", Enum: []string{"all", "pending", "completed"}, Description: "Default all."},
	{Name: "is_completed", Type: "boolean", Description: "true: status=completed; false: status=pending."},
	{Name: "priority", Enum: []string{"low", "medium", "high"}},
	{Name: "due_after", Description: "Due at or after this time (RFC 3339, or without a zone: in the user's zone)."},
	{Name: "due_before", Description: "Due before this time (RFC 3339, or without a zone: in the user's zone)."},
	{Name: "tags", List: true, Description: "Tag names the task must all carry: repeated (tags=a&tags=b), comma-separated, or both."},
	{Name: "search", Description: "Words matching the start of words in the title or description."},
	{Name: "sort", Enum: []string{"due_date", "priority", "created_at", "title"}, Description: "Default created_at."},
	{Name: "sort_by", Enum: []string{"due_date", "priority", "created_at", "title"}, Description: "The same as sort."},
	{Name: "order", Enum: []string{"asc", "desc"}, Description: "Default: soonest due, highest priority, A to Z, newest first."},
	{Name: "limit", Type: "integer", Min: 1, Max: todo.MaxLimit, Description: "Page size; default 200."},
	{Name: "cursor", Description: "next_cursor of the previous page."},
}

// NextLink is the Link header (RFC 8288) of a page that has more: the same request with the
// next page's cursor, relative to the request's own URL.
func NextLink(u *url.URL, cursor string) string {
	q := u.Query()
	q.Set("cursor", cursor)
	return "<" + u.Path + "?" + q.Encode() + `>; rel="next"`
}
