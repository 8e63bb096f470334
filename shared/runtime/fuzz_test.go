package runtime_test

import (
	"net/url"
	"testing"
	"unicode/utf8"

	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/shared/todo"
)

// FuzzCheckQuery: a query string either parses into text Postgres can store, or is a 400.
func FuzzCheckQuery(f *testing.F) {
	for _, s := range []string{"status=pending&tags=a,b", "q=%zz", "q=100%", "q=a%00b", "search=caf%C3%A9", "a=%ff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		err := runtime.CheckQuery(raw)
		if err != nil {
			if todo.ErrorCode(err) != todo.Invalid {
				t.Fatalf("%q: %v", raw, err)
			}
			return
		}
		q, _ := url.ParseQuery(raw)
		for k, vs := range q {
			for _, v := range append(vs, k) {
				if !utf8.ValidString(v) {
					t.Fatalf("%q passed with %q", raw, v)
				}
			}
		}
	})
}
