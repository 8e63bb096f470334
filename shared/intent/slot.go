package intent

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/taskline/taskline/shared/todo"
)

// MaxTagLength is the longest tag name read from #name; longer is left in the title.
const MaxTagLength = 50

// tags reads every #name: letters of any script, digits, '_' and '-', 1 to 50 of them,
// with at least one letter ("#3" is a task number, "C#" is not a tag).
func (s *scan) tags() []string {
	var out []string
	seen := map[string]bool{}
	for i := 0; i < len(s.seen); i++ {
		if s.seen[i] != '#' {
			continue
		}
		if i > 0 {
			r, _ := utf8.DecodeLastRune(s.seen[:i])
			if isTagRune(r) || r == '#' || r == '&' || r == '/' {
				continue
			}
		}
		j, n, letter := i+1, 0, false
		for j < len(s.seen) {
			r, size := utf8.DecodeRune(s.seen[j:])
			if !isTagRune(r) {
				break
			}
			letter = letter || unicode.IsLetter(r)
			j += size
			n++
		}
		if n == 0 || n > MaxTagLength || !letter {
			continue
		}
		name := string(s.seen[i+1 : j])
		if k := strings.ToLower(name); !seen[k] {
			seen[k] = true
			out = append(out, name)
		}
		s.consume(i, j, SpanTag)
		i = j - 1
	}
	return out
}

func isTagRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || r == '_' || r == '-'
}

// priorityRe reads p1/p2/p3, !high, "urgent", "high priority", "priority: low"...
var priorityRe = pat(`(?:^|[\s,;(])(`+
	`(p[1-3])|`+
	`!(high|hi|medium|med|normal|low|urgent|[1-3])|`+
	`(urgent)|`+
	`(high|medium|med|normal|low)[\s-]*(?:priority|prio|pri)|`+
	`(?:priority|prio)\s*(?:[:=]\s*|is\s+|of\s+|to\s+)?(high|medium|med|normal|low|urgent|[1-3])`+
	`)(?:$|[\s,;:.!?)])`, "p1", "p2", "p3", "!", "urgent", "prio", "pri")

func priorityOf(word string) todo.Priority {
	switch strings.ToLower(word) {
	case "p1", "1", "high", "hi", "urgent":
		return todo.High
	case "p2", "2", "medium", "med", "normal":
		return todo.Medium
	}
	return todo.Low
}

// priority reads the first priority mentioned.
func (s *scan) priority() *todo.Priority {
	m := s.find(priorityRe)
	if m == nil {
		return nil
	}
	var word string
	for g := 2; g <= 6; g++ {
		if m[2*g] >= 0 {
			word = s.src[m[2*g]:m[2*g+1]]
			break
		}
	}
	s.consume(m[2], m[3], SpanPriority)
	p := priorityOf(word)
	return &p
}

// offsetRe reads a reminder offset: "remind me 30 minutes before", "1 hour before",
// "a day ahead", "with a reminder 2 hours before it is due".
var offsetRe = pat(`(?:^|\W)((?:(?:and\s+|with\s+)?(?:a\s+)?(?:remind(?:er)?|alert|notify|ping|nudge)(?:\s+me)?\s+)?`+
	`(`+numberPattern+`|half\s+an?)\s*(minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w)\s+`+
	`(?:before(?:hand)?|early|earlier|ahead|prior|in\s+advance)`+
	`(?:\s+(?:it(?:'s|’s|\s+is)\s+due|the\s+due\s+(?:date|time)|due|that|it|then))?)(?:$|[\s,;.!?])`,
	"before", "early", "ahead", "prior", "advance")

// offset reads the first reminder offset.
func (s *scan) offset() (time.Duration, bool) {
	m := s.find(offsetRe)
	if m == nil {
		return 0, false
	}
	num, unit := strings.ToLower(s.src[m[4]:m[5]]), strings.ToLower(s.src[m[6]:m[7]])
	var per time.Duration
	switch {
	case strings.HasPrefix(unit, "m"):
		per = time.Minute
	case strings.HasPrefix(unit, "h"):
		per = time.Hour
	case strings.HasPrefix(unit, "d"):
		per = 24 * time.Hour
	default:
		per = 7 * 24 * time.Hour
	}
	var d time.Duration
	if strings.HasPrefix(num, "half") {
		d = per / 2
	} else {
		n, ok := number(num)
		if !ok || n == 0 {
			return 0, false
		}
		d = time.Duration(n) * per
	}
	if d > todo.MaxBeforeDue {
		return 0, false
	}
	s.consume(m[2], m[3], SpanReminder)
	return d, true
}

