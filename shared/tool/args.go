package tool

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/taskline/taskline/shared/todo"
)

// decodeObject reads a tool's arguments as an object of raw values, checking that every
// argument exists and every required one is there (not null). Values are decoded one at a
// time by call.arg, so every error names the argument it is about; the values themselves
// are checked by the todo package afterwards, as they are for HTTP.
func decodeObject(raw json.RawMessage, schema *jsonschema.Schema) (map[string]json.RawMessage, error) {
	args := map[string]json.RawMessage{}
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &args); err != nil {
			return nil, todo.Errorf(todo.Invalid, "", "the arguments must be a JSON object")
		}
	}
	names := make([]string, 0, len(args))
	for name := range args {
		names = append(names, name)
	}
	slices.Sort(names) // report the same error for the same input
	for _, name := range names {
		if _, ok := schema.Properties[name]; !ok {
			return nil, todo.Errorf(todo.Invalid, name, "unknown argument %q; this tool takes %s", name, strings.Join(schema.PropertyOrder, ", "))
		}
	}
	for _, name := range schema.Required {
		if v, ok := args[name]; !ok || string(v) == "null" {
			return nil, todo.Errorf(todo.Invalid, name, "%s is required", name)
		}
	}
	return args, nil
}

// arg decodes the argument name into dst when it was sent; null decodes as JSON null does
// (a todo.Optional records it). It reports whether the argument was there.
func (c call) arg(name string, dst any) (bool, error) {
	v, ok := c.args[name]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(v, dst); err != nil {
		return true, todo.Errorf(todo.Invalid, name, "%s must be %s", name, kind(c.schema.Properties[name]))
	}
	return true, nil
}

// str decodes a string argument; absent and null both give "" (no filter, the default).
func (c call) str(name string) (string, error) {
	var v *string
	if _, err := c.arg(name, &v); err != nil || v == nil {
		return "", err
	}
	return *v, nil
}

// id decodes a required whole-number argument such as task_id.
func (c call) id(name string) (int64, error) {
	var n wholeNumber
	if _, err := c.arg(name, &n); err != nil {
		return 0, err
	}
	return int64(n), nil
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
