package e2e

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// readDocs decodes every YAML document of the files in dir, keyed by "kind/name".
func readDocs(t *testing.T, dir string) map[string]map[string]any {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]map[string]any{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		nodes, err := decodeAll(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, n := range nodes {
			var m map[string]any
			if err := n.Decode(&m); err != nil {
				t.Fatal(err)
			}
			md, _ := m["metadata"].(map[string]any)
			docs[m["kind"].(string)+"/"+md["name"].(string)] = m
		}
	}
	return docs
}

func metadataValue(doc map[string]any, name string) (string, bool) {
	spec, _ := doc["spec"].(map[string]any)
	items, _ := spec["metadata"].([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		if m["name"] == name {
			v, ok := m["value"].(string)
			return v, ok
		}
	}
	return "", false
}

// Rendering infra/dapr/local changes only the broker address and the overridden values;
// subscriptions, dead letter topics, scopes and resiliency come through as written.
func TestRenderResourcesKeepsInfraFiles(t *testing.T) {
	t.Parallel()
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(root, "infra", "dapr", "local")
	dst := t.TempDir()
	if _, err := renderResources(src, dst, "127.0.0.1:1234", Overrides{"reminder-tick": {"schedule": "@every 2s"}}); err != nil {
		t.Fatal(err)
	}
	before, after := readDocs(t, src), readDocs(t, dst)

	if v, _ := metadataValue(after["Component/pubsub"], "brokers"); v != "127.0.0.1:1234" {
		t.Errorf("rendered pubsub brokers = %q, want 127.0.0.1:1234", v)
	}
	if v, _ := metadataValue(after["Component/reminder-tick"], "schedule"); v != "@every 2s" {
		t.Errorf("rendered reminder-tick schedule = %q, want the override", v)
	}
	for key, doc := range before {
		if key == "Component/pubsub" || key == "Component/reminder-tick" {
			continue
		}
		if !reflect.DeepEqual(after[key], doc) {
			t.Errorf("%s changed by rendering:\n got %v\nwant %v", key, after[key], doc)
		}
	}
	for _, want := range []string{"Subscription/task-events", "Subscription/reminder-events"} {
		spec, _ := after[want]["spec"].(map[string]any)
		if dlt, _ := spec["deadLetterTopic"].(string); !strings.HasPrefix(dlt, "dlq.") {
			t.Errorf("%s: deadLetterTopic = %q, want a dlq.* topic", want, dlt)
		}
	}
}

func TestRenderResourcesErrors(t *testing.T) {
	t.Parallel()
	const cron = "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: reminder-tick\nspec:\n  type: bindings.cron\n  version: v1\n  metadata:\n    - name: schedule\n      value: \"@every 1s\"\n"
	const kafka = "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: pubsub\nspec:\n  type: pubsub.kafka\n  version: v1\n  metadata:\n    - name: authType\n      value: none\n"
	const values = "brokers: kafka:9092\nreplicas: 3\n"
	tests := []struct {
		name      string
		files     map[string]string
		overrides Overrides
		wantErr   string // "" means success
		wantFiles []string
	}{
		{"no kafka pubsub", map[string]string{"cron.yaml": cron}, nil, "no pubsub.kafka Component", nil},
		{"unknown override", map[string]string{"pubsub.yaml": kafka}, Overrides{"nope": {"a": "b"}}, "[nope]", nil},
		{"values file skipped, brokers added", map[string]string{"pubsub.yaml": kafka, "values.yaml": values, "README.md": "# x"}, nil, "", []string{"pubsub.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src, dst := t.TempDir(), t.TempDir()
			for name, body := range tt.files {
				if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := renderResources(src, dst, "127.0.0.1:9", tt.overrides)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			entries, _ := os.ReadDir(dst)
			var got []string
			for _, e := range entries {
				got = append(got, e.Name())
			}
			if !reflect.DeepEqual(got, tt.wantFiles) {
				t.Errorf("rendered files = %v, want %v", got, tt.wantFiles)
			}
			if v, _ := metadataValue(readDocs(t, dst)["Component/pubsub"], "brokers"); v != "127.0.0.1:9" {
				t.Errorf("brokers = %q, want it added", v)
			}
		})
	}
}
