// Package todo is the domain: tasks, tags, reminders, their rules and their errors. It knows
// nothing of HTTP, SQL or events; every transport and the store speak it.
package todo

import (
	"errors"
	"fmt"
)

// Code classifies an error so each transport can map it once: HTTP status, Dapr
// DROP or RETRY, MCP tool error, Lambda batch failure.
type Code string

// The codes. Anything without a code is internal.
const (
	Invalid       Code = "invalid"            // malformed or out-of-range input: 400
	Unprocessable Code = "unprocessable"      // well-formed input that breaks a rule: 422
	NotFound      Code = "not_found"          // absent, or another user's: 404
	Conflict      Code = "conflict"           // clashes with existing data: 409
	Unauthorized  Code = "unauthorized"       // no or bad credentials: 401
	Forbidden     Code = "forbidden"          // credentials for someone else: 403
	Internal      Code = "internal"           // our fault: 500, message never shown
	TooLarge      Code = "too_large"          // request body over the limit: 413
	NotAllowed    Code = "method_not_allowed" // no such method on an existing path: 405
	Unavailable   Code = "unavailable"        // a dependency (the database) is down: 503, try again
)

// JSONSchema lists the codes, for API documents.
func (Code) JSONSchema() map[string]any {
	return map[string]any{"type": "string", "enum": []any{string(Invalid), string(Unprocessable), string(NotFound), string(Conflict),
		string(Unauthorized), string(Forbidden), string(Internal), string(TooLarge), string(NotAllowed), string(Unavailable)}}
}

// Error is a domain error a caller may see: a code, a message fit for a user, and the
// field (JSON name, or query parameter) it is about.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Field, e.Message, e.Code)
	}
	return fmt.Sprintf("%s (%s)", e.Message, e.Code)
}

// Errorf builds an Error about field.
func Errorf(code Code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, Internal when err carries none.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// AsError returns the domain error inside err, or nil when it has none (an internal error).
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// NotFoundf is the error for something absent or not the caller's: the two must look alike.
func NotFoundf(what string, id int64) *Error {
	return &Error{Code: NotFound, Field: "id", Message: fmt.Sprintf("%s %d not found", what, id)}
}
