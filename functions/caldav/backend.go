package caldav

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
)

// Prefix is where the CalDAV server answers.
const Prefix = "/dav"

// Layout, for user ann: principal /dav/ann/, calendar home /dav/ann/calendars/, the one
// task list /dav/ann/calendars/tasks/, a task /dav/ann/calendars/tasks/<name>.ics.
func principalPath(user string) string { return Prefix + "/" + user + "/" }
func homePath(user string) string      { return principalPath(user) + "calendars/" }
func listPath(user string) string      { return homePath(user) + "tasks/" }

// backend is go-webdav's caldav.Backend over the store, for the user of the request's
// context. Every write goes through the store's task and reminder methods, so the domain
// rules and the outbox apply as for any other client.
type backend struct {
	store *postgres.Store
	log   *slog.Logger
}

var _ caldav.Backend = (*backend)(nil)

func userOf(ctx context.Context) string { return auth.UserID(ctx) }

// httpError turns a store error into the status go-webdav answers with; an internal error
// is logged and answered without its details.
func (b *backend) httpError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if e := todo.AsError(err); e != nil {
		return webdav.NewHTTPError(runtime.HTTPStatus(err), errors.New(e.Message))
	}
	b.log.ErrorContext(ctx, "caldav request failed", "err", err)
	return webdav.NewHTTPError(http.StatusInternalServerError, errors.New("something went wrong on our side; try again"))
}

func (b *backend) CurrentUserPrincipal(ctx context.Context) (string, error) {
	return principalPath(userOf(ctx)), nil
}

func (b *backend) CalendarHomeSetPath(ctx context.Context) (string, error) {
	return homePath(userOf(ctx)), nil
}

func (b *backend) calendar(ctx context.Context) caldav.Calendar {
	return caldav.Calendar{Path: listPath(userOf(ctx)), Name: "Taskline", Description: "Your Taskline tasks",
		SupportedComponentSet: []string{ical.CompToDo}, MaxResourceSize: maxObject}
}

func (b *backend) CreateCalendar(ctx context.Context, _ *caldav.Calendar) error {
	return webdav.NewHTTPError(http.StatusForbidden, errors.New("Taskline has one task list per user"))
}

func (b *backend) ListCalendars(ctx context.Context) ([]caldav.Calendar, error) {
	return []caldav.Calendar{b.calendar(ctx)}, nil
}

func (b *backend) GetCalendar(ctx context.Context, p string) (*caldav.Calendar, error) {
	c := b.calendar(ctx)
	if strings.TrimSuffix(p, "/")+"/" != c.Path {
		return nil, webdav.NewHTTPError(http.StatusNotFound, errors.New("no such calendar"))
	}
	return &c, nil
}

// nameOf is the resource name of an object path in the user's list, or "" when the path
// is elsewhere (another user's, another collection).
func nameOf(ctx context.Context, p string) string {
	dir, name := path.Split(p)
	if dir != listPath(userOf(ctx)) || !strings.HasSuffix(name, ".ics") || name == ".ics" {
		return ""
	}
	return name
}

func (b *backend) location(ctx context.Context) (*time.Location, error) {
	u, err := b.store.User(ctx, userOf(ctx))
	return u.Location, err
}

// object renders one stored object.
func (b *backend) object(ctx context.Context, o postgres.CalDAVObject, loc *time.Location) (caldav.CalendarObject, error) {
	cal := render(o, loc)
	data, etag, err := encode(cal)
	if err != nil {
		return caldav.CalendarObject{}, err
	}
	return caldav.CalendarObject{Path: listPath(userOf(ctx)) + o.Name, ModTime: o.Task.UpdatedAt, ContentLength: int64(len(data)),
		ETag: etag, Data: cal}, nil
}

func (b *backend) load(ctx context.Context, p string) (postgres.CalDAVObject, error) {
	name := nameOf(ctx, p)
	if name == "" {
		return postgres.CalDAVObject{}, todo.Errorf(todo.NotFound, "path", "%s not found", p)
	}
	return b.store.CalDAVObjectByName(ctx, userOf(ctx), name)
}

