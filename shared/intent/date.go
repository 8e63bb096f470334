package intent

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/olebedev/when/rules"
	"github.com/olebedev/when/rules/common"
	"github.com/olebedev/when/rules/en"
)

// dateRule is one rule of the date grammar: olebedev/when's English rules, in the order
// their appliers run (a later rule overrides an earlier one's fields), plus the rules
// written here for what the library does not read. ok rejects a match that is a known
// false positive of the library (then the next occurrence is tried).
type dateRule struct {
	rule rules.Rule
	ok   func(m *rules.Match, text string, o dateOpts) bool
	// exclusive rules are found first; other rules never match inside their matches
	// (an ISO date's "12-24" is not a time).
	exclusive bool
	// kind names the rules compose needs to tell apart.
	kind ruleKind
	// keys are words the rule cannot match without (see pattern).
	keys [][]byte
	// apply, when set, replaces the library rule's own applier.
	apply func(m *rules.Match, c *rules.Context, ref time.Time) bool
}

type ruleKind uint8

const (
	ruleOther ruleKind = iota
	ruleMonthDate
	ruleYear
	ruleToday // names the current day without setting a field ("today", "eod")
)

// dateOpts says what a caller accepts.
type dateOpts struct {
	monthOnly bool // a month alone ("until march") is a date
}

var whenOpts = &rules.Options{Distance: 5, MatchByOrder: true}

// The library's rules are built once, on the first parse (each holds a compiled regular
// expression, and building them all took milliseconds of every start of a function that
// links the parser, such as create-task, whether or not it ever parses text).
var dateRules = sync.OnceValue(func() []dateRule {
	return []dateRule{
		{rule: isoRule(), exclusive: true, keys: keys("-")},
		{rule: en.Weekday(rules.Override), ok: weekdayOK, keys: keys("sun", "mon", "tue", "wed", "thu", "fri", "sat")},
		{rule: en.CasualDate(rules.Override), ok: casualDateOK, kind: ruleToday, keys: keys("today", "tonight", "night", "tomorrow", "tmr", "yesterday")},
		{rule: en.CasualTime(rules.Override), keys: keys("morning", "afternoon", "evening", "noon")},
		{rule: en.Hour(rules.Override), ok: hourOK, keys: keys("am", "pm", "a.", "p.")},
		{rule: en.HourMinute(rules.Override), ok: hourMinuteOK, keys: keys(":", "-", "：")},
		{rule: atHourRule(), ok: atHourOK, keys: keys("at", "@")},
		{rule: en.Deadline(rules.Override), keys: keys("in")},
		{rule: en.PastTime(rules.Override), keys: keys("ago")},
		{rule: en.ExactMonthDate(rules.Override), ok: monthDateOK, kind: ruleMonthDate,
			keys: keys("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")},
		{rule: common.SlashDMY(rules.Override), ok: slashOK, apply: slashApply, keys: keys("/", "\\")},
		{rule: theOrdinalRule(), keys: keys("the")},
		{rule: inMonthsRule(), keys: keys("month", "year")},
		{rule: periodRule(), keys: keys("week", "month", "year")},
		{rule: endOfRule(), kind: ruleToday, keys: keys("end", "eod", "eow", "eom", "eoy")},
		{rule: yearRule(), kind: ruleYear, keys: keys("19", "20")},
	}
})

// dateHit is a date phrase found in the text, not yet resolved to an instant.
type dateHit struct {
	start, end int
	ctx        rules.Context
	hasDay     bool // names a calendar day
	hasClock   bool // names a time of day
	exact      *time.Time
	monthOnly  bool // a month alone
}

type ruleMatch struct {
	m    *rules.Match
	rule int
}

