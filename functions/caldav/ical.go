package caldav

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"

	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/todo"
)

// prodID names Taskline in the objects it writes.
const prodID = "-//Taskline//CalDAV//EN"

// endOfDay: a DUE given as a date (no time) is due at the end of that day in the user's
// zone (23:59:59 wall clock, on DST days too), so it turns overdue the next day, as the
// client showed it.
func endOfDay(d time.Time, loc *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, loc)
}

// uidOf is the UID of a task made outside CalDAV.
func uidOf(o postgres.CalDAVObject) string {
	if o.UID != "" {
		return o.UID
	}
	return "taskline-task-" + strconv.FormatInt(o.Task.ID, 10)
}

// render is the task as an iCalendar object (VTODO) in the user's zone loc. The client's
// last text, when there is one, is the base: what Taskline models is written over it, and
// everything else it held (X- properties, GEO, URL, ...) is kept.
func render(o postgres.CalDAVObject, loc *time.Location) *ical.Calendar {
	cal := ical.NewCalendar()
	var todoComp *ical.Component
	if o.Raw != "" {
		if c, err := ical.NewDecoder(strings.NewReader(o.Raw)).Decode(); err == nil {
			cal = c
			for _, child := range c.Children {
				if child.Name == ical.CompToDo {
					todoComp = child
					break
				}
			}
		}
	}
	if todoComp == nil {
		todoComp = ical.NewComponent(ical.CompToDo)
		cal.Children = append(cal.Children, todoComp)
	}
	cal.Props.SetText(ical.PropVersion, "2.0")
	if cal.Props.Get(ical.PropProductID) == nil {
		cal.Props.SetText(ical.PropProductID, prodID)
	}
	// Drop the zones Taskline writes again below.
	cal.Children = slices.DeleteFunc(cal.Children, func(c *ical.Component) bool { return c.Name == ical.CompTimezone })

	t := o.Task
	p := todoComp.Props
	p.SetText(ical.PropUID, uidOf(o))
	p.SetDateTime(ical.PropDateTimeStamp, t.UpdatedAt.UTC())
	p.SetDateTime(ical.PropCreated, t.CreatedAt.UTC())
	p.SetDateTime(ical.PropLastModified, t.UpdatedAt.UTC())
	p.SetText(ical.PropSummary, t.Title)
	if t.Description != "" {
		p.SetText(ical.PropDescription, t.Description)
	} else {
		p.Del(ical.PropDescription)
	}

	dateOnly := false
	if t.DueDate == nil {
		p.Del(ical.PropDue)
	} else if raw := p.Get(ical.PropDue); raw != nil && sameDue(raw, *t.DueDate, loc) {
		dateOnly = raw.ValueType() == ical.ValueDate || len(raw.Value) == len("20060102")
		// the client's own form (a date, its TZID) stays
	} else {
		due := ical.NewProp(ical.PropDue)
		due.SetDateTime(t.DueDate.In(loc))
		p.Set(due)
	}
	if due := p.Get(ical.PropDue); due != nil && due.Params.Get(ical.PropTimezoneID) != "" {
		if z, err := time.LoadLocation(due.Params.Get(ical.PropTimezoneID)); err == nil {
			cal.Children = append([]*ical.Component{timezone(z, *t.DueDate)}, cal.Children...)
		}
	}

	if raw := p.Get(ical.PropPriority); raw == nil || priorityOf(raw) != t.Priority {
		pr := ical.NewProp(ical.PropPriority)
		pr.Value = strconv.Itoa(map[todo.Priority]int{todo.High: 1, todo.Medium: 5, todo.Low: 9}[t.Priority])
		p.Set(pr)
	}

	if t.Completed {
		p.SetText(ical.PropStatus, "COMPLETED")
		if t.CompletedAt != nil {
			p.SetDateTime(ical.PropCompleted, t.CompletedAt.UTC())
		}
		p.Set(&ical.Prop{Name: ical.PropPercentComplete, Params: ical.Params{}, Value: "100"})
	} else {
		if s, _ := p.Text(ical.PropStatus); s == "" || s == "COMPLETED" || s == "CANCELLED" {
			p.SetText(ical.PropStatus, "NEEDS-ACTION")
		}
		p.Del(ical.PropCompleted)
		if pc := p.Get(ical.PropPercentComplete); pc != nil && pc.Value == "100" {
			p.Del(ical.PropPercentComplete)
		}
	}

	cats := t.TagNames()
	for _, c := range categoriesOf(p) {
		if !validTag(c) {
			cats = append(cats, c) // not a tag Taskline could keep: shown as it came
		}
	}
	p.Del(ical.PropCategories)
	if len(cats) > 0 {
		c := ical.NewProp(ical.PropCategories)
		c.SetTextList(cats)
		p.Set(c)
	}

	if t.RecurrencePattern != nil {
		r := &rrule.ROption{Freq: map[todo.Recurrence]rrule.Frequency{todo.Daily: rrule.DAILY, todo.Weekly: rrule.WEEKLY, todo.Monthly: rrule.MONTHLY}[*t.RecurrencePattern]}
		if *t.RecurrencePattern == todo.Monthly && t.RecurrenceDay != nil {
			r.Bymonthday = []int{*t.RecurrenceDay}
		}
		value := r.RRuleString()
		if t.RecurrenceEndDate != nil {
			if dateOnly {
				value += ";UNTIL=" + t.RecurrenceEndDate.In(loc).Format("20060102")
			} else {
				value += ";UNTIL=" + t.RecurrenceEndDate.UTC().Format("20060102T150405Z")
			}
		}
		p.Set(&ical.Prop{Name: ical.PropRecurrenceRule, Params: ical.Params{}, Value: value})
	} else if raw := p.Get(ical.PropRecurrenceRule); raw != nil {
		if _, ok := recurrenceOf(raw); ok {
			p.Del(ical.PropRecurrenceRule) // a series Taskline models, since ended
		}
		// any other rule is the client's, kept as it was (read-only in Taskline)
	}

	todoComp.Children = slices.DeleteFunc(todoComp.Children, func(c *ical.Component) bool { return c.Name == ical.CompAlarm })
	for _, rm := range o.Reminders {
		a := ical.NewComponent(ical.CompAlarm)
		a.Props.SetText(ical.PropAction, "DISPLAY")
		a.Props.SetText(ical.PropDescription, t.Title)
		trig := ical.NewProp(ical.PropTrigger)
		if rm.BeforeDue != nil {
			trig.SetDuration(-*rm.BeforeDue)
			trig.Params.Set(ical.ParamRelated, "END")
		} else {
			trig.SetDateTime(rm.RemindAt.UTC())
		}
		a.Props.Set(trig)
		todoComp.Children = append(todoComp.Children, a)
	}
	return cal
}

