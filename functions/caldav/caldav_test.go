package caldav_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"

	davfn "github.com/taskline/taskline/functions/caldav"
	completetask "github.com/taskline/taskline/functions/complete-task"
	querytasks "github.com/taskline/taskline/functions/query-tasks"
	"github.com/taskline/taskline/functions/tokens"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/runtime/apitest"
	"github.com/taskline/taskline/shared/todo"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// env is a server with the CalDAV, tokens and task API functions, and a user with a
// personal access token in New York.
type env struct {
	t      testing.TB
	api    *apitest.API
	user   string
	secret string
	tokID  int64
	ny     *time.Location
}

func newEnv(t testing.TB, user string) *env {
	api := apitest.New(t, davfn.Routes, tokens.Routes, querytasks.Routes, completetask.Routes)
	return withUser(t, api, user)
}

func withUser(t testing.TB, api *apitest.API, user string) *env {
	ny, _ := time.LoadLocation("America/New_York")
	tz := "America/New_York"
	api.Do(user, "GET", "/api/"+user+"/tokens", nil).Expect(t, 200) // records the user
	if _, err := api.Store.UpdateProfile(context.Background(), user, todo.ProfileChanges{TimeZone: &tz}); err != nil {
		t.Fatal(err)
	}
	var k struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	api.Do(user, "POST", "/api/"+user+"/tokens", map[string]any{"name": "phone"}).Expect(t, 201).Decode(t, &k)
	return &env{t: t, api: api, user: user, secret: k.Token, tokID: k.ID, ny: ny}
}

func (e *env) client() *caldav.Client {
	c, err := caldav.NewClient(webdav.HTTPClientWithBasicAuth(http.DefaultClient, "whoever", e.secret), e.api.URL+"/.well-known/caldav")
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) list() string { return "/dav/" + e.user + "/calendars/tasks/" }

// do sends a raw request with the user's token as the Basic password.
func (e *env) do(method, path, body string, header map[string]string) (int, http.Header, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.api.URL+path, strings.NewReader(body))
	req.SetBasicAuth(e.user, e.secret)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func (e *env) put(name, ics string, header map[string]string) (int, string) {
	e.t.Helper()
	h := map[string]string{"Content-Type": "text/calendar; charset=utf-8"}
	for k, v := range header {
		h[k] = v
	}
	st, hd, body := e.do("PUT", e.list()+name, ics, h)
	if st >= 300 && st != 412 && st != 403 && st != 409 {
		e.t.Fatalf("PUT %s: %d %s", name, st, body)
	}
	return st, hd.Get("ETag")
}

func (e *env) get(name string) (*ical.Component, string) {
	e.t.Helper()
	st, h, body := e.do("GET", e.list()+name, "", nil)
	if st != 200 {
		e.t.Fatalf("GET %s: %d %s", name, st, body)
	}
	cal, err := ical.NewDecoder(strings.NewReader(body)).Decode()
	if err != nil {
		e.t.Fatalf("GET %s: not iCalendar: %v\n%s", name, err, body)
	}
	for _, c := range cal.Children {
		if c.Name == ical.CompToDo {
			return c, h.Get("ETag")
		}
	}
	e.t.Fatalf("GET %s: no VTODO:\n%s", name, body)
	return nil, ""
}

// apiTasks lists the user's tasks through the HTTP API.
func (e *env) apiTasks() []todo.Task {
	var page struct {
		Tasks []todo.Task `json:"tasks"`
	}
	e.api.Do(e.user, "GET", "/api/"+e.user+"/tasks?sort=created_at&order=asc", nil).Expect(e.t, 200).Decode(e.t, &page)
	return page.Tasks
}

func vtodo(lines ...string) string {
	return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test client//EN\r\nBEGIN:VTODO\r\n" +
		strings.Join(lines, "\r\n") + "\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
}

func prop(c *ical.Component, name string) string {
	if p := c.Props.Get(name); p != nil {
		return p.Value
	}
	return ""
}

