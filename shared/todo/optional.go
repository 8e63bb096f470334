package todo

import (
	"encoding/json"
	"reflect"
)

// Optional is a JSON field that may be absent, null, or set. PATCH bodies need all three:
// absent leaves a field alone, null clears it, a value sets it.
type Optional[T any] struct {
	Set   bool // the key was present
	Null  bool // its value was null
	Value T
}

// UnmarshalJSON is only called when the key is present.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// ElemType is T, for schema builders: an Optional field is never required and may be null.
func (Optional[T]) ElemType() reflect.Type { return reflect.TypeFor[T]() }

// Some returns a set Optional holding v.
func Some[T any](v T) Optional[T] { return Optional[T]{Set: true, Value: v} }

// Null returns an Optional that clears the field.
func Null[T any]() Optional[T] { return Optional[T]{Set: true, Null: true} }
