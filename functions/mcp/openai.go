package mcpserver

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/google/jsonschema-go/jsonschema"
)

// OpenAITool is a tool in OpenAI's Chat Completions format, so a chat backend can offer
// Taskline's tools to a model and pass the calls on (to /mcp, or to the HTTP API).
type OpenAITool struct {
	Type     string         `json:"type"` // always "function"
	Function OpenAIFunction `json:"function"`
}

// OpenAIFunction is a function definition: its parameters are exactly the MCP tool's
// input schema.
type OpenAIFunction struct {
	Name        string             `json:"name"`
	Description string             `json:"description"`
	Parameters  *jsonschema.Schema `json:"parameters"`
}

// OpenAITools returns the tools as OpenAI function definitions, in the MCP list's order.
func OpenAITools() []OpenAITool {
	var out []OpenAITool
	for _, t := range toolset() {
		out = append(out, OpenAITool{Type: "function", Function: OpenAIFunction{
			Name: t.def.Name, Description: t.def.Description, Parameters: t.def.InputSchema.(*jsonschema.Schema),
		}})
	}
	return out
}

// WriteOpenAI writes the OpenAI definitions as an indented JSON array.
func WriteOpenAI(w io.Writer) error {
	b, err := json.MarshalIndent(OpenAITools(), "", "  ")
	if err != nil {
		return fmt.Errorf("encoding OpenAI tool definitions: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteMCP writes the MCP tool definitions (as tools/list gives them) as an indented JSON
// array.
func WriteMCP(w io.Writer) error {
	b, err := json.MarshalIndent(Definitions(), "", "  ")
	if err != nil {
		return fmt.Errorf("encoding MCP tool definitions: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
