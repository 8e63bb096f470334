package runtime

import (
	"net/http"

	"github.com/klauspost/compress/gzhttp"
)

// Compress answers with gzip (or zstd) when the client accepts it and the body is worth
// it (1 KiB or more): a page of 200 tasks shrinks about tenfold, the web app's script
// about threefold.
func Compress(h http.Handler) http.Handler {
	// Every type but those already compressed (gzhttp's default) and server-sent events (the
	// chat's stream), which a compressor would hold back.
	wrap, err := gzhttp.NewWrapper(gzhttp.ExceptContentTypes([]string{"text/event-stream"}), gzhttp.MinSize(gzhttp.DefaultMinSize))
	if err != nil {
		panic(err) // only for invalid options, fixed above
	}
	return wrap(h)
}
