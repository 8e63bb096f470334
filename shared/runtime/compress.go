package runtime

import (
	"net/http"

	"github.com/klauspost/compress/gzhttp"
)

// compressed types: the API's JSON, the docs page and calendar feeds. Server-sent events
// (the chat's stream) are not among them: a compressor would hold their deltas back.
var compressed = []string{"application/json", "application/problem+json", "application/openapi+json",
	"text/html", "text/plain", "text/calendar", "application/xml", "text/xml"}

// compress answers with gzip (or zstd) when the client accepts it and the body is worth
// it (1 KiB or more): a page of 200 tasks shrinks about tenfold.
func compress(h http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(gzhttp.ContentTypes(compressed), gzhttp.MinSize(gzhttp.DefaultMinSize))
	if err != nil {
		panic(err) // only for invalid options, fixed above
	}
	return wrap(h)
}