// findDate finds the first date phrase in seen[from:to]. A phrase is a cluster of library
// matches separated by at most a connecting word ("dec 24 at 5pm").
func (s *scan) findDate(from, to int, o dateOpts) (dateHit, bool) {
	if from >= to {
		return dateHit{}, false
	}
	scratch := []byte(string(s.seen[from:to]))
	lower := s.lower[from:to]
	var ms []ruleMatch
	for i, r := range dateRules() {
		if !r.exclusive || !possible(r.keys, lower) {
			continue
		}
		for _, m := range findAll(r, string(scratch), o) {
			ms = append(ms, ruleMatch{m, i})
			for k := m.Left; k < m.Right; k++ {
				scratch[k] = ' '
			}
		}
	}
	text := string(scratch)
	for i, r := range dateRules() {
		if r.exclusive || !possible(r.keys, lower) {
			continue
		}
		if m := findOne(r, text, o); m != nil {
			ms = append(ms, ruleMatch{m, i})
		}
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].m.Left < ms[j].m.Left })
	for len(ms) > 0 {
		n, end := cluster(ms, text)
		if h, ok := s.compose(ms[:n], from, end); ok {
			return h, true
		}
		ms = ms[n:]
	}
	return dateHit{}, false
}

// findOne is the first acceptable match of r in text.
func findOne(r dateRule, text string, o dateOpts) *rules.Match {
	off := 0
	for range 8 {
		if off >= len(text) {
			return nil
		}
		m := r.rule.Find(text[off:])
		if m == nil {
			return nil
		}
		m.Left += off
		m.Right += off
		if r.ok == nil || r.ok(m, text, o) {
			return m
		}
		off = max(m.Right, off+1)
	}
	return nil
}

func findAll(r dateRule, text string, o dateOpts) []*rules.Match {
	var out []*rules.Match
	off := 0
	for range 8 {
		m := findOne(r, text[off:], o)
		if m == nil {
			break
		}
		m.Left += off
		m.Right += off
		out = append(out, m)
		off = m.Right
	}
	return out
}

// connectors may stand between two parts of one date phrase.
var connectors = wordSet("", "at", "on", "by", "@", "the", "of", "and", "-")

// cluster returns how many of the sorted matches form the first phrase, and where it ends.
func cluster(ms []ruleMatch, text string) (int, int) {
	end := ms[0].m.Right
	n := 1
	for ; n < len(ms); n++ {
		m := ms[n].m
		if m.Left > end {
			gap := strings.ToLower(strings.Trim(text[end:m.Left], " \t\n,"))
			if m.Left-end > whenOpts.Distance+3 || !connectors[gap] {
				break
			}
		}
		end = max(end, m.Right)
	}
	return n, end
}

// compose applies a cluster's matches in rule order, the way when.Parser does, but keeps
// the fields they set so the caller can resolve them in the user's zone: calendar days
// rather than 24-hour steps (DST), the end of the day when no time is named, and rolling
// into the future.
func (s *scan) compose(ms []ruleMatch, from, end int) (dateHit, bool) {
	h := dateHit{start: from + ms[0].m.Left, end: from + end}
	byOrder := append([]ruleMatch(nil), ms...)
	sort.SliceStable(byOrder, func(i, j int) bool { return byOrder[i].rule < byOrder[j].rule })
	onlyYear := true
	applied := false
	for _, rm := range byOrder {
		r := dateRules()[rm.rule]
		if r.kind != ruleYear {
			onlyYear = false
		}
		if r.kind == ruleToday {
			h.hasDay = true
		}
		if r.kind == ruleMonthDate && len(ms) == 1 && monthAlone(rm.m) {
			h.monthOnly = true
		}
		if r.apply != nil {
			applied = r.apply(rm.m, &h.ctx, s.now) || applied
			continue
		}
		ok, err := rm.m.Apply(&h.ctx, whenOpts, s.now)
		applied = applied || (ok && err == nil)
	}
	if !applied || onlyYear {
		return h, false
	}
	c := &h.ctx
	if c.Duration != 0 {
		txt := strings.ToLower(s.src[h.start:h.end])
		if c.Duration%(24*time.Hour) != 0 || subDayRe.MatchString(txt) {
			t := s.now.Add(c.Duration)
			h.exact = &t
			h.hasDay, h.hasClock = true, true
			return h, true
		}
		h.hasDay = true
	}
	if c.Year != nil || c.Month != nil || c.Day != nil {
		h.hasDay = true
	}
	h.hasClock = c.Hour != nil || c.Minute != nil
	if !h.hasDay && !h.hasClock {
		return h, false
	}
	// Reject days that do not exist ("feb 30") rather than let time.Date move them.
	if c.Day != nil {
		y, m := s.now.Year(), s.now.Month()
		if c.Year != nil {
			y = *c.Year
		}
		if c.Month != nil {
			m = time.Month(*c.Month)
		}
		if *c.Day < 1 || *c.Day > 31 || (c.Month != nil && *c.Day > daysIn(y, m)) {
			return h, false
		}
	}
	// Spaces some library rules include at either end are not part of the phrase (nor is
	// what was already read, which seen shows as spaces).
	for h.start < h.end && s.seen[h.start] == ' ' {
		h.start++
	}
	for h.end > h.start && s.seen[h.end-1] == ' ' {
		h.end--
	}
	return h, true
}

