package runtime

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/openapi"
	"github.com/taskline/taskline/shared/postgres"
	"github.com/taskline/taskline/shared/todo"
)

// MaxBody bounds a request body; the largest valid task is a few kilobytes.
const MaxBody = 1 << 20

var statusOf = map[todo.Code]int{
	todo.Invalid:       http.StatusBadRequest,
	todo.Unprocessable: http.StatusUnprocessableEntity,
	todo.NotFound:      http.StatusNotFound,
	todo.Conflict:      http.StatusConflict,
	todo.Unauthorized:  http.StatusUnauthorized,
	todo.Forbidden:     http.StatusForbidden,
	todo.TooLarge:      http.StatusRequestEntityTooLarge,
	todo.NotAllowed:    http.StatusMethodNotAllowed,
	todo.Unavailable:   http.StatusServiceUnavailable,
}

// RetryAfter is the Retry-After (seconds) of a 503: the database is usually back, or a
// pool connection re-established, within a second or two.
const RetryAfter = "2"

// HTTPStatus maps an error's code to its HTTP status: the one place this happens.
func HTTPStatus(err error) int {
	if postgres.IsUnavailable(err) && todo.AsError(err) == nil {
		return http.StatusServiceUnavailable
	}
	if s, ok := statusOf[todo.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// WriteJSON answers with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// ErrorBody is the JSON of every error answer: the API's own envelope, and the same message
// again as a top-level detail string, the shape FastAPI answers with, which the seed's web
// client reads. Both are always there, so no client needs its own code path.
type ErrorBody struct {
	Error  *todo.Error `json:"error"`
	Detail string      `json:"detail"`
}

// ErrorWriter writes errors as an ErrorBody. Internal errors are logged with the request and
// answered with a message that reveals nothing.
type ErrorWriter struct{ Log *slog.Logger }

// Write answers err.
func (ew ErrorWriter) Write(w http.ResponseWriter, r *http.Request, err error) {
	e := todo.AsError(err)
	if e == nil && postgres.IsUnavailable(err) {
		ew.Log.WarnContext(r.Context(), "database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		e = &todo.Error{Code: todo.Unavailable, Message: "the service is briefly unavailable; try again in a few seconds"}
		err = e
	}
	if e != nil && e.Code == todo.Unavailable {
		w.Header().Set("Retry-After", RetryAfter)
	}
	if e == nil {
		ew.Log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		e = &todo.Error{Code: todo.Internal, Message: "something went wrong on our side; try again"}
	}
	WriteJSON(w, HTTPStatus(err), ErrorBody{Error: e, Detail: e.Message})
}

// JSON is the usual shape of an API handler: f gets the request and the authenticated user
// and returns what to answer with status, or an error. A nil value answers with no body
// (204).
func (ew ErrorWriter) JSON(status int, f func(r *http.Request, user string) (any, error)) http.Handler {
	return ew.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		v, err := f(r, auth.UserID(r.Context()))
		if err != nil {
			return err
		}
		if v == nil {
			w.WriteHeader(status)
			return nil
		}
		WriteJSON(w, status, v)
		return nil
	})
}

// Body decodes the request's JSON body into a new T (see DecodeJSON).
func Body[T any](r *http.Request) (T, error) {
	var v T
	err := DecodeJSON(nil, r, &v)
	return v, err
}

// DecodeJSON reads a JSON body into v strictly: unknown fields, wrong types, trailing data
// and oversized bodies are errors that name the field.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	// The Content-Type is not checked: curl -d sends form encoding by default, and the body
	// either parses as JSON or is refused below.
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err)
	}
	if dec.More() {
		return todo.Errorf(todo.Invalid, "", "the body must hold one JSON object")
	}
	return CheckStrings(v)
}

// CheckStrings walks a decoded value and refuses any string in it that Postgres cannot
// store (a NUL character; see todo.CheckText), naming the JSON field: such input is a 400,
// whatever the handler does with the field next.
func CheckStrings(v any) error {
	return checkStrings(reflect.ValueOf(v), "")
}

func checkStrings(v reflect.Value, field string) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return checkStrings(v.Elem(), field)
	case reflect.String:
		return todo.CheckText(field, v.String())
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // raw JSON or bytes: checked where decoded
		}
		for i := range v.Len() {
			if err := checkStrings(v.Index(i), field); err != nil {
				return err
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if it.Key().Kind() == reflect.String {
				if err := todo.CheckText(field, it.Key().String()); err != nil {
					return err
				}
			}
			if err := checkStrings(it.Value(), field); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := field
			if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag != "" && tag != "-" {
				name = tag
			} else if !f.Anonymous && name == "" {
				name = f.Name
			}
			if err := checkStrings(v.Field(i), name); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckQuery refuses a query string that does not parse (a bad percent-escape, which
// url.Values would silently drop) or that carries text Postgres cannot store: a 400
// naming the parameter, never a filter quietly ignored or a 500.
func CheckQuery(raw string) error {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return todo.Errorf(todo.Invalid, "query", "the query string does not parse: %v", err)
	}
	for k, vs := range q {
		if err := todo.CheckText(k, k); err != nil {
			return todo.Errorf(todo.Invalid, "query", "a query parameter name is not text")
		}
		for _, v := range vs {
			if err := todo.CheckText(k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func bodyError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var me *http.MaxBytesError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return todo.Errorf(todo.Invalid, "", "the body must be a JSON object")
		}
		return todo.Errorf(todo.Invalid, field, "%s must be %s", field, jsonKind(te.Type.Kind().String()))
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return todo.Errorf(todo.Invalid, "", "the body is not valid JSON")
	case errors.Is(err, io.EOF):
		return todo.Errorf(todo.Invalid, "", "the body is empty; send a JSON object")
	case errors.As(err, &me):
		return todo.Errorf(todo.TooLarge, "", "the body is larger than %d bytes", MaxBody)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return todo.Errorf(todo.Invalid, field, "unknown field %q", field)
	}
	return todo.Errorf(todo.Invalid, "", "the body could not be read: %v", err)
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint64", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "slice":
		return "a list"
	case "struct", "map":
		return "an object"
	}
	return "of another type"
}

// PathID reads a positive integer path value; anything else names nothing that exists.
func PathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, todo.Errorf(todo.NotFound, name, "%s %q not found", name, r.PathValue(name))
	}
	return id, nil
}

// Route is one HTTP endpoint of a function: a net/http pattern with method and wildcards,
// e.g. "POST /api/{user_id}/tasks".
type Route struct {
	Pattern string
	Handler http.Handler
	// Public routes skip authentication (health, CloudEvents and Dapr deliveries).
	Public bool
	// Doc describes the route in GET /openapi.json (see openapi.Operation). Every route under /api/ needs
	// one: a test of the local binary fails on a mounted API route without it.
	Doc *openapi.Operation
}

// HandlerFunc adapts a function that returns an error to an http.Handler; the error is
// written by ew.
func (ew ErrorWriter) HandlerFunc(f func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			ew.Write(w, r, err)
		}
	})
}