func (b *backend) GetCalendarObject(ctx context.Context, p string, _ *caldav.CalendarCompRequest) (*caldav.CalendarObject, error) {
	o, err := b.load(ctx, p)
	if err != nil {
		return nil, b.httpError(ctx, err)
	}
	loc, err := b.location(ctx)
	if err != nil {
		return nil, b.httpError(ctx, err)
	}
	co, err := b.object(ctx, o, loc)
	return &co, b.httpError(ctx, err)
}

// objects renders the user's objects (changed after since, when not zero).
func (b *backend) objects(ctx context.Context, since time.Time) ([]caldav.CalendarObject, error) {
	objs, err := b.store.CalDAVObjects(ctx, userOf(ctx), since)
	if err != nil {
		return nil, b.httpError(ctx, err)
	}
	loc, err := b.location(ctx)
	if err != nil {
		return nil, b.httpError(ctx, err)
	}
	out := make([]caldav.CalendarObject, 0, len(objs))
	for _, o := range objs {
		co, err := b.object(ctx, o, loc)
		if err != nil {
			return nil, b.httpError(ctx, err)
		}
		out = append(out, co)
	}
	return out, nil
}

func (b *backend) ListCalendarObjects(ctx context.Context, p string, _ *caldav.CalendarCompRequest) ([]caldav.CalendarObject, error) {
	if _, err := b.GetCalendar(ctx, p); err != nil {
		return nil, err
	}
	return b.objects(ctx, time.Time{})
}

func (b *backend) QueryCalendarObjects(ctx context.Context, p string, q *caldav.CalendarQuery) ([]caldav.CalendarObject, error) {
	all, err := b.ListCalendarObjects(ctx, p, nil)
	if err != nil {
		return nil, err
	}
	return caldav.Filter(q, all)
}

func precondition(msg string) error {
	return webdav.NewHTTPError(http.StatusPreconditionFailed, errors.New(msg))
}

// checkMatch applies If-Match and If-None-Match to the object as it is (exists false:
// there is none).
func checkMatch(exists bool, etag string, ifMatch, ifNoneMatch webdav.ConditionalMatch) error {
	if ifNoneMatch.IsWildcard() && exists {
		return precondition("the object already exists")
	}
	if ifMatch.IsSet() {
		if !exists {
			return precondition("the object does not exist")
		}
		if !matches(ifMatch, etag) {
			return precondition("the object changed since you read it (ETag mismatch): read it again")
		}
	}
	if ifNoneMatch.IsSet() && !ifNoneMatch.IsWildcard() && exists {
		if matches(ifNoneMatch, etag) {
			return precondition("the object has that ETag")
		}
	}
	return nil
}