var subDayRe = lazy(`sec|min|hour|hr`)

// endOfDay is the clock a date without a time gets: the task is not overdue until the day
// is over.
const endOfDayHour, endOfDayMinute = 23, 59

// resolve turns a hit into an instant in the user's zone. A day without a time is the end
// of that day (23:59). A time without a day is its next occurrence; a month and day
// without a year that already passed is next year's; a day of the month that passed is
// next month's.
func (s *scan) resolve(h dateHit) time.Time {
	if h.exact != nil {
		return *h.exact
	}
	y, m, d := s.day(h)
	hh, mm := endOfDayHour, endOfDayMinute
	c := h.ctx
	if h.hasClock {
		hh, mm = s.now.Hour(), 0
		if c.Hour != nil {
			hh = *c.Hour
		}
		if c.Minute != nil {
			mm = *c.Minute
		}
	}
	t := wallTime(y, m, d, hh, mm, s.loc)
	if !h.hasDay && !t.After(s.now) {
		t = wallTime(y, m, d+1, hh, mm, s.loc)
	}
	return t
}

// day is the calendar day a hit names (today when it names none), rolled forward where the
// phrase is relative.
func (s *scan) day(h dateHit) (int, time.Month, int) {
	c := h.ctx
	y, m, d := s.now.Date()
	if days := int(c.Duration / (24 * time.Hour)); days != 0 {
		y, m, d = time.Date(y, m, d+days, 12, 0, 0, 0, s.loc).Date()
	}
	if c.Year != nil {
		y = *c.Year
	}
	if c.Month != nil {
		m = time.Month(*c.Month)
	}
	if c.Day != nil {
		d = *c.Day
	} else if c.Month != nil || c.Year != nil {
		d = min(d, daysIn(y, m))
	}
	ty, tm, td := s.now.Date()
	today := time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	switch {
	case c.Month != nil && c.Year == nil && at(y, m, d).Before(today):
		y++
		d = min(d, daysIn(y, m))
		if c.Day != nil && *c.Day > daysIn(y, m) { // Feb 29 next year
			y, m, d = at(y, m, *c.Day).Date()
		}
	case c.Day != nil && c.Month == nil && c.Year == nil:
		for k := 0; k < 13 && (d > daysIn(y, m) || at(y, m, d).Before(today)); k++ {
			y, m, _ = at(y, m+1, 1).Date()
		}
	}
	return y, m, d
}

// wallTime is the instant a local wall-clock time names in loc. A time skipped by a DST
// change (02:30 on the night clocks jump to 03:00) moves forward by the jump, to 03:30;
// time.Date does not guarantee a direction (it gives 01:30 EST in New York). A time that
// occurs twice (the night clocks go back) is its first occurrence.
func wallTime(y int, m time.Month, d, hh, mm int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, hh, mm, 0, 0, loc)
	if t.Hour() == hh%24 && t.Minute() == mm {
		return t
	}
	// Read the wall time with the offset in force before the jump.
	_, before := t.Add(-6 * time.Hour).Zone()
	return time.Date(y, m, d, hh, mm, 0, 0, time.UTC).Add(-time.Duration(before) * time.Second).In(loc)
}

func daysIn(y int, m time.Month) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// monthAlone reports whether an ExactMonthDate match names a month without a day.
func monthAlone(m *rules.Match) bool {
	return m.Captures[0] == "" && m.Captures[1] == "" && m.Captures[3] == "" && m.Captures[4] == ""
}

