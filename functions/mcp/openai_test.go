package mcpserver_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/taskline/taskline/shared/tool"
)

// metaSchema is JSON Schema draft 2020-12's own schema, loaded from testdata.
func metaSchema(t *testing.T) *jsonschema.Resolved {
	t.Helper()
	const prefix = "https://json-schema.org/draft/2020-12/"
	load := func(name string) (*jsonschema.Schema, error) {
		b, err := os.ReadFile(filepath.Join("testdata", "json-schema-2020-12", filepath.FromSlash(name)+".json"))
		if err != nil {
			return nil, err
		}
		var s jsonschema.Schema
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("parsing meta-schema %s: %w", name, err)
		}
		return &s, nil
	}
	root, err := load("schema")
	if err != nil {
		t.Fatal(err)
	}
	r, err := root.Resolve(&jsonschema.ResolveOptions{Loader: func(u *url.URL) (*jsonschema.Schema, error) {
		name, ok := strings.CutPrefix(u.String(), prefix)
		if !ok {
			return nil, fmt.Errorf("no offline copy of %s", u)
		}
		return load(name)
	}})
	if err != nil {
		t.Fatalf("resolving the meta-schema: %v", err)
	}
	return r
}

func TestOpenAIDefinitionsAreValidJSONSchemaMatchingMCP(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := tool.WriteOpenAI(&buf, false); err != nil {
		t.Fatal(err)
	}
	// Read the export as a chat backend would: plain JSON, no Go types.
	var defs []struct {
		Type     string `json:"type"`
		Function struct {
			Name        string         `json:"name"`
			Description string         `json:"description"`
			Parameters  map[string]any `json:"parameters"`
		} `json:"function"`
	}
	if err := json.Unmarshal(buf.Bytes(), &defs); err != nil {
		t.Fatalf("the export is not JSON: %v\n%s", err, buf.Bytes())
	}

	meta := metaSchema(t)
	// The meta-schema must be able to fail, or passing it proves nothing.
	if err := meta.Validate(map[string]any{"type": "strnig"}); err == nil {
		t.Fatal("the meta-schema accepts type \"strnig\"")
	}
	if err := meta.Validate(map[string]any{"type": "object", "required": "title"}); err == nil {
		t.Fatal("the meta-schema accepts required: \"title\"")
	}

	api := newAPI(t)
	tools := inMemory(t, api.Store, "ann").tools()
	mcpTools := map[string]map[string]any{}
	mcpDesc := map[string]string{}
	for _, tool := range tools {
		mcpTools[tool.Name] = remarshal[map[string]any](t, tool.InputSchema)
		mcpDesc[tool.Name] = tool.Description
	}
	if len(defs) != len(tools) {
		t.Fatalf("%d OpenAI definitions for %d MCP tools", len(defs), len(tools))
	}
	for _, d := range defs {
		f := d.Function
		if d.Type != "function" || f.Name == "" || f.Description == "" {
			t.Errorf("definition %+v: want type function with a name and description", d)
		}
		if err := meta.Validate(f.Parameters); err != nil {
			t.Errorf("%s: parameters are not valid JSON Schema: %v", f.Name, err)
		}
		if f.Parameters["type"] != "object" {
			t.Errorf("%s: parameters type %v, want object", f.Name, f.Parameters["type"])
		}
		want, ok := mcpTools[f.Name]
		if !ok {
			t.Errorf("%s is exported to OpenAI but not offered over MCP", f.Name)
			continue
		}
		if !reflect.DeepEqual(f.Parameters, want) {
			got, _ := json.Marshal(f.Parameters)
			w, _ := json.Marshal(want)
			t.Errorf("%s: OpenAI parameters differ from the MCP input schema:\n%s\n%s", f.Name, got, w)
		}
		if f.Description != mcpDesc[f.Name] {
			t.Errorf("%s: descriptions differ", f.Name)
		}
	}

	// The MCP output schemas are valid JSON Schema too.
	for _, tool := range tools {
		if err := meta.Validate(remarshal[map[string]any](t, tool.OutputSchema)); err != nil {
			t.Errorf("%s: output schema is not valid JSON Schema: %v", tool.Name, err)
		}
		if err := meta.Validate(remarshal[map[string]any](t, tool.InputSchema)); err != nil {
			t.Errorf("%s: input schema is not valid JSON Schema: %v", tool.Name, err)
		}
	}
}

// Arguments a model would send are accepted by the exported schema, and ones the schema
// rules out are refused by it: the schema describes what the tools take.
func TestOpenAIParametersDescribeTheArguments(t *testing.T) {
	t.Parallel()
	params := map[string]*jsonschema.Schema{}
	for _, d := range tool.OpenAITools(false) {
		params[d.Function.Name] = d.Function.Parameters
	}
	tests := []struct {
		tool string
		args string
		ok   bool
	}{
		{"add_task", `{"title":"Buy milk","priority":"high","due_date":"2030-01-01T09:00:00Z","recurrence_pattern":"weekly","recurrence_end_date":"2030-06-30","tags":["home"]}`, true},
		{"add_task", `{"title":"Buy milk","recurrence":"weekly"}`, false},
		{"add_task", `{"description":"no title"}`, false},
		{"add_task", `{"title":"a","priority":"urgent"}`, false},
		{"add_task", `{"title":"a","recurrence_pattern":null,"priority":null,"tags":null}`, true},
		{"add_task", `{"title":null}`, false},
		{"add_task", `{"title":"a","user_id":"bob"}`, false},
		{"update_task", `{"task_id":3,"due_date":null,"recurrence_pattern":null,"recurrence_end_date":null}`, true},
		{"update_task", `{"task_id":3,"fields":["due_date"],"due_date":null,"title":null}`, true},
		{"update_task", `{"task_id":3,"fields":["user_id"]}`, false},
		{"reopen_task", `{"task_id":3}`, true},
		{"delete_reminder", `{"reminder_id":3}`, true},
		{"delete_reminder", `{"task_id":3}`, false},
		{"update_task", `{"task_id":0}`, false},
		{"list_tasks", `{}`, true},
		{"list_tasks", `{"status":"pending","priority":"low","tags":["a","b"],"sort":"due_date","order":"desc","limit":20,"search":"x"}`, true},
		{"list_tasks", `{"limit":500}`, false},
		{"list_tasks", `{"sort":"urgency"}`, false},
		{"set_reminder", `{"task_id":1,"before_due":"1h"}`, true},
		{"set_reminder", `{"before_due":"1h"}`, false},
		{"list_reminders", `{"status":"all"}`, true},
		{"complete_task", `{"task_id":1}`, true},
		{"delete_task", `{"task_id":"one"}`, false},
	}
	for _, tc := range tests {
		r, err := params[tc.tool].Resolve(nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.tool, err)
		}
		var v any
		if err := json.Unmarshal([]byte(tc.args), &v); err != nil {
			t.Fatal(err)
		}
		if err := r.Validate(v); (err == nil) != tc.ok {
			t.Errorf("%s %s: validation error %v, want ok=%v", tc.tool, tc.args, err, tc.ok)
		}
	}
}
