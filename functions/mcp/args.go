package mcpserver

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/taskline/taskline/shared/todo"
)

// decodeArgs reads a tool's arguments into dst (argument name -> pointer), one argument at
// a time so every error names the argument it is about. The schema says which arguments
// exist, which are required and, for messages, what type each one is; the values
// themselves are checked by the todo package afterwards, as they are for HTTP.
func decodeArgs(raw json.RawMessage, schema *jsonschema.Schema, dst map[string]any) error {
	args := map[string]json.RawMessage{}
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &args); err != nil {
			return todo.Errorf(todo.Invalid, "", "the arguments must be a JSON object")
		}
	}
	names := make([]string, 0, len(args))
	for name := range args {
		names = append(names, name)
	}
	slices.Sort(names) // report the same error for the same input
	for _, name := range names {
		if _, ok := schema.Properties[name]; !ok {
			return todo.Errorf(todo.Invalid, name, "unknown argument %q; this tool takes %s", name, strings.Join(schema.PropertyOrder, ", "))
		}
	}
	for _, name := range schema.Required {
		if v, ok := args[name]; !ok || string(v) == "null" {
			return todo.Errorf(todo.Invalid, name, "%s is required", name)
		}
	}
	for _, name := range names {
		if err := json.Unmarshal(args[name], dst[name]); err != nil {
			return todo.Errorf(todo.Invalid, name, "%s must be %s", name, kind(schema.Properties[name]))
		}
	}
	return nil
}

// kind describes a schema's type for an error message: "a string", "a list of strings".
func kind(s *jsonschema.Schema) string {
	types := s.Types
	if s.Type != "" {
		types = []string{s.Type}
	}
	var parts []string
	for _, t := range types {
		switch t {
		case "string":
			parts = append(parts, "a string")
		case "integer":
			parts = append(parts, "a whole number")
		case "array":
			parts = append(parts, "a list of "+strings.TrimPrefix(kind(s.Items), "a ")+"s")
		case "null":
			parts = append(parts, "null")
		default:
			parts = append(parts, "a "+t)
		}
	}
	return strings.Join(parts, " or ")
}

// wholeNumber is an integer argument. Models sometimes write 3 as 3.0; that is still 3.
type wholeNumber int64

// UnmarshalJSON accepts a JSON number with no fractional part.
func (n *wholeNumber) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var f json.Number
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	if i, err := f.Int64(); err == nil {
		*n = wholeNumber(i)
		return nil
	}
	x, err := f.Float64()
	if err != nil || x != math.Trunc(x) || math.Abs(x) > 1<<53 {
		return strconv.ErrSyntax
	}
	*n = wholeNumber(x)
	return nil
}

// argNames maps the HTTP API's field names, which the todo package's errors use, to the
// tool arguments that carry them.
var argNames = map[string]string{
	"recurrence_pattern": "recurrence",
	"tag_ids":            "tags",
	"id":                 "task_id",
}

// asToolError renames the field of a domain error after the tool argument, and the HTTP
// names the message mentions, so a model can correct the argument it sent.
func asToolError(e *todo.Error) *todo.Error {
	out := *e
	if name, ok := argNames[e.Field]; ok {
		out.Field = name
	}
	for from, to := range argNames {
		if len(from) > 2 { // "id" is too common a word to rewrite in prose
			out.Message = strings.ReplaceAll(out.Message, from, to)
		}
	}
	return &out
}