// precededBy reports whether the word before byte i of text is one of set.
func precededBy(text string, i int, set map[string]bool) bool {
	f := strings.Fields(text[:i])
	return len(f) > 0 && set[strings.ToLower(f[len(f)-1])]
}

var dayContext = wordSet("on", "by", "until", "till", "due", "every", "next", "this", "from", "starting", "before", "after")

// weekdayOK rejects the abbreviations that are ordinary words ("sun", "sat", "wed",
// "mon") unless a preposition or a qualifier says they are days.
func weekdayOK(m *rules.Match, text string, _ dateOpts) bool {
	if m.Captures[0] != "" || m.Captures[2] != "" {
		return true
	}
	switch strings.ToLower(m.Captures[1]) {
	case "sun", "sat", "wed", "mon":
		return precededBy(text, m.Left, dayContext) || timeNext.MatchString(text[m.Right:])
	}
	return true
}

// timeNext finds a time right after a word ("sat 7pm").
var timeNext = lazy(`(?i)^\s*(?:at\s+|@\s*)?\d`)

// casualDateOK rejects "now": "call mom now" is a title, not a due date of this instant.
func casualDateOK(m *rules.Match, _ string, _ dateOpts) bool {
	return !strings.EqualFold(strings.TrimSpace(m.Captures[0]), "now")
}

// hourOK rejects a lone "a" or "p" after a number ("2 a day" is not 2 am).
func hourOK(m *rules.Match, _ string, _ dateOpts) bool { return len(m.Captures[1]) > 1 }

// hourMinuteOK rejects "2-10" without am/pm: a range or a count, not a time.
func hourMinuteOK(m *rules.Match, _ string, _ dateOpts) bool {
	return m.Captures[2] != "" || !strings.Contains(m.Text, "-")
}

// monthDateOK rejects a month named alone ("call jan", "may I") unless the caller reads a
// month as a date ("until march").
func monthDateOK(m *rules.Match, _ string, o dateOpts) bool {
	return o.monthOnly || !monthAlone(m)
}

// slashOK keeps day/month dates only where they cannot be a fraction or a US month/day:
// with a year, or a day above 12 ("24/12").
func slashOK(m *rules.Match, _ string, _ dateOpts) bool {
	if m.Captures[2] != "" {
		return true
	}
	d, _ := strconv.Atoi(m.Captures[0])
	return d > 12
}

// atHourOK leaves "at 9 pm" to the library's am/pm rule and never reads "at 2:30am" as
// "at 2".
func atHourOK(m *rules.Match, text string, _ dateOpts) bool {
	if r := text[m.Right:]; len(r) > 1 && (r[0] == ':' || r[0] == '.') && r[1] >= '0' && r[1] <= '9' {
		return false
	}
	rest := strings.ToLower(strings.TrimLeft(text[m.Right:], " "))
	for _, p := range []string{"am", "pm", "a.m", "p.m", "a ", "p "} {
		if strings.HasPrefix(rest, p) {
			return false
		}
	}
	return true
}

// slashApply sets the day, month and year of a day/month[/year] date. The library's own
// applier (v1.1.0) sets nothing when the month lies later in the current year; rolling a
// passed date into next year is done by day, like every other month-and-day date.
func slashApply(m *rules.Match, c *rules.Context, _ time.Time) bool {
	d, _ := strconv.Atoi(m.Captures[0])
	mo, _ := strconv.Atoi(m.Captures[1])
	c.Day, c.Month = intp(d), intp(mo)
	if m.Captures[2] != "" {
		y, _ := strconv.Atoi(m.Captures[2])
		c.Year = intp(y)
	}
	return true
}

func intp(v int) *int { return &v }

func keys(ks ...string) [][]byte {
	out := make([][]byte, len(ks))
	for i, k := range ks {
		out[i] = []byte(k)
	}
	return out
}