// remindAtRe introduces a reminder instant: "remind me at 5pm", "remind me tomorrow at 9".
var remindAtRe = pat(`(?:^|\W)((?:(?:and\s+|with\s+)?(?:a\s+)?(?:remind(?:er)?|alert|notify|ping|nudge)(?:\s+me)?)(?:\s+(?:at|on|by))?\s+)`,
	"remind", "alert", "notify", "ping", "nudge")

// remindAt reads "remind me at <time>": the date phrase must follow directly.
func (s *scan) remindAt() (dateHit, bool) {
	text := s.seen
	for off := 0; off < len(text); {
		m := s.findFrom(remindAtRe, off)
		if m == nil {
			return dateHit{}, false
		}
		start, end := off+m[2], off+m[3]
		if h, ok := s.findDate(end, len(text), dateOpts{}); ok && h.start == end {
			s.consume(start, h.end, SpanReminder)
			return h, true
		}
		off = end
	}
	return dateHit{}, false
}

// reminderTime resolves a reminder's date phrase. A day without a time means 09:00 that
// day; a time without a day is on the due date's day when there is one ("dentist friday
// 3pm, remind me at 2pm" is Friday 2pm), else its next occurrence.
func (s *scan) reminderTime(h dateHit, due *time.Time) time.Time {
	if h.exact != nil {
		return *h.exact
	}
	if !h.hasClock {
		h.hasClock = true
		h.ctx.Hour, h.ctx.Minute = intp(9), intp(0)
	}
	if !h.hasDay && due != nil {
		y, m, d := due.In(s.loc).Date()
		mm := 0
		if h.ctx.Minute != nil {
			mm = *h.ctx.Minute
		}
		return wallTime(y, m, d, *h.ctx.Hour, mm, s.loc)
	}
	return s.resolve(h)
}

var weekdayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

const weekdayPattern = `(?:sun|mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?)(?:day)?`

// The recurrence phrases. Only what todo.Recurrence can hold is read: daily, weekly,
// monthly (optionally on a weekday or a day of the month).
var (
	dailyRe    = pat(`(?:^|\W)(every\s*day|every\s+single\s+day|each\s+day|daily|every\s+(?:morning|afternoon|evening|night))(?:$|\W)`, "day", "daily", "every")
	weekdayRe  = pat(`(?:^|\W)((?:(?:every|each)\s+(?:week\s+on\s+)?|(?:weekly|every\s+week)\s+on\s+|on\s+)?(`+weekdayPattern+`)(s?))(?:$|\W)`, "sun", "mon", "tue", "wed", "thu", "fri", "sat")
	weeklyRe   = pat(`(?:^|\W)(every\s+week|each\s+week|weekly|once\s+a\s+week)(?:$|\W)`, "week")
	monthDayRe = pat(`(?:^|\W)(`+
		`(?:(?:every|each)\s+month|monthly)\s+on\s+(?:the\s+)?(\d{1,2}(?:st|nd|rd|th)?|last(?:\s+day)?)(?:\s+day)?`+
		`|(?:on\s+)?(?:the\s+)?(\d{1,2}(?:st|nd|rd|th)?|last\s+day)\s+(?:day\s+)?of\s+(?:every|each|the)\s+month`+
		`|every\s+(\d{1,2}(?:st|nd|rd|th))`+
		`)(?:$|\W)`, "month", "every")
	monthlyRe = pat(`(?:^|\W)(every\s+month|each\s+month|monthly|once\s+a\s+month)(?:$|\W)`, "month")
	// unsupportedRe finds repetitions the task model cannot hold, to ask instead of guess.
	unsupportedRe = pat(`(?:^|\W)(every\s+(?:other|second|\d+|two|three|four)\s+\w+|every\s+(?:year|weekday|weekend)|yearly|annually|biweekly|fortnightly|every\s+fortnight|twice\s+a\s+\w+)(?:$|\W)`, "every", "yearly", "annual", "biweekly", "fortnight", "twice")
	untilRe       = pat(`(?:^|\W)((?:until|till|til|through|thru|ending(?:\s+on)?|ends?(?:\s+on)?|up\s+to)\s+)`, "until", "till", "til", "thru", "through", "end", "up to")
)

// timeOfDay are the words after "every" that the date reader turns into a time.
var timeOfDay = wordSet("morning", "afternoon", "evening")

// recurrence is a repetition read from the text.
type recurrence struct {
	every    todo.Recurrence
	weekday  *time.Weekday
	monthDay int // 1..31; 31 also stands for "the last day"
}

