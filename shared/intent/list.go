package intent

import (
	"strings"
	"time"

	"github.com/taskline/taskline/shared/todo"
)

var (
	overdueRe   = pat(`(?:^|\W)(overdue|late|past\s+due)(?:$|\W)`, "overdue", "late", "past")
	completedRe = pat(`(?:^|\W)(completed|done|finished|closed|checked\s+off|did\s+i\s+(?:finish|complete|do))(?:$|\W)`, "complete", "done", "finish", "closed", "checked", "did")
	pendingRe   = pat(`(?:^|\W)(pending|open|incomplete|unfinished|outstanding|remaining|left|not\s+done|active|undone|to\s+do)(?:$|\W)`, "pending", "open", "complete", "finish", "outstanding", "remaining", "left", "not", "active", "undone", "to do")
	periodRe    = pat(`(?:^|\W)((?:due\s+)?(?:(?:for|on|in)\s+)?(?:(today|tonight|tomorrow|yesterday)|(this|next|last)\s+(week|month|weekend)|(?:the\s+)?(weekend)|(upcoming|soon|coming\s+up)|(?:in\s+)?the\s+(?:next|coming)\s+(`+numberPattern+`)\s+(days?|weeks?)))(?:$|\W)`, "today", "tonight", "tomorrow", "yesterday", "week", "month", "upcoming", "soon", "coming", "next")
	rangeLeadRe = pat(`(?:^|\W)((?:due\s+)?(before|by|after|on|until|till|due)\s+)`, "before", "by", "after", "on", "until", "till", "due")
	taggedRe    = pat(`(?:^|\W)((?:tagged|labell?ed|with\s+(?:the\s+)?(?:tags?|labels?)|under|in\s+(?:the\s+)?(?:tag|label))\s+)((?:#?[\p{L}\p{M}\p{N}_-]+(?:\s*(?:,|and|&|or)\s*(?:#?[\p{L}\p{M}\p{N}_-]+))*))`, "tag", "label", "under")
	levelRe     = pat(`(?:^|\W)(high|medium|low|urgent|important)(?:$|\W)`, "high", "medium", "low", "urgent", "important")
	searchLead  = pat(`(?:^|\W)((?:about|containing|contain|matching|mentioning|with\s+the\s+words?|named|called|titled|that\s+(?:say|mention|contain)s?|for)\s+)`, "about", "contain", "match", "mention", "word", "named", "called", "titled", "that", "for")
)

// listStop are the words of a list question that say nothing about what to list.
var listStop = wordSet("show", "list", "me", "my", "all", "the", "a", "an", "tasks", "task", "todos", "todo", "to-do", "to-dos",
	"what", "what's", "whats", "is", "are", "was", "were", "due", "do", "does", "did", "i", "have", "has", "got", "any", "anything",
	"that", "which", "there", "to", "of", "on", "in", "for", "please", "can", "you", "your", "display", "view", "see", "get", "give",
	"tell", "read", "how", "many", "with", "items", "things", "stuff", "everything", "agenda", "plate", "schedule", "list?",
	"need", "should", "must", "it", "be", "by", "and", "or", "at", "still", "left", "now", "currently", "right", "so", "far",
	"priority", "tagged", "s", "'s", "up", "coming", "set", "ones", "one", "about", "am", "we", "our", "us", "'re", "work?")

// list reads a list or search: status, priority, tags, a due range, and the words to
// search for. A list question about what is due ("what is due this week?") lists pending
// tasks: a completed task is not due.
func (s *scan) list(k Kind) Intent {
	in := Intent{Kind: k}
	f := &in.Filter
	f.Tags = s.tags()
	if m := s.find(taggedRe); m != nil {
		s.consume(m[2], m[3], "")
		f.Tags = mergeTags(f.Tags, s.plainTags(m[4], m[5]))
	}
	f.Priority = s.priority()
	if f.Priority == nil {
		if m := s.find(levelRe); m != nil {
			word := strings.ToLower(s.src[m[2]:m[3]])
			if word == "important" {
				word = "high"
			}
			p := priorityOf(word)
			f.Priority = &p
			s.consume(m[2], m[3], SpanPriority)
		}
	}
	due := strings.Contains(strings.ToLower(s.src), "due")
	if m := s.find(overdueRe); m != nil {
		s.consume(m[2], m[3], SpanStatus)
		now := s.now
		f.DueBefore = &now
		f.Status = todo.StatusPending
	} else if m := s.find(completedRe); m != nil {
		s.consume(m[2], m[3], SpanStatus)
		f.Status = todo.StatusCompleted
	} else if m := s.find(pendingRe); m != nil {
		s.consume(m[2], m[3], SpanStatus)
		f.Status = todo.StatusPending
	}
	if f.DueBefore == nil {
		s.dueRange(f)
	}
	if due && f.Status == "" {
		f.Status = todo.StatusPending
	}
	s.searchWords(&in)
	if k == Search && f.Search == "" && in.Question == "" {
		in.Question = "What should I search for?"
	}
	return in
}