// isoRule reads 2026-12-24 and 2026-12-24T15:00 / 2026-12-24 15:00.
func isoRule() *rules.F {
	return &rules.F{
		RegExp: regexp.MustCompile(`(?i)(?:\W|^)((\d{4})-(\d{1,2})-(\d{1,2}))(?:(?:T|\s+(?:at\s+)?)(\d{1,2}):(\d{2}))?(?:\W|$)`),
		Applier: func(m *rules.Match, c *rules.Context, _ *rules.Options, _ time.Time) (bool, error) {
			y, _ := strconv.Atoi(m.Captures[1])
			mo, _ := strconv.Atoi(m.Captures[2])
			d, _ := strconv.Atoi(m.Captures[3])
			if mo < 1 || mo > 12 || d < 1 || d > daysIn(y, time.Month(mo)) {
				return false, nil
			}
			c.Year, c.Month, c.Day = intp(y), intp(mo), intp(d)
			if m.Captures[4] != "" {
				h, _ := strconv.Atoi(m.Captures[4])
				mi, _ := strconv.Atoi(m.Captures[5])
				if h < 24 && mi < 60 {
					c.Hour, c.Minute = intp(h), intp(mi)
				}
			}
			return true, nil
		},
	}
}

// atHourRule reads "at 9", "at 5:30", "@ 18": an hour without am/pm. 1 to 6 mean the
// afternoon (nobody books "at 5" for 5 am); 7 to 12 the morning and noon; 0 and 13 to 23
// are read as on a 24-hour clock.
func atHourRule() *rules.F {
	return &rules.F{
		RegExp: regexp.MustCompile(`(?i)(?:\W|^)((?:at|@)\s*(\d{1,2})(?:[:.](\d{2}))?)(?:\s*o'?clock)?(?:\W|$)`),
		Applier: func(m *rules.Match, c *rules.Context, _ *rules.Options, _ time.Time) (bool, error) {
			h, _ := strconv.Atoi(m.Captures[1])
			mi := 0
			if m.Captures[2] != "" {
				mi, _ = strconv.Atoi(m.Captures[2])
			}
			if h > 23 || mi > 59 {
				return false, nil
			}
			if h >= 1 && h <= 6 {
				h += 12
			}
			c.Hour, c.Minute, c.Second = intp(h), intp(mi), intp(0)
			return true, nil
		},
	}
}

// theOrdinalRule reads "the 1st", "the 15th", "the third": a day of the current month
// (or the next, when it has passed).
func theOrdinalRule() *rules.F {
	return &rules.F{
		RegExp: regexp.MustCompile(`(?i)(?:\W|^)(the\s+(` + en.ORDINAL_WORDS_PATTERN[3:] + `)(?:\s+of\s+(?:the|this)\s+month)?(?:\W|$)`),
		Applier: func(m *rules.Match, c *rules.Context, _ *rules.Options, _ time.Time) (bool, error) {
			d, ok := en.ORDINAL_WORDS[strings.ToLower(strings.Join(strings.Fields(m.Captures[1]), " "))]
			if !ok {
				return false, nil
			}
			c.Day = intp(d)
			return true, nil
		},
	}
}

