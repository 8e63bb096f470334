package openapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"
)

// Schema is a JSON Schema (2020-12, OpenAPI 3.1's dialect) as it is written out.
type Schema = map[string]any

// Describer is a type that gives its own schema: enums, and types whose JSON is not their
// Go shape (todo.Priority is a number in Go and a name in JSON).
type Describer interface {
	JSONSchema() Schema
}

// Optional is a field that may be absent or null besides holding a value (todo.Optional):
// it is never required and always nullable, with the schema of its value.
type Optional interface {
	ElemType() reflect.Type
}

var (
	describer = reflect.TypeFor[Describer]()
	optional  = reflect.TypeFor[Optional]()
	timeType  = reflect.TypeFor[time.Time]()
	rawJSON   = reflect.TypeFor[json.RawMessage]()
)

// Schemas derives schemas from Go types, collecting named structs as components that the
// schemas refer to. Request bodies are read strictly (unknown fields are errors), so their
// objects are closed; responses are closed too, so a field the code adds without
// documenting it fails the live-response tests.
type Schemas struct {
	Components map[string]Schema
	// Fields adds keywords to a struct field's schema, by "Type.field" (the JSON name):
	// rules a Go type cannot say, such as a pattern from a constant.
	Fields map[string]Schema
	names  map[reflect.Type]string
}

// NewSchemas starts an empty set of components.
func NewSchemas() *Schemas {
	return &Schemas{Components: map[string]Schema{}, names: map[reflect.Type]string{}}
}

// Of is the schema of v's type: a $ref for a named struct, inline otherwise. input marks a
// request body, whose required fields are those a client must send (not pointers, slices,
// optionals or omitempty); in a response every field without omitempty is always there.
func (s *Schemas) Of(v any, input bool) Schema {
	return s.schema(reflect.TypeOf(v), input)
}

func (s *Schemas) schema(t reflect.Type, input bool) Schema {
	if t.Kind() == reflect.Pointer {
		return Nullable(s.schema(t.Elem(), input))
	}
	if t.Implements(describer) {
		return reflect.Zero(t).Interface().(Describer).JSONSchema()
	}
	if t.Implements(optional) {
		return Nullable(s.schema(reflect.Zero(t).Interface().(Optional).ElemType(), input))
	}
	switch t {
	case timeType:
		return Schema{"type": "string", "format": "date-time"}
	case rawJSON:
		return Schema{}
	}
	switch t.Kind() {
	case reflect.String:
		return Schema{"type": "string"}
	case reflect.Bool:
		return Schema{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return Schema{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return Schema{"type": "number"}
	case reflect.Slice, reflect.Array:
		return Schema{"type": "array", "items": s.schema(t.Elem(), input)}
	case reflect.Map:
		return Schema{"type": "object", "additionalProperties": s.schema(t.Elem(), input)}
	case reflect.Interface:
		return Schema{}
	case reflect.Struct:
		if t.Name() == "" {
			return s.object(t, input)
		}
		name, ok := s.names[t]
		if !ok {
			name = t.Name()
			if _, taken := s.Components[name]; taken {
				name += "Input"
			}
			s.names[t] = name
			s.Components[name] = Schema{} // placeholder: types may refer to themselves
			s.Components[name] = s.object(t, input)
		}
		return Schema{"$ref": "#/components/schemas/" + name}
	}
	panic("openapi: no schema for " + t.String())
}

// object is a struct's schema with encoding/json's rules: json tags, "-" skipped,
// embedded structs' fields promoted.
func (s *Schemas) object(t reflect.Type, input bool) Schema {
	props := Schema{}
	var required []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || !f.IsExported() && !f.Anonymous {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				walk(f.Type)
				continue
			}
			if name == "" {
				name = f.Name
			}
			p := s.schema(f.Type, input)
			if d := f.Tag.Get("jsonschema"); d != "" {
				p = with(p, Schema{"description": d})
			}
			if extra, ok := s.Fields[t.Name()+"."+name]; ok {
				p = with(p, extra)
			}
			props[name] = p
			omit := strings.Contains(opts, "omitempty")
			if input {
				k := f.Type.Kind()
				omit = omit || k == reflect.Pointer || k == reflect.Slice || k == reflect.Map || f.Type.Implements(optional)
			}
			if !omit {
				required = append(required, name)
			}
		}
	}
	walk(t)
	o := Schema{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

// with is s with more keywords.
func with(s, more Schema) Schema {
	out := Schema{}
	for k, v := range s {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// Nullable is s that also accepts null.
func Nullable(s Schema) Schema {
	out := Schema{}
	for k, v := range s {
		out[k] = v
	}
	switch t := s["type"].(type) {
	case string:
		out["type"] = []any{t, "null"}
		if e, ok := s["enum"].([]any); ok {
			out["enum"] = append(append([]any{}, e...), nil)
		}
		return out
	case []any:
		for _, x := range t {
			if x == "null" {
				return out
			}
		}
		out["type"] = append(append([]any{}, t...), "null")
		return out
	}
	return Schema{"anyOf": []any{s, Schema{"type": "null"}}}
}

// Enum is a string schema taking one of values.
func Enum[T ~string](values ...T) Schema {
	e := make([]any, len(values))
	for i, v := range values {
		e[i] = string(v)
	}
	return Schema{"type": "string", "enum": e}
}
