package intent

import (
	"regexp"
	"sync"
)

// lazyRegexp is a regular expression compiled on its first use. The parser has about
// sixty; compiling them at package init cost about 10 ms of every start of a function that
// links the parser (create-task does, for quick add), whether or not it ever parses text.
type lazyRegexp struct {
	expr string
	get  func() *regexp.Regexp
}

func lazy(expr string) *lazyRegexp {
	return &lazyRegexp{expr: expr, get: sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })}
}

func (l *lazyRegexp) Match(b []byte) bool              { return l.get().Match(b) }
func (l *lazyRegexp) MatchString(s string) bool        { return l.get().MatchString(s) }
func (l *lazyRegexp) FindSubmatchIndex(b []byte) []int { return l.get().FindSubmatchIndex(b) }
func (l *lazyRegexp) FindStringSubmatch(s string) []string {
	return l.get().FindStringSubmatch(s)
}
func (l *lazyRegexp) FindAllIndex(b []byte, n int) [][]int { return l.get().FindAllIndex(b, n) }
func (l *lazyRegexp) FindAllSubmatchIndex(b []byte, n int) [][]int {
	return l.get().FindAllSubmatchIndex(b, n)
}