// dueRange reads the period a list asks about. Ranges are whole local days: "today" is
// [00:00 today, 00:00 tomorrow); weeks run Monday to Sunday.
func (s *scan) dueRange(f *Filter) {
	if m := s.find(periodRe); m != nil {
		from, to, ok := s.period(m)
		if ok {
			f.DueAfter, f.DueBefore = &from, &to
			s.consume(m[2], m[3], SpanDue)
			return
		}
	}
	for off := 0; off < len(s.seen); {
		m := s.findFrom(rangeLeadRe, off)
		if m == nil {
			break
		}
		start, end := off+m[2], off+m[3]
		word := strings.ToLower(s.src[off+m[4] : off+m[5]])
		if h, ok := s.findDate(end, len(s.seen), dateOpts{}); ok && h.start == end {
			dayStart, dayEnd := s.dayRange(h)
			switch word {
			case "before":
				f.DueBefore = &dayStart
				if h.hasClock {
					t := s.resolve(h)
					f.DueBefore = &t
				}
			case "by", "until", "till":
				f.DueBefore = &dayEnd
				if h.hasClock {
					t := s.resolve(h)
					f.DueBefore = &t
				}
			case "after":
				f.DueAfter = &dayEnd
				if h.hasClock {
					t := s.resolve(h)
					f.DueAfter = &t
				}
			default:
				f.DueAfter, f.DueBefore = &dayStart, &dayEnd
			}
			s.consume(start, h.end, SpanDue)
			return
		}
		off = end
	}
	if h, ok := s.findDate(0, len(s.seen), dateOpts{}); ok {
		from, to := s.dayRange(h)
		f.DueAfter, f.DueBefore = &from, &to
		s.consume(s.extendLeft(h.start), h.end, SpanDue)
	}
}

// dayRange is [start of the hit's day, start of the next day) in the user's zone.
func (s *scan) dayRange(h dateHit) (time.Time, time.Time) {
	y, m, d := s.resolve(h).In(s.loc).Date()
	return wallTime(y, m, d, 0, 0, s.loc), wallTime(y, m, d+1, 0, 0, s.loc)
}

// period turns a period phrase into [from, to).
func (s *scan) period(m []int) (time.Time, time.Time, bool) {
	g := func(i int) string {
		if m[2*i] < 0 {
			return ""
		}
		return strings.ToLower(s.src[m[2*i]:m[2*i+1]])
	}
	y, mo, d := s.now.Date()
	day := func(k int) time.Time { return wallTime(y, mo, d+k, 0, 0, s.loc) }
	monday := -((int(s.now.Weekday()) + 6) % 7) // days back to this week's Monday
	switch {
	case g(2) == "today" || g(2) == "tonight":
		return day(0), day(1), true
	case g(2) == "tomorrow":
		return day(1), day(2), true
	case g(2) == "yesterday":
		return day(-1), day(0), true
	case g(4) == "week":
		k := map[string]int{"this": 0, "next": 7, "last": -7}[g(3)]
		return day(monday + k), day(monday + k + 7), true
	case g(4) == "weekend" || g(5) == "weekend":
		k := map[string]int{"": 0, "this": 0, "next": 7, "last": -7}[g(3)]
		return day(monday + 5 + k), day(monday + 7 + k), true
	case g(4) == "month":
		k := map[string]int{"this": 0, "next": 1, "last": -1}[g(3)]
		return wallTime(y, mo+time.Month(k), 1, 0, 0, s.loc), wallTime(y, mo+time.Month(k)+1, 1, 0, 0, s.loc), true
	case g(6) != "":
		return s.now, day(8), true
	case g(7) != "":
		n, ok := number(g(7))
		if !ok || n > 3660 {
			return time.Time{}, time.Time{}, false
		}
		if strings.HasPrefix(g(8), "week") {
			n *= 7
		}
		return s.now, day(n + 1), true
	}
	return time.Time{}, time.Time{}, false
}

// searchWords turns what is left of a list or search into the search text.
func (s *scan) searchWords(in *Intent) {
	from := 0
	if m := s.find(searchLead); m != nil {
		s.consume(m[2], m[3], "")
		from = m[3]
	}
	ws := s.words(from, len(s.src))
	var keep []word
	for _, w := range ws {
		if !s.isWord(w, listStop) {
			keep = append(keep, w)
		}
	}
	if len(keep) == 0 {
		return
	}
	// Keep the words between the first and last kept one: "call mom" stays one phrase.
	first, last := 0, len(ws)-1
	for ws[first].start != keep[0].start {
		first++
	}
	for ws[last].start != keep[len(keep)-1].start {
		last--
	}
	text, runs := s.phrase(ws[first : last+1])
	if text == "" {
		return
	}
	in.Filter.Search = text
	for _, r := range runs {
		s.spans = append(s.spans, Span{Start: r[0], End: r[1], Kind: SpanSearch})
	}
}