// Discovery as clients do it: /.well-known/caldav, the principal, the home, one task list.
func TestDiscovery(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "ann")
	ctx := context.Background()
	c := e.client()
	principal, err := c.FindCurrentUserPrincipal(ctx)
	if err != nil || principal != "/dav/ann/" {
		t.Fatalf("principal %q %v", principal, err)
	}
	home, err := c.FindCalendarHomeSet(ctx, principal)
	if err != nil || home != "/dav/ann/calendars/" {
		t.Fatalf("home %q %v", home, err)
	}
	cals, err := c.FindCalendars(ctx, home)
	if err != nil || len(cals) != 1 || cals[0].Path != e.list() || len(cals[0].SupportedComponentSet) != 1 || cals[0].SupportedComponentSet[0] != "VTODO" {
		t.Fatalf("calendars %+v %v", cals, err)
	}
	// Without credentials: a Basic challenge, as clients expect.
	req, _ := http.NewRequest("PROPFIND", e.api.URL+"/dav/ann/", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic ") {
		t.Fatalf("no credentials: %d %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
}

// A task made in the API, read by go-webdav's client: every mapped property, in the
// user's zone.
func TestTaskToVTODO(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "ann")
	ctx := context.Background()
	title, desc, high, monthly := "Pay rent", "to the landlord", todo.High, todo.Monthly
	due := time.Date(2031, 1, 31, 9, 0, 0, 0, e.ny)
	task, err := e.api.Store.CreateTask(ctx, "ann", todo.TaskChanges{Title: &title, Description: &desc, Priority: &high,
		DueDate: todo.Some(due), Recurrence: todo.Some(monthly), RecurrenceDay: todo.Some(31),
		RecurrenceEnd: todo.Some(todo.EndDate{At: time.Date(2031, 12, 31, 23, 59, 59, 0, time.UTC)}),
		TagsSet:       true, TagNames: []string{"home", "money"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.api.Store.CreateReminder(ctx, "ann", todo.ReminderSpec{TaskID: task.ID, BeforeDue: time.Hour}); err != nil {
		t.Fatal(err)
	}
	objs, err := e.client().QueryCalendar(ctx, e.list(), &caldav.CalendarQuery{CompRequest: caldav.CalendarCompRequest{Name: "VCALENDAR", AllProps: true, AllComps: true},
		CompFilter: caldav.CompFilter{Name: "VCALENDAR", Comps: []caldav.CompFilter{{Name: "VTODO"}}}})
	if err != nil || len(objs) != 1 {
		t.Fatalf("query: %d objects, %v", len(objs), err)
	}
	if objs[0].ETag == "" || objs[0].Path != e.list()+"task-"+strconv.FormatInt(task.ID, 10)+".ics" {
		t.Fatalf("object %s etag %q", objs[0].Path, objs[0].ETag)
	}
	var td *ical.Component
	hasTZ := false
	for _, c := range objs[0].Data.Children {
		switch c.Name {
		case ical.CompToDo:
			td = c
		case ical.CompTimezone:
			hasTZ = prop(c, ical.PropTimezoneID) == "America/New_York"
		}
	}
	d := td.Props.Get(ical.PropDue)
	for k, want := range map[string]string{
		ical.PropSummary: "Pay rent", ical.PropDescription: "to the landlord", ical.PropPriority: "1",
		ical.PropStatus: "NEEDS-ACTION", ical.PropCategories: "home,money",
		ical.PropRecurrenceRule: "FREQ=MONTHLY;BYMONTHDAY=31;UNTIL=20311231T235959Z",
	} {
		if got := prop(td, k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if d == nil || d.Value != "20310131T090000" || d.Params.Get("TZID") != "America/New_York" || !hasTZ {
		t.Errorf("DUE %+v (VTIMEZONE %v), want 09:00 New York time", d, hasTZ)
	}
	if len(td.Children) != 1 || prop(td.Children[0], ical.PropTrigger) != "-PT3600S" || td.Children[0].Props.Get(ical.PropTrigger).Params.Get("RELATED") != "END" {
		t.Errorf("VALARM %+v, want one an hour before due", td.Children)
	}

	// Completed in the API: the client sees it completed.
	if _, err := e.api.Store.CompleteTask(ctx, "ann", task.ID, false); err != nil {
		t.Fatal(err)
	}
	td, _ = e.get("task-" + strconv.FormatInt(task.ID, 10) + ".ics")
	if prop(td, ical.PropStatus) != "COMPLETED" || prop(td, ical.PropPercentComplete) != "100" || prop(td, ical.PropCompleted) == "" || len(td.Children) != 0 {
		t.Errorf("completed task: STATUS %q PERCENT %q COMPLETED %q alarms %d", prop(td, ical.PropStatus),
			prop(td, ical.PropPercentComplete), prop(td, ical.PropCompleted), len(td.Children))
	}
}

// A VTODO written by a client becomes a task with every mapped field, its alarms become
// reminders, and what Taskline does not model comes back unchanged.
func TestVTODOToTask(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "ann")
	mark := len(e.api.Outbox())
	st, etag := e.put("client-1.ics", vtodo(
		"UID:client-uid-1", "DTSTAMP:20261201T120000Z", "SUMMARY:Water the plants", "DESCRIPTION:the big ones",
		"DUE;TZID=America/New_York:20301207T180000", "PRIORITY:3", "CATEGORIES:garden,Front Yard",
		"RRULE:FREQ=WEEKLY;UNTIL=20310301T000000Z", "X-APPLE-SORT-ORDER:42", "GEO:40.7;-74.0",
		"BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:plants", "TRIGGER;RELATED=END:-PT15M", "END:VALARM",
		"BEGIN:VALARM", "ACTION:AUDIO", "TRIGGER;VALUE=DATE-TIME:20301207T150000Z", "END:VALARM",
	), nil)
	if st != 201 || etag == "" {
		t.Fatalf("PUT: %d etag %q", st, etag)
	}
	tasks := e.apiTasks()
	if len(tasks) != 1 {
		t.Fatalf("API has %d tasks", len(tasks))
	}
	k := tasks[0]
	if k.Title != "Water the plants" || k.Description != "the big ones" || k.Priority != todo.High ||
		k.DueDate == nil || !k.DueDate.Equal(time.Date(2030, 12, 7, 18, 0, 0, 0, e.ny)) ||
		k.RecurrencePattern == nil || *k.RecurrencePattern != todo.Weekly || k.RecurrenceEndDate == nil ||
		len(k.Tags) != 1 || k.Tags[0].Name != "garden" {
		t.Fatalf("task from CalDAV: %+v", k)
	}
	rems, err := e.api.Store.ListReminders(context.Background(), "ann", "pending")
	if err != nil || len(rems) != 2 || rems[1].BeforeDue == nil || *rems[1].BeforeDue != "15m" || rems[0].BeforeDue != nil ||
		!rems[0].RemindAt.Equal(time.Date(2030, 12, 7, 15, 0, 0, 0, time.UTC)) {
		t.Fatalf("reminders %+v %v", rems, err)
	}
	var types []string
	for _, ev := range e.api.Outbox()[mark:] {
		types = append(types, ev.Type)
		if ev.Source != "/functions/test" {
			t.Errorf("event %s from %s", ev.Type, ev.Source)
		}
	}
	if strings.Join(types, ",") != "task.created,reminder.scheduled,reminder.scheduled" {
		t.Errorf("events %v", types)
	}

	td, getTag := e.get("client-1.ics")
	if getTag != etag {
		t.Errorf("GET ETag %q, PUT said %q", getTag, etag)
	}
	for k, want := range map[string]string{
		ical.PropUID: "client-uid-1", ical.PropPriority: "3", "X-APPLE-SORT-ORDER": "42", ical.PropGeo: "40.7;-74.0",
		ical.PropCategories: "garden,Front Yard", ical.PropRecurrenceRule: "FREQ=WEEKLY;UNTIL=20310301T000000Z",
	} {
		if got := prop(td, k); got != want {
			t.Errorf("round trip %s = %q, want %q", k, got, want)
		}
	}
	if len(td.Children) != 2 {
		t.Errorf("round trip: %d alarms, want 2", len(td.Children))
	}

	// PRIORITY as RFC 5545 reads it.
	for i, c := range []struct {
		prio string
		want todo.Priority
	}{{"1", todo.High}, {"4", todo.High}, {"5", todo.Medium}, {"0", todo.Medium}, {"6", todo.Low}, {"9", todo.Low}} {
		e.put("prio.ics", vtodo("UID:prio", "SUMMARY:p"+strconv.Itoa(i), "PRIORITY:"+c.prio), nil)
		for _, k := range e.apiTasks() {
			if k.Title == "p"+strconv.Itoa(i) && k.Priority != c.want {
				t.Errorf("PRIORITY:%s is %s, want %s", c.prio, k.Priority, c.want)
			}
		}
	}

	// A rule Taskline cannot run is kept verbatim: the task does not recur in Taskline.
	e.put("odd.ics", vtodo("UID:odd", "SUMMARY:Every other Tuesday", "DUE:20261208T170000Z", "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"), nil)
	td, _ = e.get("odd.ics")
	if prop(td, ical.PropRecurrenceRule) != "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU" {
		t.Errorf("kept RRULE %q", prop(td, ical.PropRecurrenceRule))
	}
	for _, k := range e.apiTasks() {
		if k.Title == "Every other Tuesday" && k.RecurrencePattern != nil {
			t.Errorf("an RRULE Taskline cannot run became %v", *k.RecurrencePattern)
		}
	}

	// A date without a time (Tasks.org's "no time"): due at the end of that day in the
	// user's zone, on the day DST ends too, and given back as a date.
	e.put("allday.ics", vtodo("UID:allday", "SUMMARY:All day", "DUE;VALUE=DATE:20301103"), nil)
	for _, k := range e.apiTasks() {
		if k.Title == "All day" && (k.DueDate == nil || !k.DueDate.Equal(time.Date(2030, 11, 3, 23, 59, 59, 0, e.ny))) {
			t.Errorf("date-only DUE is %v, want Nov 3 2030 23:59:59 New York", k.DueDate)
		}
	}
	if td, _ = e.get("allday.ics"); prop(td, ical.PropDue) != "20301103" {
		t.Errorf("date-only DUE came back as %q", prop(td, ical.PropDue))
	}

	// Another object with a UID already in use: refused.
	st, _ = e.put("dup.ics", vtodo("UID:client-uid-1", "SUMMARY:dup"), nil)
	if st < 400 {
		t.Errorf("duplicate UID answered %d", st)
	}
}

// A monthly task on the 31st completed from the client: the pipeline's spawn step makes
// the next instance on Feb 28 (the series keeps its day), which the client then sees;
// across the end of DST a daily task stays at 07:00 New York time.
func TestRecurringCompletedByClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "ann")
	ctx := context.Background()
	e.put("rent.ics", vtodo("UID:rent", "SUMMARY:Rent", "DUE;TZID=America/New_York:20310131T090000", "RRULE:FREQ=MONTHLY;BYMONTHDAY=31"), nil)
	k := e.apiTasks()[0]
	if k.RecurrenceDay == nil || *k.RecurrenceDay != 31 || *k.RecurrencePattern != todo.Monthly {
		t.Fatalf("monthly on the 31st: %+v", k)
	}
	_, etag := e.get("rent.ics")
	mark := len(e.api.Outbox())
	st, _ := e.put("rent.ics", vtodo("UID:rent", "SUMMARY:Rent", "DUE;TZID=America/New_York:20310131T090000",
		"RRULE:FREQ=MONTHLY;BYMONTHDAY=31", "STATUS:COMPLETED", "COMPLETED:20310131T100000Z", "PERCENT-COMPLETE:100"),
		map[string]string{"If-Match": etag})
	if st != 201 {
		t.Fatalf("complete: %d", st)
	}
	if types := e.api.OutboxTypes(mark); !contains(types, "task.completed") {
		t.Fatalf("events %v, want task.completed", types)
	}
	// What spawn-next-occurrence does on task.completed.
	next, _, err := e.api.Store.SpawnNextOccurrence(ctx, "test", "ev-rent", "ann", k.ID)
	if err != nil || next == nil {
		t.Fatalf("spawn %v %v", next, err)
	}
	td, _ := e.get("task-" + strconv.FormatInt(next.ID, 10) + ".ics")
	if d := td.Props.Get(ical.PropDue); d == nil || d.Value != "20310228T090000" || prop(td, ical.PropRecurrenceRule) != "FREQ=MONTHLY;BYMONTHDAY=31" {
		t.Errorf("next instance DUE %+v RRULE %q, want Feb 28 09:00 keeping day 31", d, prop(td, ical.PropRecurrenceRule))
	}
	done, _ := e.get("rent.ics")
	if prop(done, ical.PropStatus) != "COMPLETED" {
		t.Errorf("completed instance STATUS %q", prop(done, ical.PropStatus))
	}

	// DST: daily at 07:00 on Oct 31 2026; the next one is Nov 1 07:00 EST.
	e.put("walk.ics", vtodo("UID:walk", "SUMMARY:Walk", "DUE;TZID=America/New_York:20261031T070000", "RRULE:FREQ=DAILY"), nil)
	var walk todo.Task
	for _, x := range e.apiTasks() {
		if x.Title == "Walk" {
			walk = x
		}
	}
	e.api.Store.Now = func() time.Time { return time.Date(2026, 10, 31, 6, 0, 0, 0, e.ny) }
	defer func() { e.api.Store.Now = time.Now }()
	if _, err := e.api.Store.CompleteTask(ctx, "ann", walk.ID, false); err != nil {
		t.Fatal(err)
	}
	next, _, err = e.api.Store.SpawnNextOccurrence(ctx, "test", "ev-walk", "ann", walk.ID)
	if err != nil || next == nil {
		t.Fatalf("spawn %v %v", next, err)
	}
	status, _, body := e.do("GET", e.list()+"task-"+strconv.FormatInt(next.ID, 10)+".ics", "", nil)
	if status != 200 || !strings.Contains(body, "DUE;TZID=America/New_York:20261101T070000") ||
		!strings.Contains(body, "TZOFFSETFROM:-0400") || !strings.Contains(body, "TZOFFSETTO:-0500") {
		t.Errorf("after DST ends: %d\n%s", status, body)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// Two clients hold the same ETag: the first write wins, the second gets 412 and changes
// nothing; DELETE with a stale ETag is 412 too.
func TestConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "ann")
	e.put("a.ics", vtodo("UID:a", "SUMMARY:Original"), nil)
	_, etag := e.get("a.ics")
	st, etag2 := e.put("a.ics", vtodo("UID:a", "SUMMARY:From phone"), map[string]string{"If-Match": etag})
	if st != 201 || etag2 == etag {
		t.Fatalf("first writer: %d %q", st, etag2)
	}
	st, _ = e.put("a.ics", vtodo("UID:a", "SUMMARY:From laptop"), map[string]string{"If-Match": etag})
	if st != 412 {
		t.Fatalf("second writer with a stale ETag: %d, want 412", st)
	}
	if k := e.apiTasks()[0]; k.Title != "From phone" {
		t.Fatalf("title %q after a refused write", k.Title)
	}
	if st, _, _ := e.do("DELETE", e.list()+"a.ics", "", map[string]string{"If-Match": etag}); st != 412 {
		t.Fatalf("DELETE with a stale ETag: %d", st)
	}
	st, _ = e.put("a.ics", vtodo("UID:a", "SUMMARY:new"), map[string]string{"If-None-Match": "*"})
	if st != 412 {
		t.Fatalf("create-only PUT over an existing object: %d", st)
	}
	// A change in the API changes the ETag: the client's old one no longer matches.
	k := e.apiTasks()[0]
	title := "Renamed in the web app"
	if _, err := e.api.Store.UpdateTask(context.Background(), "ann", k.ID, todo.TaskChanges{Title: &title}); err != nil {
		t.Fatal(err)
	}
	if st, _ = e.put("a.ics", vtodo("UID:a", "SUMMARY:x"), map[string]string{"If-Match": etag2}); st != 412 {
		t.Fatalf("PUT after an API change: %d", st)
	}
	_, etag3 := e.get("a.ics")
	if st, _, _ := e.do("DELETE", e.list()+"a.ics", "", map[string]string{"If-Match": etag3}); st != 204 {
		t.Fatalf("DELETE with the current ETag: %d", st)
	}
	if n := len(e.apiTasks()); n != 0 {
		t.Fatalf("%d tasks after DELETE", n)
	}
}

// Another user's principal, list and task answer 404; their list does not show ours.
func TestIsolation(t *testing.T) {
	t.Parallel()
	ann := newEnv(t, "ann")
	bob := withUser(t, ann.api, "bob")
	ann.put("secret.ics", vtodo("UID:secret", "SUMMARY:Ann's"), nil)
	for _, p := range []string{"/dav/ann/", "/dav/ann/calendars/", ann.list(), ann.list() + "secret.ics"} {
		for _, m := range []string{"GET", "PROPFIND", "DELETE"} {
			if st, _, body := bob.do(m, p, "", map[string]string{"Depth": "1"}); st != 404 {
				t.Errorf("bob %s %s: %d %s", m, p, st, body)
			}
		}
	}
	if st, _, _ := bob.do("PUT", ann.list()+"secret.ics", vtodo("UID:secret", "SUMMARY:Bob's now"), map[string]string{"Content-Type": "text/calendar"}); st != 404 {
		t.Errorf("bob PUT into ann's list: %d", st)
	}
	objs, err := bob.client().QueryCalendar(context.Background(), bob.list(), &caldav.CalendarQuery{CompFilter: caldav.CompFilter{Name: "VCALENDAR"}})
	if err != nil || len(objs) != 0 {
		t.Errorf("bob's list: %d objects %v", len(objs), err)
	}
	if ann.apiTasks()[0].Title != "Ann's" {
		t.Error("ann's task changed")
	}
}

const propfindCTag = `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/">
<d:prop><d:displayname/><cs:getctag/><d:sync-token/><d:supported-report-set/></d:prop></d:propfind>`

func syncReport(token string) string {
	return `<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:sync-token>` + token + `</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/><c:calendar-data/></d:prop></d:sync-collection>`
}

// element is the text of the first element with that local name.
func element(s, name string) string {
	m := regexp.MustCompile(`<(?:\w+:)?` + name + `[^>]*>([^<]*)<`).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

// ctag and sync-token change exactly when the list does; sync-collection reports what
// changed and what was deleted since a token; a token revoked mid-sync is refused at once;
// a read token may sync but not write.
func TestSync(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "ann")
	ctx := context.Background()
	xmlH := map[string]string{"Content-Type": "application/xml", "Depth": "0"}
	ctag := func() (string, string) {
		st, _, body := e.do("PROPFIND", e.list(), propfindCTag, xmlH)
		if st != 207 || !strings.Contains(body, "sync-collection") {
			t.Fatalf("PROPFIND: %d %s", st, body)
		}
		return element(body, "getctag"), element(body, "sync-token")
	}
	e.put("one.ics", vtodo("UID:one", "SUMMARY:One"), nil)
	e.put("two.ics", vtodo("UID:two", "SUMMARY:Two"), nil)
	c1, tok1 := ctag()
	if c1 == "" || !strings.HasPrefix(tok1, "urn:taskline:sync:") {
		t.Fatalf("ctag %q token %q", c1, tok1)
	}
	if c, _ := ctag(); c != c1 {
		t.Fatalf("ctag moved without a change: %q then %q", c1, c)
	}
	st, _, body := e.do("REPORT", e.list(), syncReport(""), xmlH)
	if st != 207 || strings.Count(body, "<href") != 2 || !strings.Contains(body, "SUMMARY:One") {
		t.Fatalf("initial sync: %d %s", st, body)
	}
	// Changes in the API: one renamed, two deleted; the window makes the next sync see them.
	var one, two int64
	for _, k := range e.apiTasks() {
		if k.Title == "One" {
			one = k.ID
		} else {
			two = k.ID
		}
	}
	e.api.Store.Now = func() time.Time { return time.Now().Add(time.Minute) }
	defer func() { e.api.Store.Now = time.Now }()
	title := "One renamed"
	if _, err := e.api.Store.UpdateTask(ctx, "ann", one, todo.TaskChanges{Title: &title}); err != nil {
		t.Fatal(err)
	}
	if err := e.api.Store.DeleteTask(ctx, "ann", two); err != nil {
		t.Fatal(err)
	}
	c2, tok2 := ctag()
	if c2 == c1 || tok2 == tok1 {
		t.Fatalf("ctag/token unchanged after changes: %q %q", c2, tok2)
	}
	st, _, body = e.do("REPORT", e.list(), syncReport(tok1), xmlH)
	if st != 207 || !strings.Contains(body, "one.ics") || !strings.Contains(body, "SUMMARY:One renamed") ||
		!strings.Contains(body, "two.ics") || !strings.Contains(body, "404 Not Found") || element(body, "sync-token") == "" {
		t.Fatalf("incremental sync: %d %s", st, body)
	}
	if st, _, _ := e.do("REPORT", e.list(), syncReport("bogus"), xmlH); st != 403 {
		t.Fatalf("bad token: %d", st)
	}

	// A read token syncs, and may not write.
	var ro struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	e.api.Do("ann", "POST", "/api/ann/tokens", map[string]any{"name": "viewer", "scope": "read"}).Expect(t, 201).Decode(t, &ro)
	rw := e.secret
	e.secret = ro.Token
	if st, _, _ := e.do("REPORT", e.list(), syncReport(""), xmlH); st != 207 {
		t.Fatalf("read token sync: %d", st)
	}
	if st, _ := e.put("three.ics", vtodo("UID:three", "SUMMARY:Three"), nil); st != 403 {
		t.Fatalf("read token PUT: %d", st)
	}
	if st, _, _ := e.do("DELETE", e.list()+"one.ics", "", nil); st != 403 {
		t.Fatalf("read token DELETE: %d", st)
	}

	// Revoked between two requests of one sync: the next one is refused.
	e.secret = rw
	if st, _, _ := e.do("PROPFIND", e.list(), propfindCTag, xmlH); st != 207 {
		t.Fatalf("before revoking: %d", st)
	}
	e.api.Do("ann", "DELETE", "/api/ann/tokens/"+strconv.FormatInt(e.tokID, 10), nil).Expect(t, 204)
	if st, _, _ := e.do("REPORT", e.list(), syncReport(tok2), xmlH); st != 401 {
		t.Fatalf("after revoking: %d, want 401", st)
	}
}

// The calendar feed: due tasks as events, conditional GET, revocable.
func TestFeed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "ann")
	e.put("due.ics", vtodo("UID:due", "SUMMARY:Dentist", "DUE;TZID=America/New_York:20301210T150000"), nil)
	e.put("undated.ics", vtodo("UID:undated", "SUMMARY:Someday"), nil)
	var f struct {
		ID      int64  `json:"id"`
		FeedURL string `json:"feed_url"`
		Token   string `json:"token"`
	}
	e.api.Do("ann", "POST", "/api/ann/tokens", map[string]any{"name": "Google Calendar", "scope": "feed"}).Expect(t, 201).Decode(t, &f)
	path := "/feeds/" + f.Token + ".ics"
	if !strings.HasSuffix(f.FeedURL, path) {
		t.Fatalf("feed_url %q", f.FeedURL)
	}
	get := func(h map[string]string) (int, http.Header, string) {
		req, _ := http.NewRequest("GET", e.api.URL+path, nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, string(b)
	}
	st, h, body := get(nil)
	cal, err := ical.NewDecoder(strings.NewReader(body)).Decode()
	if st != 200 || err != nil || len(cal.Events()) != 1 || !strings.HasPrefix(h.Get("Content-Type"), "text/calendar") {
		t.Fatalf("feed: %d %v\n%s", st, err, body)
	}
	ev := cal.Events()[0]
	if start, _ := ev.DateTimeStart(nil); prop(ev.Component, ical.PropSummary) != "Dentist" || !start.Equal(time.Date(2030, 12, 10, 15, 0, 0, 0, e.ny)) {
		t.Fatalf("event %+v", ev.Props)
	}
	if st, _, _ := get(map[string]string{"If-None-Match": h.Get("ETag")}); st != 304 {
		t.Fatalf("If-None-Match: %d", st)
	}
	if st, _, _ := get(map[string]string{"If-Modified-Since": h.Get("Last-Modified")}); st != 304 {
		t.Fatalf("If-Modified-Since: %d", st)
	}
	// An API token is not a feed token, and the feed token is not an API token.
	if st, _, _ := e.do("GET", "/feeds/"+e.secret+".ics", "", nil); st != 404 {
		t.Fatalf("API token as feed: %d", st)
	}
	e.api.Do("ann", "DELETE", "/api/ann/tokens/"+strconv.FormatInt(f.ID, 10), nil).Expect(t, 204)
	if st, _, _ := get(nil); st != 404 {
		t.Fatalf("revoked feed: %d", st)
	}
}
