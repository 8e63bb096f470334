package intent

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Parse reads one message typed by a user whose zone is loc, at instant now (a nil loc is
// UTC). It is deterministic (same input, same output) and never fails: what it cannot read
// is Kind Unknown with a Question, or stays in the title.
func Parse(text string, now time.Time, loc *time.Location) Intent {
	if loc == nil {
		loc = time.UTC
	}
	s := newScan(text, now, loc)
	in := s.read()
	in.Spans = s.sortedSpans()
	return in
}

// ParseTask reads the text of the "New task" box (quick add): always a new task, never a
// command ("Delete old emails friday" is a task titled "Delete old emails"). Kind is Add,
// or Unknown with a Question when no title is left.
func ParseTask(text string, now time.Time, loc *time.Location) Intent {
	if loc == nil {
		loc = time.UTC
	}
	s := newScan(text, now, loc)
	in := s.add(false)
	in.Spans = s.sortedSpans()
	return in
}

// The questions asked back.
const (
	AskTitle    = "What should the task be called?"
	AskTask     = "Which task? Give its number (task 3) or words from its title."
	AskOneTask  = "I change one task at a time. Which task? Give its number (task 3) or words from its title."
	AskWhen     = "When should I remind you? For example: tomorrow at 9."
	AskTag      = "Which tag? Write it with a # (tag task 3 #work)."
	AskChange   = "What should change on that task: its due date, priority, title or repetition?"
	AskUntag    = "I can't remove tags yet; edit the task in the list to do that."
	AskUnremind = "I can't remove reminders yet; open the task's reminders in the list to do that."
	AskWhat     = `Sorry, I didn't understand. Try "add buy milk tomorrow at 9", "what is due this week?" or "done with task 3". Say "help" for more.`
)

func askRepeat(phrase string) string {
	return fmt.Sprintf("I can repeat a task daily, weekly (every monday) or monthly (every month on the 1st), not %q. Which would you like?", phrase)
}

// re compiles a case-insensitive pattern anchored at the start of the text.
func re(p string) *lazyRegexp { return lazy(`(?i)^\s*` + p) }

var (
	politeRe = re(`((?:(?:please|pls|plz|kindly|(?:hey|hi|hello)(?:\s+there)?|ok|okay|so|now|also|and|then|alright|good\s+(?:morning|afternoon|evening)|(?:could|can|would|will)\s+(?:you|u)(?:\s+please)?|i(?:'d|\s+would)\s+like\s+(?:you\s+)?to|i\s+want\s+(?:you\s+)?to)(?:[\s,!:]+|$))+)`)
	thanksRe = pat(`((?:^|[\s,.!;]+)(?:please|pls|thanks|thank\s+you|thx|ty)[\s.!]*)$`, "please", "pls", "thank", "thx", "ty")
	greetRe  = pat(`\b(?:hi|hello|hey|good\s+(?:morning|afternoon|evening))\b`, "hi", "hello", "hey", "good")
	helpRe   = re(`(?:help|/help|\?|commands|menu|what\s+can\s+(?:you|i)\s+(?:do|say|ask)|how\s+(?:does\s+(?:this|it)\s+work|do\s+i\s+use\s+(?:this|you|it)|do\s+you\s+work)|who\s+are\s+you|what\s+are\s+you)\s*[?!.]*\s*$`)

	remindRefRe   = re(`((?:remind\s+me|(?:set|add|create|schedule)\s+(?:up\s+)?(?:a\s+)?reminder|new\s+reminder|reminder)\s+(?:about|of|for|on|re:?|regarding)\s+)`)
	reminderToRe  = re(`((?:set|add|create|schedule)\s+(?:up\s+)?(?:a\s+)?reminder\s+to\s+)`)
	remindAddRe   = re(`((?:remind|alert|notify|ping|nudge)\s+me(?:\s+to\b)?)`)
	tagVerbRe     = re(`((?:tag|label)\s+)`)
	addTagRe      = pat(`^\s*((?:add|put|attach|apply)\s+(?:the\s+)?(?:(?:tags?|labels?)\s+)?)((?:#?[\p{L}\p{M}\p{N}_-]+(?:\s*(?:,|and|&)\s*|\s+)?)+?)(\s+(?:(?:tags?|labels?)\s+)?(?:to|on)\s+)`, "#", "tag", "label")
	untagRe       = re(`(?:(?:remove|delete|drop|take\s+off|detach)\s+(?:the\s+)?(?:(?:tags?|labels?)\s+)?#[\p{N}_-]*\pL|untag\b|(?:remove|delete|drop)\s+(?:the\s+)?(?:tags?|labels?)\b)`)
	renameRe      = re(`((?:rename|retitle|re-title)\s+)(.+?)(\s(?:to|as|into)(?:\s+|$))(.*)$`)
	retitleRe     = re(`((?:change|set|update|edit)\s+(?:the\s+)?(?:title|name)\s+(?:of\s+)?)(.+?)(\s+to(?:\s+|$))(.*)$`)
	clearDueRe    = pat(`(?:^|\W)((?:no|without(?:\s+a)?|remove(?:\s+the)?|clear(?:\s+the)?|delete(?:\s+the)?|drop(?:\s+the)?|unset(?:\s+the)?|take\s+(?:off|away)(?:\s+the)?|get\s+rid\s+of(?:\s+the)?)\s+(?:due(?:\s+(?:date|time))?|deadline|date))(?:$|\W)`, "due", "deadline", "date")
	updateLeadRe  = re(`(?:move|reschedule|postpone|push|defer|delay|make|set|change|update|edit|modify|(?:task|todo|item|number|no\.?)\s*#?\s*\d|#\d)`)
	reopenVerbRe  = re(`((?:reopen|re-open|uncomplete|un-complete|unmark|undo|restore|unfinish|uncheck|untick)(?:\s+|\s*$))`)
	reopenMarkRe  = re(`((?:mark|set)\s+)(.+?)(\s+(?:as\s+)?(?:not\s+(?:done|complete|completed|finished)|undone|incomplete|uncompleted|unfinished|pending|open|active|to\s*-?do))\s*[.!]*\s*$`)
	reopenIsRe    = pat(`^\s*(.+?)(\s+(?:(?:is|are)\s+not|(?:is|are)n'?t)\s+(?:done|complete|completed|finished)(?:\s+yet)?)\s*[.!]*\s*$`, "not", "n't")
	completeMark  = re(`((?:mark|set|check|tick|cross)\s+)(.+?)(\s+(?:as\s+)?(?:done|complete|completed|finished|checked|off))\s*[.!]*\s*$`)
	completeVerb  = re(`((?:complete|completed|finished|done\s+with|i(?:'m|\s+am)\s+done\s+with|i\s+(?:have\s+|'ve\s+|just\s+)?(?:finished|completed|did|done)|check\s+off|tick\s+off|cross\s+off|mark\s+(?:as\s+)?(?:done|completed?)|done:?)(?:\s+|\s*$))`)
	completeIsRe  = pat(`^\s*(.+?)(\s+(?:is|are)\s+(?:all\s+)?(?:done|complete|completed|finished))\s*[.!]*\s*$`, "is", "are")
	deleteRe      = re(`((?:delete|remove|erase|trash|discard|drop|scrap|get\s+rid\s+of)(?:\s+|\s*$))`)
	unremindRe    = re(`(?:remove|delete|cancel|drop|clear|turn\s+off|stop)\s+(?:the\s+|my\s+|all\s+|a\s+)?(?:reminders?|alerts?|notifications?)\b`)
	finishRefRe   = re(`((?:finish|finished|close|check|tick)\s+)(?:task\s*#?\d+|#\d+)\s*[.!]*\s*$`)
	cancelRe      = re(`(cancel\s+)(?:the\s+)?(?:task\b|todo\b|#\d|\d+\s*$)`)
	refFirstRe    = re(`((?:task|todo|item|number|no\.?)\s*#?\s*\d{1,18}|#\d{1,18})\b[\s:,-]*`)
	bareRefDoneRe = re(`(\d{1,18})(\s+(?:is\s+)?(?:done|complete|completed|finished))\s*[.!]*\s*$`)
	moveRe        = re(`((?:move|reschedule|postpone|push(?:\s+back)?|defer|delay|shift|bring\s+forward)\s+)`)
	setRe         = re(`((?:make|set|change|update|edit|modify|mark|bump|turn|switch)\s+)`)
	periodOnlyRe  = re(`(?:today|tonight|tomorrow|this\s+week|next\s+week|this\s+month|next\s+month|this\s+weekend|overdue|upcoming)\s*[?!.]*\s*$`)
	listRe        = re(`((?:list|show|display|view)(?:\s+me)?\b|(?:give|tell)\s+me\b|what(?:'s|’s|\s+is|\s+are|\s+do\s+i\s+have|\s+have\s+i\s+got)?\b|which\b|do\s+i\s+have(?:\s+any(?:thing)?)?\b|are\s+there(?:\s+any)?\b|any(?:thing)?\b|how\s+many\b)`)
	listNounRe    = re(`(?:(?:my|all|the)\s+)?(?:tasks?|todos?|to-?dos?|overdue|upcoming|agenda|pending|completed)\b`)
	listCueRe     = lazy(`(?i)\b(?:tasks?|todos?|to-?dos?|due|overdue|pending|completed|done|finished|open|outstanding|remaining|left|agenda|plate|schedule|priority|tagged|tags?|labell?ed|everything|all|today|tomorrow|tonight|upcoming|week|month|weekend|urgent|list)\b|#`)
	searchRe      = re(`((?:find|search(?:\s+for)?|look\s+(?:for|up)|lookup|where(?:'s|’s|\s+is|\s+are)|grep)\s+)`)
	addVerbRe     = re(`((?:add|create)(?:\s+(?:a|an))?(?:\s+new)?(?:\s+(?:task|todo|to-?do|item|entry))?(?:\s+(?:to|for|called|named|titled))?(?:\s*:)?(?:\s+|$)|new\s+(?:task|todo|to-?do|item)(?:\s+(?:to|for|called|named|titled))?(?:\s*:)?(?:\s+|$)|(?:task|todo|to-?do|note)\s*:\s*|make\s+(?:a\s+)?(?:new\s+)?(?:task|todo|to-?do|note)(?:\s+(?:to|for|called|named))?(?:\s*:)?(?:\s+|$)|(?:i\s+(?:need|have|must|want|should|gotta|got)|need|have|got)\s+to\s+|(?:remember|don'?t\s+forget)\s+to\s+)`)
	toListRe      = pat(`\s((?:to|on|in|onto)\s+(?:my|the)\s+(?:todo\s+|to-?do\s+|task\s+)?(?:list|tasks|todos))\s*[.!]*\s*$`, "list", "tasks", "todos")
)

// at returns the submatch offsets of re in the text still to be read, or nil.
func (s *scan) at(re *lazyRegexp) []int { return re.FindSubmatchIndex(s.seen) }

// state is a snapshot for trying a reading and going back on it.
type state struct {
	seen  []byte
	used  []uint8
	spans int
}

func (s *scan) save() state {
	return state{seen: append([]byte(nil), s.seen...), used: append([]uint8(nil), s.used...), spans: len(s.spans)}
}

func (s *scan) restore(st state) {
	copy(s.seen, st.seen)
	copy(s.used, st.used)
	s.spans = s.spans[:st.spans]
}

// read decides what the message asks for. Commands are recognised by their first words;
// a message that starts with none of them is a new task.
func (s *scan) read() Intent {
	greeting := s.find(greetRe) != nil
	if m := s.at(politeRe); m != nil {
		s.consume(m[2], m[3], "")
	}
	if m := s.find(thanksRe); m != nil {
		s.consume(m[2], m[3], "")
	}
	if strings.TrimSpace(string(s.seen)) == "" && len(s.words(0, len(s.src))) == 0 {
		if greeting {
			return Intent{Kind: Help}
		}
		return Intent{Kind: Unknown, Question: AskWhat}
	}
	if s.at(helpRe) != nil {
		s.consume(0, len(s.src), "")
		return Intent{Kind: Help}
	}
	if m := s.at(reminderToRe); m != nil {
		s.consume(m[2], m[3], "")
		return s.add(true)
	}
	if m := s.at(remindRefRe); m != nil {
		s.consume(m[2], m[3], "")
		return s.remind()
	}
	if m := s.at(remindAddRe); m != nil {
		s.consume(m[2], m[3], "")
		return s.add(true)
	}
	if s.at(untagRe) != nil {
		return Intent{Kind: Unknown, Question: AskUntag}
	}
	if s.at(unremindRe) != nil {
		return Intent{Kind: Unknown, Question: AskUnremind}
	}
	if m := s.at(tagVerbRe); m != nil {
		s.consume(m[2], m[3], "")
		return s.tag()
	}
	if m := s.find(addTagRe); m != nil && (strings.Contains(s.src[m[4]:m[5]], "#") || strings.Contains(strings.ToLower(s.src[m[2]:m[3]]+s.src[m[6]:m[7]]), "tag") || strings.Contains(strings.ToLower(s.src[m[2]:m[3]]+s.src[m[6]:m[7]]), "label")) {
		s.consume(m[2], m[3], "")
		s.consume(m[6], m[7], "")
		names := s.plainTags(m[4], m[5])
		in := s.tag()
		in.Task.Tags = mergeTags(names, in.Task.Tags)
		if len(in.Task.Tags) > 0 && in.Question == AskTag {
			in.Question = ""
		}
		return in
	}
	for _, r := range []*lazyRegexp{renameRe, retitleRe} {
		if m := s.at(r); m != nil {
			return s.rename(m)
		}
	}
	if m := s.find(clearDueRe); m != nil && (m[2] <= firstWord(s.src) || s.at(updateLeadRe) != nil) {
		if lead := s.at(updateLeadRe); lead != nil && lead[1] < m[2] {
			if vm := s.at(moveRe); vm != nil {
				s.consume(vm[2], vm[3], "")
			} else if vm := s.at(setRe); vm != nil {
				s.consume(vm[2], vm[3], "")
			}
		}
		in, _ := s.update(true)
		return in
	}
	if m := s.at(reopenMarkRe); m != nil {
		s.consume(m[2], m[3], "")
		s.consume(m[6], m[7], "")
		return s.command(Reopen)
	}
	if m := s.find(reopenIsRe); m != nil {
		s.consume(m[4], m[5], "")
		return s.command(Reopen)
	}
	if m := s.at(reopenVerbRe); m != nil {
		s.consume(m[2], m[3], "")
		return s.command(Reopen)
	}
	if m := s.at(completeMark); m != nil {
		s.consume(m[2], m[3], "")
		s.consume(m[6], m[7], "")
		return s.command(Complete)
	}
	if m := s.at(bareRefDoneRe); m != nil {
		s.consume(m[4], m[5], "")
		return s.command(Complete)
	}
	if m := s.find(completeIsRe); m != nil {
		s.consume(m[4], m[5], "")
		return s.command(Complete)
	}
	if m := s.at(finishRefRe); m != nil {
		s.consume(m[2], m[3], "")
		return s.command(Complete)
	}
	if m := s.at(completeVerb); m != nil {
		s.consume(m[2], m[3], "")
		return s.command(Complete)
	}
	if m := s.at(deleteRe); m != nil {
		s.consume(m[2], m[3], "")
		return s.command(Delete)
	}
	if m := s.at(cancelRe); m != nil {
		s.consume(m[2], m[3], "")
		return s.command(Delete)
	}
	if m := s.at(refFirstRe); m != nil {
		return s.refFirst(m)
	}
	if in, ok := s.tryUpdate(); ok {
		return in
	}
	if s.at(periodOnlyRe) != nil {
		return s.list(List)
	}
	if m := s.at(searchRe); m != nil {
		s.consume(m[2], m[3], "")
		return s.list(Search)
	}
	if m := s.at(listRe); m != nil && (listCueRe.Match(s.seen[m[3]:]) || strings.TrimSpace(string(s.seen[m[3]:])) == "") {
		s.consume(m[2], m[3], "")
		return s.list(List)
	}
	if m := s.at(addVerbRe); m != nil {
		s.consume(m[2], m[3], "")
		return s.add(false)
	}
	if s.at(listNounRe) != nil {
		return s.list(List)
	}
	if strings.HasSuffix(strings.TrimSpace(string(s.seen)), "?") {
		return Intent{Kind: Unknown, Question: AskWhat}
	}
	return s.add(false)
}

// firstWord is the offset of the first non-space byte of text.
func firstWord(text string) int { return len(text) - len(strings.TrimLeft(text, " \t\r\n")) }

// add reads a new task. remind: the message asked to be reminded ("remind me to call mom
// tomorrow at 5"): a reminder at the due time, unless the message names its own offset or
// time; without a due date it asks when.
func (s *scan) add(remind bool) Intent {
	in := Intent{Kind: Add}
	if m := s.find(toListRe); m != nil {
		s.consume(m[2], m[3], "")
	}
	s.slots(&in)
	if m := s.find(clearDueRe); m != nil { // "no due date" on a new task: it has none anyway
		s.consume(m[2], m[3], "")
	}
	if title, runs := s.title(); title != "" {
		in.Task.Title = &title
		for _, r := range runs {
			s.spans = append(s.spans, Span{Start: r[0], End: r[1], Kind: SpanTitle})
		}
	}
	if remind && in.Reminder == nil {
		if in.Task.Due != nil {
			t := *in.Task.Due
			in.Reminder = &Reminder{At: &t}
		} else if in.Question == "" {
			in.Question = AskWhen
		}
	}
	if in.Task.Title == nil {
		in.Kind = Unknown
		if in.Question == "" {
			in.Question = AskTitle
		}
	}
	return in
}

// slots reads everything a task can carry: tags, priority, reminder, repetition, due date.
// Reminder phrases go before dates so their times are not taken for the due time.
func (s *scan) slots(in *Intent) {
	f := &in.Task
	f.Tags = s.tags()
	f.Priority = s.priority()
	var remindHit *dateHit
	if d, ok := s.offset(); ok {
		in.Reminder = &Reminder{Before: d}
	} else if h, ok := s.remindAt(); ok {
		remindHit = &h
	}
	defer func() {
		if remindHit != nil {
			t := s.reminderTime(*remindHit, f.Due)
			in.Reminder = &Reminder{At: &t}
		}
	}()
	rec := s.recurrence()
	if rec != nil {
		f.Recurrence = &rec.every
		f.RecurrenceEnd = s.until()
	} else if m := s.find(unsupportedRe); m != nil && in.Question == "" {
		in.Question = askRepeat(s.src[m[2]:m[3]])
	}
	h, ok := s.findDate(0, len(s.seen), dateOpts{})
	if ok {
		s.consume(s.extendLeft(h.start), h.end, SpanDue)
	}
	var due time.Time
	switch {
	case rec != nil && ok && h.hasDay:
		due = s.resolve(h)
	case rec != nil:
		var clock *dateHit
		if ok {
			clock = &h
		}
		due = s.firstDue(rec, clock)
		if rec.monthDay > 0 && due.Day() != rec.monthDay {
			f.RecurrenceDay = rec.monthDay
		}
	case ok:
		due = s.resolve(h)
	default:
		return
	}
	f.Due = &due
	if f.RecurrenceEnd != nil && f.RecurrenceEnd.Before(due) && in.Question == "" {
		in.Question = "The repetition would end before the task is first due. When should it end?"
	}
}

// dueLead are the words that introduce a date and belong to its span ("due on friday").
var dueLead = wordSet("at", "on", "by", "due", "for", "until", "till", "before", "starting", "from", "beginning", "@")

// extendLeft moves a date span's start over the words that introduce it.
func (s *scan) extendLeft(start int) int {
	for range 3 {
		i := start
		for i > 0 && s.seen[i-1] == ' ' && s.used[i-1] == markFree {
			i--
		}
		j := i
		for j > 0 && s.seen[j-1] != ' ' {
			j--
		}
		if j == i || !dueLead[strings.ToLower(string(s.seen[j:i]))] {
			return start
		}
		start = j
	}
	return start
}

// Words that mean nothing next to what was understood: "buy milk at tomorrow 9" reads
// "buy milk", not "buy milk at".
var (
	dangling = wordSet("at", "on", "by", "due", "for", "until", "till", "from", "in", "starting", "beginning",
		"before", "after", "with", "and", "or", "&", "@", "every", "each", "the", "a", "an", "to", "of", "also", "then", "is", "it's")
	leading = wordSet("to", "that", "and", "then", "also", "about", "i", "me", "a", "an")
)

// title is what is left of the message: the words not understood, without the words
// left dangling next to what was understood.
func (s *scan) title() (string, [][2]int) {
	ws := s.words(0, len(s.src))
	ws = s.dropDangling(ws)
	for len(ws) > 0 && s.isWord(ws[0], leading) && len(ws) > 1 {
		ws = ws[1:]
	}
	return s.phrase(ws)
}

// dropDangling removes connecting words that stand before an understood part or at the
// end, and punctuation-only words next to one. A dangling word is kept when removing it
// would leave nothing.
func (s *scan) dropDangling(ws []word) []word {
	for changed := true; changed && len(ws) > 1; {
		changed = false
		for i := len(ws) - 1; i >= 0 && len(ws) > 1; i-- {
			w := ws[i]
			last := i == len(ws)-1
			punct := strings.Trim(s.text(w), edgePunct) == ""
			gapBefore := i > 0 && ws[i-1].gapAfter
			if (w.gapAfter || last) && (s.isWord(w, dangling) || punct) || punct && gapBefore {
				if i > 0 {
					ws[i-1].gapAfter = ws[i-1].gapAfter || w.gapAfter || last
				}
				ws = append(ws[:i], ws[i+1:]...)
				changed = true
			}
		}
	}
	// A word before an understood part loses its trailing comma ("milk, tomorrow").
	for i := range ws {
		if ws[i].gapAfter && i < len(ws)-1 {
			t := strings.TrimRight(s.text(ws[i]), ",;:")
			if t != "" {
				ws[i].end = ws[i].start + len(t)
			}
		}
	}
	return ws
}

// refStop are words around a task's name that are not part of it.
var refStop = wordSet("the", "a", "an", "to", "for", "as", "of", "due", "date", "deadline", "priority", "task", "tasks",
	"todo", "to-do", "item", "my", "is", "it", "its", "on", "at", "by", "with", "from", "about", "and", "that", "this",
	"called", "named", "titled", "entry", "reminder", "me", "title", "name", "again", "now", "please", "one", "all",
	"done", "complete", "completed", "finished", "into", "time", "number", "no", "no.", "re", "regarding", "so", "be",
	"repeat", "repeating", "recurring", "recur", "it's")

// refEdge are the words around "all tasks" that do not change its meaning.
var refEdge = wordSet("the", "to", "for", "as", "of", "on", "at", "by", "with", "from", "due", "date", "please", "now", "until", "till")

// refNoun is the word before a task's number that belongs to its span ("task 3").
var refNoun = wordSet("task", "todo", "item", "number")

// allRe names every task: the parser acts on one.
var allRe = lazy(`(?i)^(?:all|everything|every\s+task|all\s+(?:my\s+)?tasks|all\s+of\s+them|them\s+all|them|everything\s+\w+)$`)

var idRe = lazy(`^#?\s*(\d{1,18})$`)

// ref reads the task a command is about from the words not yet understood in [from, to).
func (s *scan) ref(from, to int) (*Ref, string) {
	ws := s.words(from, to)
	all := false
	edge := append([]word(nil), ws...)
	for len(edge) > 0 && s.isWord(edge[0], refEdge) {
		edge = edge[1:]
	}
	for len(edge) > 0 && s.isWord(edge[len(edge)-1], refEdge) {
		edge = edge[:len(edge)-1]
	}
	if text, _ := s.phrase(edge); allRe.MatchString(text) {
		all = true
	}
	for len(ws) > 0 && s.isWord(ws[0], refStop) {
		ws = ws[1:]
	}
	for len(ws) > 0 && s.isWord(ws[len(ws)-1], refStop) {
		ws = ws[:len(ws)-1]
	}
	// "all tasks", "everything": one task at a time.
	if all || len(ws) == 0 {
		if all {
			return nil, AskOneTask
		}
		return nil, AskTask
	}
	text, runs := s.phrase(ws)
	text = strings.TrimSuffix(strings.TrimSuffix(text, "'s"), "’s")
	if text == "" {
		return nil, AskTask
	}
	start := runs[0][0]
	if i := s.wordBefore(start); i >= 0 && s.isWord(word{start: i, end: start - 1}, refNoun) {
		start = i // "task 3": the span names the task the way the user did
	}
	s.spans = append(s.spans, Span{Start: start, End: runs[len(runs)-1][1], Kind: SpanRef})
	for _, w := range ws {
		s.consume(w.start, w.end, "")
	}
	if m := idRe.FindStringSubmatch(text); m != nil {
		id, err := strconv.ParseInt(m[1], 10, 64)
		if err == nil && id > 0 {
			return &Ref{ID: id}, ""
		}
	}
	if n, ok := numberWords[strings.ToLower(text)]; ok && len(text) > 2 { // "task three", not "a"
		return &Ref{ID: int64(n)}, ""
	}
	return &Ref{Title: text}, ""
}

// command reads complete, reopen and delete: the rest of the message names the task.
func (s *scan) command(k Kind) Intent {
	in := Intent{Kind: k}
	in.Ref, in.Question = s.ref(0, len(s.src))
	return in
}

// refFirst reads a message that starts with a task number: "task 3 done", "#3 tomorrow",
// "task 4 no due date", "task 2 high priority".
func (s *scan) refFirst(m []int) Intent {
	rest := strings.ToLower(strings.TrimSpace(string(s.seen[m[1]:])))
	rest = strings.TrimRight(rest, ".! ")
	kind := Kind("")
	switch {
	case refReopenRe.MatchString(rest):
		kind = Reopen
	case refDoneRe.MatchString(rest):
		kind = Complete
	case refDeleteRe.MatchString(rest):
		kind = Delete
	}
	if kind != "" {
		s.consume(m[1], len(s.src), "")
		in := Intent{Kind: kind}
		in.Ref, in.Question = s.ref(0, m[1])
		return in
	}
	in, _ := s.update(true)
	return in
}

// tryUpdate reads "move dentist to friday 3pm", "make task 2 high priority": a verb, a
// task and new values. Verbs that also start ordinary tasks ("make dinner reservations
// tomorrow", "move couch to the garage") are an update only when the rest names a task
// by number, says "task", or names a field.
func (s *scan) tryUpdate() (Intent, bool) {
	st := s.save()
	m := s.at(moveRe)
	strict := false
	if m == nil {
		m = s.at(setRe)
		strict = true
	}
	if m == nil {
		return Intent{}, false
	}
	rest := strings.ToLower(string(s.seen[m[3]:]))
	if strict && !updateCueRe.MatchString(rest) {
		return Intent{}, false
	}
	s.consume(m[2], m[3], "")
	in, changed := s.update(false)
	if !changed {
		s.restore(st)
		return Intent{}, false
	}
	return in, true
}

// update reads new values and, from what is left, the task. force: the message is an
// update whatever is found (it started with a task number or asked to clear the date).
func (s *scan) update(force bool) (Intent, bool) {
	in := Intent{Kind: Update}
	if m := s.find(clearDueRe); m != nil {
		s.consume(m[2], m[3], SpanDue)
		in.Task.ClearDue = true
	}
	s.slots(&in)
	f := &in.Task
	if f.Priority == nil {
		if m := s.find(bareLevelRe); m != nil && s.find(priorityWordRe) != nil {
			p := priorityOf(s.src[m[2]:m[3]])
			f.Priority = &p
			s.consume(m[2], m[3], SpanPriority)
			if pm := s.find(priorityWordRe); pm != nil {
				s.consume(pm[0], pm[1], SpanPriority)
			}
		}
	}
	changed := f.Due != nil || f.Priority != nil || f.Recurrence != nil || f.ClearDue || in.Reminder != nil
	if !changed && len(f.Tags) > 0 {
		in.Kind = Tag
		changed = true
	}
	in.Ref, in.Question = s.ref(0, len(s.src))
	if !changed && force && in.Question == "" {
		in.Question = AskChange
	}
	return in, changed
}

var (
	// bareLevelRe reads "to high" in "set the priority of task 2 to high".
	bareLevelRe    = pat(`(?:^|\W)(high|medium|normal|low|urgent)(?:$|\W)`, "high", "medium", "normal", "low", "urgent")
	priorityWordRe = pat(`\bpriority\b`, "priority")
	refReopenRe    = lazy(`^(?:is\s+)?(?:not\s+done|undone|incomplete|not\s+finished|reopen(?:ed)?)$`)
	refDoneRe      = lazy(`^(?:is\s+)?(?:done|complete|completed|finished|✓|✔|check(?:ed)?|off)$`)
	refDeleteRe    = lazy(`^(?:delete|remove|trash|drop)(?:\s+it)?$`)
	updateCueRe    = lazy(`\btask\b|\btodo\b|#\d|^\s*\d+\b|\bpriority\b|\bdue\b|\bdeadline\b`)
)

// rename reads "rename task 3 to buy oat milk": the new title is everything after the
// first " to " (quote a title that contains " to " in the task's name).
func (s *scan) rename(m []int) Intent {
	in := Intent{Kind: Update}
	s.consume(m[2], m[3], "")
	s.consume(m[6], m[7], "")
	ws := s.words(m[8], m[9])
	if title, runs := s.phrase(ws); title != "" {
		in.Task.Title = &title
		for _, r := range runs {
			s.spans = append(s.spans, Span{Start: r[0], End: r[1], Kind: SpanTitle})
		}
		for _, w := range ws {
			s.consume(w.start, w.end, "")
		}
	}
	in.Ref, in.Question = s.ref(m[4], m[5])
	if in.Task.Title == nil && in.Question == "" {
		in.Question = AskTitle
	}
	return in
}

// remind reads "remind me about task 3 30 minutes before", "remind me of the dentist at
// 8am". Without a time, Reminder is nil: the caller applies todo.DefaultBeforeDue.
// "set a reminder for tomorrow at 9 to call mom" is a new task.
func (s *scan) remind() Intent {
	in := Intent{Kind: Remind}
	if d, ok := s.offset(); ok {
		in.Reminder = &Reminder{Before: d}
	} else if h, ok := s.findDate(0, len(s.seen), dateOpts{}); ok {
		t := s.reminderTime(h, nil)
		in.Reminder = &Reminder{At: &t}
		s.consume(s.extendLeft(h.start), h.end, SpanReminder)
	}
	if ws := s.words(0, len(s.src)); len(ws) > 1 && s.isWord(ws[0], wordSet("to")) && in.Reminder != nil && in.Reminder.At != nil {
		s.consume(ws[0].start, ws[0].end, "")
		out := s.add(false)
		due := *in.Reminder.At
		out.Task.Due = &due
		out.Reminder = in.Reminder
		for i := range s.spans {
			if s.spans[i].Kind == SpanReminder {
				s.spans[i].Kind = SpanDue
			}
		}
		return out
	}
	in.Ref, in.Question = s.ref(0, len(s.src))
	return in
}

// tag reads "tag task 3 #work", "tag call mom with family and home".
func (s *scan) tag() Intent {
	in := Intent{Kind: Tag}
	in.Task.Tags = s.tags()
	if m := s.find(withTagsRe); m != nil {
		s.consume(m[2], m[3], "")
		in.Task.Tags = mergeTags(in.Task.Tags, s.plainTags(m[4], m[5]))
	}
	in.Ref, in.Question = s.ref(0, len(s.src))
	if len(in.Task.Tags) == 0 && in.Question == "" {
		in.Question = AskTag
	}
	return in
}

var (
	withTagsRe = pat(`(\s(?:with|as|under)\s+(?:the\s+)?(?:(?:tags?|labels?)\s+)?)((?:#?[\p{L}\p{M}\p{N}_-]+(?:\s*(?:,|and|&)\s*|\s*$))+)\s*$`, "with", "as", "under")
	plainTagRe = lazy(`#?([\p{L}\p{M}\p{N}_-]+)`)
)

// plainTags reads tag names written without '#' in [from, to) ("work, home and family").
func (s *scan) plainTags(from, to int) []string {
	var out []string
	for _, m := range plainTagRe.FindAllSubmatchIndex(s.seen[from:to], -1) {
		name := s.src[from+m[2] : from+m[3]]
		if strings.EqualFold(name, "and") || len([]rune(name)) > MaxTagLength {
			continue
		}
		out = append(out, name)
		s.consume(from+m[0], from+m[1], SpanTag)
	}
	return out
}

func mergeTags(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range append(append([]string(nil), a...), b...) {
		if k := strings.ToLower(n); !seen[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	return out
}