// encode writes cal and returns its text and its ETag (a hash of the text: it changes
// exactly when what a client would read changes).
func encode(cal *ical.Calendar) ([]byte, string, error) {
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, "", err
	}
	h := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), hex.EncodeToString(h[:12]), nil
}

// sameDue reports whether the client's DUE names the task's due time.
func sameDue(p *ical.Prop, due time.Time, loc *time.Location) bool {
	at, err := dueOf(p, loc)
	return err == nil && at.Equal(due)
}

// dueOf reads a DUE: a date-time (UTC, with a TZID, or floating: the user's zone), or a
// date (the end of that day in the user's zone).
func dueOf(p *ical.Prop, loc *time.Location) (time.Time, error) {
	at, err := p.DateTime(loc)
	if err != nil {
		return at, err
	}
	if p.ValueType() == ical.ValueDate || len(p.Value) == len("20060102") {
		at = endOfDay(at, loc)
	}
	return at.UTC().Round(time.Microsecond), nil
}

// priorityOf reads PRIORITY as RFC 5545 does: 1-4 high, 5 medium, 6-9 low, 0 undefined.
func priorityOf(p *ical.Prop) todo.Priority {
	n, err := strconv.Atoi(strings.TrimSpace(p.Value))
	switch {
	case err != nil || n <= 0 || n > 9 || n == 5:
		return todo.Medium
	case n < 5:
		return todo.High
	}
	return todo.Low
}

