package intent

import (
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// scan is one message being read. Every extractor matches against seen, a copy of the text
// in which what was already understood (and quoted text) is blanked with spaces, so byte
// offsets stay those of the original text and nothing is read twice.
type scan struct {
	src   string
	seen  []byte
	lower []byte  // seen, ASCII-lowercased: what patterns' keys are looked up in
	used  []uint8 // per byte: free, or why it is not part of the title (see mark*)
	spans []Span
	now   time.Time // in loc
	loc   *time.Location
}

func newScan(text string, now time.Time, loc *time.Location) *scan {
	s := &scan{src: text, seen: []byte(text), used: make([]uint8, len(text)), now: now.In(loc), loc: loc}
	s.protectQuotes()
	s.lower = asciiLower(s.seen)
	return s
}

// str is the text still to be read.
func (s *scan) str() string { return string(s.seen) }

// Why a byte is not part of the title.
const (
	markFree  uint8 = iota
	markUsed        // understood: a slot or command words
	markQuote       // a quotation mark around literal text
)

// consume marks [start, end) as understood. A non-empty kind records a span for the preview.
func (s *scan) consume(start, end int, kind string) {
	s.mark(start, end, markUsed)
	if kind != "" && start < end {
		s.spans = append(s.spans, Span{Start: start, End: end, Kind: kind})
	}
}

func (s *scan) mark(start, end int, how uint8) {
	start, end = max(start, 0), min(end, len(s.src))
	for i := start; i < end; i++ {
		s.seen[i] = ' '
		s.used[i] = how
		if s.lower != nil {
			s.lower[i] = ' '
		}
	}
}

// quoteRe finds a quoted stretch: its inside is taken literally (a title that contains
// "tomorrow" or "#1" can be written in quotes).
var quoteRe = lazy(`"[^"]*"|“[^”]*”`)

func (s *scan) protectQuotes() {
	for _, m := range quoteRe.FindAllIndex(s.seen, -1) {
		_, ql := utf8.DecodeRuneInString(s.src[m[0]:])
		_, qr := utf8.DecodeLastRuneInString(s.src[:m[1]])
		for i := m[0]; i < m[1]; i++ {
			// Extractors see one opaque word (so "rename "go to bank" to ..." keeps the
			// quoted name together); the title reads the original text.
			s.seen[i] = '_'
		}
		for i := m[0]; i < m[0]+ql; i++ {
			s.used[i] = markQuote
		}
		for i := m[1] - qr; i < m[1]; i++ {
			s.used[i] = markQuote
		}
	}
}

// sortedSpans returns the spans in text order.
func (s *scan) sortedSpans() []Span {
	sort.SliceStable(s.spans, func(i, j int) bool { return s.spans[i].Start < s.spans[j].Start })
	return s.spans
}

// word is a run of text not yet understood, between spaces or understood parts.
type word struct {
	start, end int
	// gapAfter: an understood part (a date, a tag...) follows before the next word.
	gapAfter bool
}

// words lists the words of [from, to) not yet understood. Quoted text counts as read
// literally: its words are returned though extractors never saw them.
func (s *scan) words(from, to int) []word {
	var ws []word
	i := from
	for i < to {
		r, n := utf8.DecodeRuneInString(s.src[i:])
		if s.used[i] != markFree {
			if len(ws) > 0 && s.used[i] == markUsed {
				ws[len(ws)-1].gapAfter = true
			}
			i += n
			continue
		}
		if unicode.IsSpace(r) {
			i += n
			continue
		}
		j := i
		for j < to && s.used[j] == markFree {
			r, n := utf8.DecodeRuneInString(s.src[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += n
		}
		ws = append(ws, word{start: i, end: j})
		i = j
	}
	return ws
}

// edgePunct is what is trimmed from the ends of a title or a reference.
const edgePunct = ",;:-–—.!?()[]{}&+/|"

// text is the word as written.
func (s *scan) text(w word) string { return s.src[w.start:w.end] }

// phrase joins words with single spaces, trims punctuation at both ends and returns the text
// and the spans of its runs (consecutive words form one span).
func (s *scan) phrase(ws []word) (string, [][2]int) {
	if len(ws) == 0 {
		return "", nil
	}
	// Trim edge punctuation from the first and last word, dropping words that were only that.
	for len(ws) > 0 {
		first := &ws[0]
		t := strings.TrimLeft(s.text(*first), edgePunct)
		first.start = first.end - len(t)
		if t != "" {
			break
		}
		ws = ws[1:]
	}
	for len(ws) > 0 {
		last := &ws[len(ws)-1]
		t := strings.TrimRight(s.text(*last), edgePunct)
		last.end = last.start + len(t)
		if t != "" {
			break
		}
		ws = ws[:len(ws)-1]
	}
	if len(ws) == 0 {
		return "", nil
	}
	var b strings.Builder
	var runs [][2]int
	for i, w := range ws {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s.text(w))
		if i > 0 && !ws[i-1].gapAfter && s.onlySpace(ws[i-1].end, w.start) {
			runs[len(runs)-1][1] = w.end
		} else {
			runs = append(runs, [2]int{w.start, w.end})
		}
	}
	return b.String(), runs
}

func (s *scan) onlySpace(from, to int) bool {
	for i := from; i < to; i++ {
		if s.used[i] != markFree || s.src[i] > ' ' {
			return false
		}
	}
	return true
}

// isWord reports whether w, without edge punctuation, is one of set (case-insensitive).
func (s *scan) isWord(w word, set map[string]bool) bool {
	return set[strings.ToLower(strings.Trim(s.text(w), edgePunct))]
}

func wordSet(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// wordBefore is the start of the free word that ends right before the space at
// start-1, or -1.
func (s *scan) wordBefore(start int) int {
	i := start - 1
	if i < 1 || s.src[i] != ' ' || s.used[i-1] != markFree {
		return -1
	}
	j := i
	for j > 0 && s.used[j-1] == markFree && s.src[j-1] != ' ' {
		j--
	}
	if j == i {
		return -1
	}
	return j
}