var numberWords = map[string]int{"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
	"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
	"fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45, "fortyfive": 45, "sixty": 60, "ninety": 90}

const numberPattern = `\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|forty-five|sixty|ninety`

func number(s string) (int, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if n, ok := numberWords[s]; ok {
		return n, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n < 100000
}

// inMonthsRule reads "in 2 months", "in a year": calendar months, clamped to the month's
// last day (the library's own rule wraps December to month 0).
func inMonthsRule() *rules.F {
	return &rules.F{
		RegExp: regexp.MustCompile(`(?i)(?:\W|^)((?:in|within)\s+(` + numberPattern + `)\s+(months?|years?))(?:\W|$)`),
		Applier: func(m *rules.Match, c *rules.Context, _ *rules.Options, ref time.Time) (bool, error) {
			n, ok := number(m.Captures[1])
			if !ok || n > 1200 {
				return false, nil
			}
			if strings.HasPrefix(strings.ToLower(m.Captures[2]), "year") {
				n *= 12
			}
			y, mo, _ := time.Date(ref.Year(), ref.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC).Date()
			c.Year, c.Month = intp(y), intp(int(mo))
			return true, nil
		},
	}
}

// periodRule reads "next week" (its Monday), "next month" (its 1st), "next year" (Jan 1),
// "this weekend"/"the weekend" (Saturday, or today on a weekend day).
func periodRule() *rules.F {
	return &rules.F{
		RegExp: regexp.MustCompile(`(?i)(?:\W|^)((?:(next|this)\s+(week|month|year|weekend))|(?:the\s+)?weekend)(?:\W|$)`),
		Applier: func(m *rules.Match, c *rules.Context, _ *rules.Options, ref time.Time) (bool, error) {
			which, unit := strings.ToLower(m.Captures[1]), strings.ToLower(m.Captures[2])
			if unit == "" {
				unit = "weekend"
			}
			switch {
			case unit == "weekend":
				days := (int(time.Saturday) - int(ref.Weekday()) + 7) % 7
				if ref.Weekday() == time.Sunday {
					days = 0
				}
				c.Duration = time.Duration(days) * 24 * time.Hour
				if days == 0 {
					c.Day = intp(ref.Day())
				}
			case which == "next" && unit == "week":
				c.Duration = time.Duration(daysToNextMonday(ref)) * 24 * time.Hour
			case which == "next" && unit == "month":
				y, mo, _ := time.Date(ref.Year(), ref.Month()+1, 1, 0, 0, 0, 0, time.UTC).Date()
				c.Year, c.Month, c.Day = intp(y), intp(int(mo)), intp(1)
			case which == "next" && unit == "year":
				c.Year, c.Month, c.Day = intp(ref.Year()+1), intp(1), intp(1)
			default: // "this week/month/year" as a due date: its last day
				return applyEndOf(unit, c, ref), nil
			}
			return true, nil
		},
	}
}

// endOfRule reads "end of month", "end of the week", "end of next month", "eod", "eom"...
func endOfRule() *rules.F {
	return &rules.F{
		RegExp: regexp.MustCompile(`(?i)(?:\W|^)((?:the\s+)?end\s+of\s+(?:the\s+)?(?:(this|next)\s+)?(day|today|week|month|year)|(eod|eow|eom|eoy))(?:\W|$)`),
		Applier: func(m *rules.Match, c *rules.Context, _ *rules.Options, ref time.Time) (bool, error) {
			unit := strings.ToLower(m.Captures[2])
			if short := strings.ToLower(m.Captures[3]); short != "" {
				unit = map[string]string{"eod": "day", "eow": "week", "eom": "month", "eoy": "year"}[short]
			}
			if strings.EqualFold(m.Captures[1], "next") {
				switch unit {
				case "week":
					ok := applyEndOf(unit, c, ref)
					c.Duration += 7 * 24 * time.Hour
					return ok, nil
				case "month":
					ref = time.Date(ref.Year(), ref.Month()+1, 1, 12, 0, 0, 0, ref.Location())
				case "year":
					ref = time.Date(ref.Year()+1, 1, 1, 12, 0, 0, 0, ref.Location())
				}
			}
			return applyEndOf(unit, c, ref), nil
		},
	}
}

// applyEndOf sets c to the last day of the unit containing ref. Weeks end on Sunday
// (ISO weeks, like the list filter "this week").
func applyEndOf(unit string, c *rules.Context, ref time.Time) bool {
	switch unit {
	case "day", "today":
		return true
	case "week":
		c.Duration = time.Duration((7-int(ref.Weekday()))%7) * 24 * time.Hour
	case "month":
		c.Year, c.Month, c.Day = intp(ref.Year()), intp(int(ref.Month())), intp(daysIn(ref.Year(), ref.Month()))
	case "year":
		c.Year, c.Month, c.Day = intp(ref.Year()), intp(12), intp(31)
	default:
		return false
	}
	return true
}

func daysToNextMonday(t time.Time) int {
	d := (int(time.Monday) - int(t.Weekday()) + 7) % 7
	if d == 0 {
		d = 7
	}
	return d
}

// yearRule reads a year next to a month and day ("dec 24 2027"); alone it is no date.
func yearRule() *rules.F {
	return &rules.F{
		RegExp: regexp.MustCompile(`(?:\W|^)((?:19|20)\d\d)(?:\W|$)`),
		Applier: func(m *rules.Match, c *rules.Context, _ *rules.Options, _ time.Time) (bool, error) {
			y, _ := strconv.Atoi(m.Captures[0])
			c.Year = intp(y)
			return true, nil
		},
	}
}
