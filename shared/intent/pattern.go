package intent

import (
	"bytes"
)

// pattern is a case-insensitive regular expression with the words it cannot match
// without. Go's regexp takes microseconds on a sentence even when nothing matches, and most
// messages contain none of a pattern's words, so a substring check skips most runs; that
// keeps a parse well under a millisecond.
type pattern struct {
	re   *lazyRegexp
	keys [][]byte // lowercase ASCII; nil: always run
}

func pat(expr string, ks ...string) pattern {
	return pattern{re: lazy("(?i)" + expr), keys: keys(ks...)}
}

// possible reports whether lower (ASCII-lowercased text) contains one of the keys.
func possible(keys [][]byte, lower []byte) bool {
	if keys == nil {
		return true
	}
	for _, k := range keys {
		if bytes.Contains(lower, k) {
			return true
		}
	}
	return false
}

// find is the first match of p in the text still to be read, as submatch offsets.
func (s *scan) find(p pattern) []int { return s.findFrom(p, 0) }

// findFrom is find on the text from off on; offsets are relative to off.
func (s *scan) findFrom(p pattern, off int) []int {
	if !possible(p.keys, s.lower[off:]) {
		return nil
	}
	return p.re.FindSubmatchIndex(s.seen[off:])
}

// findAll is every match of p in the text still to be read.
func (s *scan) findAll(p pattern) [][]int {
	if !possible(p.keys, s.lower) {
		return nil
	}
	return p.re.FindAllSubmatchIndex(s.seen, -1)
}

// asciiLower lowercases A-Z only, so offsets stay those of the text.
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}