func (b *backend) PutCalendarObject(ctx context.Context, p string, cal *ical.Calendar, opts *caldav.PutCalendarObjectOptions) (*caldav.CalendarObject, error) {
	user := userOf(ctx)
	name := nameOf(ctx, p)
	if name == "" {
		return nil, webdav.NewHTTPError(http.StatusForbidden, errors.New("tasks go in "+listPath(user)))
	}
	loc, err := b.location(ctx)
	if err != nil {
		return nil, b.httpError(ctx, err)
	}
	cur, err := b.store.CalDAVObjectByName(ctx, user, name)
	exists := err == nil
	if err != nil && todo.ErrorCode(err) != todo.NotFound {
		return nil, b.httpError(ctx, err)
	}
	var curETag string
	if exists {
		co, err := b.object(ctx, cur, loc)
		if err != nil {
			return nil, b.httpError(ctx, err)
		}
		curETag = co.ETag
	}
	if opts != nil {
		if err := checkMatch(exists, curETag, opts.IfMatch, opts.IfNoneMatch); err != nil {
			return nil, err
		}
	}
	in, err := parse(cal, loc, b.store.Now())
	if err != nil {
		return nil, b.httpError(ctx, err)
	}
	if other, err := b.store.CalDAVNameOfUID(ctx, user, in.uid); err != nil {
		return nil, b.httpError(ctx, err)
	} else if other != "" && other != name {
		return nil, caldav.NewPreconditionError(caldav.PreconditionNoUIDConflict)
	}
	c := in.changes
	if c.RecurrenceDay.Set && !c.RecurrenceDay.Null {
		var due *time.Time
		if c.DueDate.Set && !c.DueDate.Null {
			due = &c.DueDate.Value
		}
		rec := c.Recurrence.Value
		if todo.CheckRecurrenceDay(c.RecurrenceDay.Value, due, &rec, loc) != nil {
			c.RecurrenceDay = todo.Null[int]() // a BYMONTHDAY the due date does not fall on: the due date's day
		}
	}
	var task todo.Task
	if exists {
		c.Completed = &in.completed
		task, err = b.store.UpdateTask(ctx, user, cur.Task.ID, c)
	} else {
		task, err = b.store.CreateTask(ctx, user, c)
		if err == nil && in.completed {
			task, err = b.store.CompleteTask(ctx, user, task.ID, false)
		}
	}
	if err != nil {
		return nil, b.httpError(ctx, err)
	}
	if err := b.syncReminders(ctx, task, cur.Reminders, in.reminders); err != nil {
		return nil, b.httpError(ctx, err)
	}
	for _, c := range cal.Children {
		if c.Name == ical.CompToDo && c.Props.Get(ical.PropDateTimeStamp) == nil {
			c.Props.SetDateTime(ical.PropDateTimeStamp, b.store.Now().UTC()) // required; some clients leave it out
		}
	}
	raw, _, err := encode(cal)
	if err != nil {
		return nil, b.httpError(ctx, err)
	}
	if err := b.store.SaveCalDAVObject(ctx, user, task.ID, name, in.uid, string(raw)); err != nil {
		return nil, b.httpError(ctx, err)
	}
	o, err := b.store.CalDAVObjectByName(ctx, user, name)
	if err != nil {
		return nil, b.httpError(ctx, err)
	}
	co, err := b.object(ctx, o, loc)
	return &co, b.httpError(ctx, err)
}

// syncReminders makes the task's pending reminders those of the client's VALARMs: the
// ones gone are deleted (announced as cancelled), new ones scheduled. Alarms already past,
// and alarms of a completed task, are not scheduled.
func (b *backend) syncReminders(ctx context.Context, task todo.Task, have, want []postgres.CalDAVReminder) error {
	same := func(a, b postgres.CalDAVReminder) bool {
		if a.BeforeDue != nil || b.BeforeDue != nil {
			return a.BeforeDue != nil && b.BeforeDue != nil && *a.BeforeDue == *b.BeforeDue
		}
		return a.RemindAt.Equal(b.RemindAt)
	}
	user := userOf(ctx)
	for _, h := range have {
		keep := false
		for _, w := range want {
			keep = keep || same(h, w)
		}
		if !keep {
			if err := b.store.DeleteReminder(ctx, user, h.ID); err != nil && todo.ErrorCode(err) != todo.NotFound {
				return err
			}
		}
	}
	if task.Completed {
		return nil
	}
	for _, w := range want {
		exists := false
		for _, h := range have {
			exists = exists || same(h, w)
		}
		if exists {
			continue
		}
		spec := todo.ReminderSpec{TaskID: task.ID}
		if w.BeforeDue != nil {
			spec.BeforeDue = *w.BeforeDue
		} else {
			at := w.RemindAt
			spec.At = &at
		}
		if _, err := b.store.CreateReminder(ctx, user, spec); err != nil && todo.ErrorCode(err) != todo.Unprocessable {
			return err
		}
	}
	return nil
}

func (b *backend) DeleteCalendarObject(ctx context.Context, p string) error {
	o, err := b.load(ctx, p)
	if err != nil {
		return b.httpError(ctx, err)
	}
	return b.httpError(ctx, b.store.DeleteTask(ctx, userOf(ctx), o.Task.ID))
}

// matches reports whether a condition names etag (a list of ETags, weak or strong, or *).
func matches(c webdav.ConditionalMatch, etag string) bool {
	if c.IsWildcard() {
		return true
	}
	for _, v := range strings.Split(string(c), ",") {
		v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
		if strings.Trim(v, `"`) == etag {
			return true
		}
	}
	return false
}
