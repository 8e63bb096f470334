package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/taskline/taskline/shared/openapi/reference"
	"github.com/taskline/taskline/shared/runtime"
	"github.com/taskline/taskline/web"
)

// mountDocs serves GET /openapi.json (the OpenAPI 3.1 document of every route mounted with
// d) and GET /docs (the same as a page to read), without auth. Both are built on the first
// request, when every function has mounted its routes.
func mountDocs(mux *http.ServeMux, d *runtime.Deps) {
	doc := func() ([]byte, error) { return runtime.Document(d) }
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		b, err := doc()
		if err != nil {
			d.Errors.Write(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	})
	mux.HandleFunc("GET /docs", func(w http.ResponseWriter, r *http.Request) {
		b, err := doc()
		if err == nil {
			b, err = reference.HTML(b)
		}
		if err != nil {
			d.Errors.Write(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", reference.ContentSecurityPolicy)
		w.Write(b)
	})
}

// writeOpenAPI is `taskline openapi [--html]`: the document (or its page) of every route
// the binary serves, printed without a database; `make openapi` writes it into web/public,
// where the web function serves it and the app's TypeScript types are generated from it.
func writeOpenAPI(args []string, out io.Writer) error {
	d := runtime.NewDeps(runtime.Config{Name: "taskline"}, slog.New(slog.DiscardHandler), nil, nil)
	newHandler(d, web.Config{}, nil)
	b, err := runtime.Document(d)
	if err != nil {
		return err
	}
	switch {
	case len(args) == 1 && args[0] == "--html":
		if b, err = reference.HTML(b); err != nil {
			return err
		}
	case len(args) > 0:
		return fmt.Errorf("usage: taskline openapi [--html]")
	}
	_, err = out.Write(b)
	return err
}
