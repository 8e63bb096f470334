package tool

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/google/jsonschema-go/jsonschema"
)

// OpenAITool is a tool in OpenAI's Chat Completions format.
type OpenAITool struct {
	Type     string         `json:"type"` // always "function"
	Function OpenAIFunction `json:"function"`
}

// OpenAIFunction is a function definition. Its parameters are the tool's input schema, or
// with strict, that schema rewritten to the subset OpenAI's strict mode accepts.
type OpenAIFunction struct {
	Name        string             `json:"name"`
	Description string             `json:"description"`
	Parameters  *jsonschema.Schema `json:"parameters"`
	Strict      bool               `json:"strict,omitempty"`
}

// OpenAITools returns the tools as OpenAI function definitions, in the registry's order.
func OpenAITools(strict bool) []OpenAITool {
	var out []OpenAITool
	for _, t := range All() {
		params := t.Input
		if strict {
			params = Strict(t.Input, t.strictRequired)
		}
		out = append(out, OpenAITool{Type: "function", Function: OpenAIFunction{
			Name: t.Name, Description: t.Description, Parameters: params, Strict: strict,
		}})
	}
	return out
}

// WriteOpenAI writes the OpenAI definitions as an indented JSON array.
func WriteOpenAI(w io.Writer, strict bool) error {
	return writeJSON(w, OpenAITools(strict), "OpenAI tool definitions")
}

func writeJSON(w io.Writer, v any, what string) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", what, err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Strict rewrites an input schema for OpenAI's strict mode, which constrains the model's
// output to the schema and so accepts only a subset of JSON Schema: every object closed
// (additionalProperties false) with every property required, optional properties nullable
// (they all take null already, which means what leaving them out means), and none of the
// keywords strict mode refuses (minLength, maxLength, pattern, format, minimum, maximum,
// minItems, maxItems, default). The bounds those keywords set are in the descriptions, and
// the tools check them anyway. keep are optional properties that the strict form requires
// non-null: update_task's fields, so that a model which must send every argument says which
// ones it means to change.
func Strict(s *jsonschema.Schema, keep []string) *jsonschema.Schema {
	return strict(s, keep)
}

func strict(s *jsonschema.Schema, keep []string) *jsonschema.Schema {
	if s == nil {
		return nil
	}
	out := &jsonschema.Schema{
		Type: s.Type, Types: slices.Clone(s.Types), Description: s.Description,
		Enum: slices.Clone(s.Enum), Const: s.Const,
	}
	if s.Items != nil {
		out.Items = strict(s.Items, nil)
	}
	for _, a := range s.AnyOf {
		out.AnyOf = append(out.AnyOf, strict(a, nil))
	}
	if s.Properties != nil {
		out.Properties = map[string]*jsonschema.Schema{}
		out.PropertyOrder = slices.Clone(s.PropertyOrder)
		out.AdditionalProperties = &jsonschema.Schema{Not: &jsonschema.Schema{}}
		for _, name := range s.PropertyOrder {
			ps := strict(s.Properties[name], nil)
			optional := !slices.Contains(s.Required, name)
			if optional && slices.Contains(keep, name) {
				ps = nonNull(ps)
			}
			out.Properties[name] = ps
			out.Required = append(out.Required, name)
		}
	}
	return out
}

// nonNull removes null from a schema's types and enum.
func nonNull(s *jsonschema.Schema) *jsonschema.Schema {
	s.Types = slices.DeleteFunc(s.Types, func(t string) bool { return t == "null" })
	if len(s.Types) == 1 {
		s.Type, s.Types = s.Types[0], nil
	}
	s.Enum = slices.DeleteFunc(s.Enum, func(v any) bool { return v == nil })
	if len(s.Enum) == 0 {
		s.Enum = nil
	}
	return s
}