// recurrence reads the first repetition; weekday phrases need "every", "each" or a plural
// ("on mondays"), so "on monday" stays a one-off date.
func (s *scan) recurrence() *recurrence {
	if m := s.find(monthDayRe); m != nil {
		var day string
		for g := 2; g <= 4; g++ {
			if m[2*g] >= 0 {
				day = strings.ToLower(s.src[m[2*g]:m[2*g+1]])
				break
			}
		}
		d := 31
		if !strings.HasPrefix(day, "last") {
			d, _ = number(strings.TrimRight(day, "stndrh"))
		}
		if d >= 1 && d <= 31 {
			s.consume(m[2], m[3], SpanRecurrence)
			return &recurrence{every: todo.Monthly, monthDay: d}
		}
	}
	for _, m := range s.findAll(weekdayRe) {
		lead := strings.ToLower(strings.TrimSpace(s.src[m[2]:m[4]]))
		plural := m[7] > m[6]
		if lead == "" || lead == "on" {
			if !plural {
				continue
			}
		}
		name := strings.ToLower(s.src[m[4] : m[4]+3])
		wd := weekdayNames[name]
		s.consume(m[2], m[3], SpanRecurrence)
		return &recurrence{every: todo.Weekly, weekday: &wd}
	}
	for _, c := range []struct {
		re    pattern
		every todo.Recurrence
	}{{dailyRe, todo.Daily}, {weeklyRe, todo.Weekly}, {monthlyRe, todo.Monthly}} {
		if m := s.find(c.re); m != nil {
			end := m[3]
			// "every morning": the time of day stays for the date reader.
			if f := strings.Fields(strings.ToLower(s.src[m[2]:m[3]])); len(f) == 2 && timeOfDay[f[1]] {
				end = m[2] + len(f[0])
			}
			s.consume(m[2], end, SpanRecurrence)
			return &recurrence{every: c.every}
		}
	}
	return nil
}

// until reads the end of a repetition: "until march" (through the end of March's last
// day), "until dec 31" (through the end of that day), in the user's zone.
func (s *scan) until() *time.Time {
	for off := 0; off < len(s.seen); {
		m := s.findFrom(untilRe, off)
		if m == nil {
			return nil
		}
		start, end := off+m[2], off+m[3]
		if h, ok := s.findDate(end, len(s.seen), dateOpts{monthOnly: true}); ok && h.start == end {
			y, mo, d := s.day(h)
			if h.exact != nil {
				y, mo, d = h.exact.In(s.loc).Date()
			}
			if h.monthOnly {
				d = daysIn(y, mo)
			}
			t := endOfDay(y, mo, d, s.loc)
			s.consume(start, h.end, SpanRecurrenceEnd)
			return &t
		}
		off = end
	}
	return nil
}

// endOfDay is the last instant of a calendar day in loc, the same instant
// todo.EndDate{IsDay: true}.In(loc) gives (so "until dec 31" includes that evening).
func endOfDay(y int, m time.Month, d int, loc *time.Location) time.Time {
	return wallTime(y, m, d+1, 0, 0, loc).Add(-time.Microsecond)
}

// firstDue is the first due instant of a series read without an explicit start: the next
// weekday or day of the month (today included while its time has not passed), at the time
// named or the end of the day. A day of the month beyond a month's end is the month's last
// day, as recur.Next clamps it.
func (s *scan) firstDue(r *recurrence, clock *dateHit) time.Time {
	hh, mm := endOfDayHour, endOfDayMinute
	if clock != nil && clock.hasClock && clock.ctx.Hour != nil {
		hh, mm = *clock.ctx.Hour, 0
		if clock.ctx.Minute != nil {
			mm = *clock.ctx.Minute
		}
	}
	y, m, d := s.now.Date()
	at := func(y int, m time.Month, d int) time.Time { return wallTime(y, m, d, hh, mm, s.loc) }
	switch {
	case r.weekday != nil:
		d += (int(*r.weekday) - int(s.now.Weekday()) + 7) % 7
		if t := at(y, m, d); t.After(s.now) {
			return t
		}
		return at(y, m, d+7)
	case r.monthDay > 0:
		for k := 0; ; k++ {
			fy, fm, _ := time.Date(y, m+time.Month(k), 1, 0, 0, 0, 0, time.UTC).Date()
			if t := at(fy, fm, min(r.monthDay, daysIn(fy, fm))); t.After(s.now) {
				return t
			}
		}
	}
	t := at(y, m, d)
	if t.After(s.now) {
		return t
	}
	switch r.every {
	case todo.Daily:
		return at(y, m, d+1)
	case todo.Weekly:
		return at(y, m, d+7)
	}
	fy, fm, _ := time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC).Date()
	return at(fy, fm, min(d, daysIn(fy, fm)))
}