func categoriesOf(p ical.Props) []string {
	var out []string
	for _, c := range p.Values(ical.PropCategories) {
		l, err := c.TextList()
		if err != nil {
			continue
		}
		for _, n := range l {
			if n = strings.TrimSpace(n); n != "" && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

func validTag(n string) bool { return todo.ValidateTagName(todo.NormalizeTagName(n), "tags") == nil }

// series is a recurrence Taskline models.
type series struct {
	pattern todo.Recurrence
	day     int // BYMONTHDAY of a monthly series, 0 when none
	until   *time.Time
	dateEnd bool // UNTIL was a date
}

// recurrenceOf maps an RRULE to a Taskline series: FREQ=DAILY, WEEKLY or MONTHLY, every
// time (no INTERVAL above 1, no COUNT), with at most an UNTIL and, for MONTHLY, one
// BYMONTHDAY. Anything else is not a series Taskline can run.
func recurrenceOf(p *ical.Prop) (series, bool) {
	var s series
	o, err := rrule.StrToROption(p.Value)
	if err != nil || o.Interval > 1 || o.Count > 0 || len(o.Bysetpos) > 0 || len(o.Byyearday) > 0 || len(o.Byweekno) > 0 ||
		len(o.Bymonth) > 0 || len(o.Byhour) > 0 || len(o.Byminute) > 0 || len(o.Bysecond) > 0 || len(o.Byweekday) > 0 || len(o.Byeaster) > 0 {
		return s, false
	}
	switch o.Freq {
	case rrule.DAILY:
		s.pattern = todo.Daily
	case rrule.WEEKLY:
		s.pattern = todo.Weekly
	case rrule.MONTHLY:
		s.pattern = todo.Monthly
	default:
		return s, false
	}
	if len(o.Bymonthday) > 0 {
		if s.pattern != todo.Monthly || len(o.Bymonthday) > 1 || o.Bymonthday[0] < 1 {
			return s, false
		}
		s.day = o.Bymonthday[0]
	}
	if !o.Until.IsZero() {
		u := o.Until
		s.until = &u
		s.dateEnd = strings.Contains(strings.ToUpper(p.Value), "UNTIL=") && !strings.Contains(strings.ToUpper(p.Value), "T")
	}
	return s, true
}

// parsed is what a client's VTODO says, in Taskline's terms.
type parsed struct {
	uid       string
	changes   todo.TaskChanges
	completed bool
	reminders []postgres.CalDAVReminder
}

// parse reads the client's object: one VTODO (events and journals are refused).
func parse(cal *ical.Calendar, loc *time.Location, now time.Time) (parsed, error) {
	var out parsed
	var vtodo *ical.Component
	for _, c := range cal.Children {
		switch c.Name {
		case ical.CompToDo:
			if vtodo != nil {
				return out, todo.Errorf(todo.Unprocessable, "VTODO", "one task per object; recurrence overrides (RECURRENCE-ID) are not supported")
			}
			vtodo = c
		case ical.CompEvent, ical.CompJournal:
			return out, todo.Errorf(todo.Unprocessable, c.Name, "this calendar holds tasks (VTODO) only")
		}
	}
	if vtodo == nil {
		return out, todo.Errorf(todo.Unprocessable, "VTODO", "the object has no VTODO")
	}
	p := vtodo.Props
	out.uid, _ = p.Text(ical.PropUID)
	if out.uid == "" {
		return out, todo.Errorf(todo.Invalid, "UID", "the VTODO has no UID")
	}
	var in todo.TaskInput
	summary, _ := p.Text(ical.PropSummary)
	if strings.TrimSpace(summary) == "" {
		summary = "(untitled)"
	}
	in.Title = todo.Some(summary)
	desc, _ := p.Text(ical.PropDescription)
	in.Description = todo.Some(desc)
	c, err := in.Changes(true)
	if err != nil {
		return out, err
	}
	c.DueDate = todo.Null[time.Time]()
	if due := p.Get(ical.PropDue); due != nil {
		at, err := dueOf(due, loc)
		if err != nil {
			return out, todo.Errorf(todo.Invalid, "DUE", "DUE could not be read: %v", err)
		}
		c.DueDate = todo.Some(at)
	}
	prio := todo.Medium
	if pr := p.Get(ical.PropPriority); pr != nil {
		prio = priorityOf(pr)
	}
	c.Priority = &prio

	status, _ := p.Text(ical.PropStatus)
	out.completed = strings.EqualFold(status, "COMPLETED") || p.Get(ical.PropCompleted) != nil && !strings.EqualFold(status, "NEEDS-ACTION") && !strings.EqualFold(status, "IN-PROCESS")
	if pc := p.Get(ical.PropPercentComplete); pc != nil && strings.TrimSpace(pc.Value) == "100" && status == "" {
		out.completed = true
	}

	c.TagsSet = true
	c.TagNames = nil
	for _, n := range categoriesOf(p) {
		if validTag(n) && len(c.TagNames) < todo.MaxTagsPerTask {
			c.TagNames = append(c.TagNames, todo.NormalizeTagName(n))
		}
	}

	c.Recurrence, c.RecurrenceEnd, c.RecurrenceDay = todo.Null[todo.Recurrence](), todo.Null[todo.EndDate](), todo.Null[int]()
	if rr := p.Get(ical.PropRecurrenceRule); rr != nil {
		if s, ok := recurrenceOf(rr); ok {
			c.Recurrence = todo.Some(s.pattern)
			if s.day > 0 {
				c.RecurrenceDay = todo.Some(s.day)
			}
			if s.until != nil {
				if s.dateEnd {
					c.RecurrenceEnd = todo.Some(todo.EndDate{At: endOfDay(*s.until, loc)})
				} else {
					c.RecurrenceEnd = todo.Some(todo.EndDate{At: s.until.UTC()})
				}
			}
		}
	}
	out.changes = c

	var due *time.Time
	if c.DueDate.Set && !c.DueDate.Null {
		due = &c.DueDate.Value
	}
	for _, a := range vtodo.Children {
		if a.Name != ical.CompAlarm {
			continue
		}
		trig := a.Props.Get(ical.PropTrigger)
		if trig == nil {
			continue
		}
		var rm postgres.CalDAVReminder
		if trig.ValueType() == ical.ValueDateTime || strings.EqualFold(trig.Params.Get(ical.ParamValue), "DATE-TIME") {
			at, err := trig.DateTime(loc)
			if err != nil {
				return out, todo.Errorf(todo.Invalid, "TRIGGER", "TRIGGER could not be read: %v", err)
			}
			rm.RemindAt = at.UTC()
		} else {
			trig.SetValueType(ical.ValueDuration)
			d, err := trig.Duration()
			if err != nil {
				return out, todo.Errorf(todo.Invalid, "TRIGGER", "TRIGGER could not be read: %v", err)
			}
			if due == nil {
				continue // relative to a due date the task does not have
			}
			if d <= 0 {
				before := -d
				rm.BeforeDue = &before
				rm.RemindAt = due.Add(d)
			} else {
				rm.RemindAt = due.Add(d) // after the due date: an instant
			}
		}
		if rm.RemindAt.After(now) {
			out.reminders = append(out.reminders, rm)
		}
	}
	return out, nil
}

// timezone is a VTIMEZONE for loc around at: its offset changes in that year and the next
// (enough for a client to place the due date and the series' next instances), found with
// the zone database Go already has.
func timezone(loc *time.Location, at time.Time) *ical.Component {
	tz := ical.NewComponent(ical.CompTimezone)
	tz.Props.SetText(ical.PropTimezoneID, loc.String())
	y := at.In(loc).Year()
	t := time.Date(y, 1, 1, 0, 0, 0, 0, loc)
	end := time.Date(y+2, 1, 1, 0, 0, 0, 0, loc)
	n := 0
	for t.Before(end) {
		_, next := t.ZoneBounds()
		if next.IsZero() || !next.Before(end) {
			break
		}
		_, fromOff := next.Add(-time.Second).Zone()
		name, toOff := next.Zone()
		kind := ical.CompTimezoneStandard
		if next.IsDST() {
			kind = ical.CompTimezoneDaylight
		}
		c := ical.NewComponent(kind)
		c.Props.SetText(ical.PropTimezoneName, name)
		c.Props.Set(&ical.Prop{Name: ical.PropDateTimeStart, Params: ical.Params{}, Value: next.In(time.FixedZone("", fromOff)).Format("20060102T150405")})
		c.Props.Set(&ical.Prop{Name: ical.PropTimezoneOffsetFrom, Params: ical.Params{}, Value: offset(fromOff)})
		c.Props.Set(&ical.Prop{Name: ical.PropTimezoneOffsetTo, Params: ical.Params{}, Value: offset(toOff)})
		tz.Children = append(tz.Children, c)
		t = next
		n++
	}
	if n == 0 {
		name, off := at.In(loc).Zone()
		c := ical.NewComponent(ical.CompTimezoneStandard)
		c.Props.SetText(ical.PropTimezoneName, name)
		c.Props.Set(&ical.Prop{Name: ical.PropDateTimeStart, Params: ical.Params{}, Value: "19700101T000000"})
		c.Props.Set(&ical.Prop{Name: ical.PropTimezoneOffsetFrom, Params: ical.Params{}, Value: offset(off)})
		c.Props.Set(&ical.Prop{Name: ical.PropTimezoneOffsetTo, Params: ical.Params{}, Value: offset(off)})
		tz.Children = append(tz.Children, c)
	}
	return tz
}

func offset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	return fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec%3600/60)
}
