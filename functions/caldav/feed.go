package caldav

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/todo"
)

// feed serves GET /feeds/{token}.ics: the user's open tasks with a due date as events, for
// calendar subscriptions (Google, Apple, Outlook show events, not tasks). The token is a
// feed token (scope feed), revocable like any other; conditional GET (ETag,
// Last-Modified) lets subscribers poll cheaply.
type feed struct {
	store *postgres.Store
	log   *slog.Logger
}

// eventLength is how long a task's event lasts in a calendar: a slot at the due time.
const eventLength = 30 * time.Minute

func (f *feed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "the feed is read-only", http.StatusMethodNotAllowed)
		return
	}
	secret, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/feeds/"), ".ics")
	if !ok || strings.Contains(secret, "/") || !auth.IsAccessToken(secret) {
		http.NotFound(w, r)
		return
	}
	a, err := f.store.AuthenticateToken(r.Context(), secret)
	if err != nil || a.Scope != todo.ScopeFeed {
		if err != nil && todo.AsError(err) == nil {
			f.log.ErrorContext(r.Context(), "feed failed", "err", err)
			http.Error(w, "something went wrong on our side; try again", http.StatusInternalServerError)
			return
		}
		http.Error(w, "no such feed (the link was revoked, or mistyped)", http.StatusNotFound)
		return
	}
	ctx := auth.WithUserID(r.Context(), a.UserID)
	version, _, err := f.store.CalDAVVersion(ctx, a.UserID)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	objs, err := f.store.CalDAVObjects(ctx, a.UserID, time.Time{})
	if err != nil {
		f.fail(w, r, err)
		return
	}
	u, err := f.store.User(ctx, a.UserID)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, prodID)
	cal.Props.SetText("X-WR-CALNAME", "Taskline")
	cal.Props.SetText("X-WR-TIMEZONE", u.Location.String())
	cal.Props.SetText("X-PUBLISHED-TTL", "PT15M")
	for _, o := range objs {
		t := o.Task
		if t.DueDate == nil || t.Completed {
			continue
		}
		e := ical.NewEvent()
		e.Props.SetText(ical.PropUID, "taskline-task-"+strconv.FormatInt(t.ID, 10)+"-due")
		e.Props.SetDateTime(ical.PropDateTimeStamp, t.UpdatedAt.UTC())
		e.Props.SetDateTime(ical.PropLastModified, t.UpdatedAt.UTC())
		e.Props.SetDateTime(ical.PropDateTimeStart, t.DueDate.UTC())
		e.Props.SetDateTime(ical.PropDateTimeEnd, t.DueDate.Add(eventLength).UTC())
		e.Props.SetText(ical.PropSummary, t.Title)
		if t.Description != "" {
			e.Props.SetText(ical.PropDescription, t.Description)
		}
		if names := t.TagNames(); len(names) > 0 {
			c := ical.NewProp(ical.PropCategories)
			c.SetTextList(names)
			e.Props.Set(c)
		}
		e.Props.SetText(ical.PropTransparency, "TRANSPARENT")
		cal.Children = append(cal.Children, e.Component)
	}
	var buf bytes.Buffer
	if len(cal.Children) == 0 {
		// A calendar needs a component; an empty feed still subscribes.
		cal.Children = append(cal.Children, timezone(u.Location, time.Now()))
	}
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		f.fail(w, r, err)
		return
	}
	h := sha256.Sum256(buf.Bytes())
	w.Header().Set("ETag", `"`+hex.EncodeToString(h[:12])+`"`)
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=300")
	http.ServeContent(w, r, "taskline.ics", version, bytes.NewReader(buf.Bytes()))
}

func (f *feed) fail(w http.ResponseWriter, r *http.Request, err error) {
	f.log.ErrorContext(r.Context(), "feed failed", "err", err)
	http.Error(w, "something went wrong on our side; try again", http.StatusInternalServerError)
}
