package validate

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// The files under infra/ are rendered from the chart, which is their only source. Each entry
// says which values render which templates into which folder.
type infraSet struct {
	dir       string         // output folder, relative to the repository root
	values    []string       // values files, relative to the repository root
	set       map[string]any // --set on top
	templates []string       // template folders (under templates/) whose output goes here
	note      string         // what the folder is, for the header
}

var infraSets = []infraSet{
	{
		dir: "infra/dapr/local", values: []string{"infra/dapr/local.values.yaml"},
		templates: []string{"dapr"},
		note:      "with infra/dapr/local.values.yaml",
	},
	{
		dir: "infra/dapr/compose", values: []string{"infra/dapr/compose.values.yaml"},
		templates: []string{"dapr"},
		note:      "with infra/dapr/compose.values.yaml",
	},
	{
		dir: "infra/dapr/production", values: []string{"helm/taskline/values-prod.yaml"},
		templates: []string{"dapr"},
		note:      "with helm/taskline/values-prod.yaml",
	},
	{
		dir: "infra/keda", values: []string{"helm/taskline/values-prod.yaml"},
		templates: []string{"keda"},
		note:      "with helm/taskline/values-prod.yaml",
	},
	{
		dir: "infra/knative", values: []string{"helm/taskline/values-prod.yaml"},
		templates: []string{"functions/knative-services.yaml"},
		note:      "with helm/taskline/values-prod.yaml",
	},
	{
		dir: "infra/knative/kafkasource", values: []string{"helm/taskline/values-prod.yaml"},
		set:       map[string]any{"eventRuntime": "kafkasource"},
		templates: []string{"eventing", "functions/knative-services.yaml"},
		note:      "with helm/taskline/values-prod.yaml --set eventRuntime=kafkasource",
	},
}

// InfraFiles renders every file under infra/ that comes from the chart, keyed by path
// relative to root.
func InfraFiles(root string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, s := range infraSets {
		var files []string
		for _, v := range s.values {
			files = append(files, filepath.Join(root, v))
		}
		r, err := RenderWith(filepath.Join(root, "helm/taskline"), Release{Name: "taskline", Namespace: "taskline"}, s.set, files...)
		if err != nil {
			return nil, fmt.Errorf("rendering %s: %w", s.dir, err)
		}
		for _, m := range r.Manifests {
			if !fromTemplates(m.Source, s.templates) {
				continue
			}
			o, err := Decode(m)
			if err != nil {
				return nil, err
			}
			// The kafkasource set wants only the event functions' Knative Services; the HTTP
			// ones are already in infra/knative.
			if s.set != nil && o.Kind == "Service" && !strings.Contains(m.YAML, "app.kubernetes.io/component: event") {
				continue
			}
			name := path.Join(s.dir, infraFileName(o))
			if _, dup := out[name]; dup {
				return nil, fmt.Errorf("two objects render to %s", name)
			}
			var b bytes.Buffer
			fmt.Fprintf(&b, "# Generated from helm/taskline %s by `make infra`. Do not edit.\n", s.note)
			b.WriteString(m.YAML)
			out[name] = b.Bytes()
		}
	}
	gw, err := composeGateway(root)
	if err != nil {
		return nil, fmt.Errorf("rendering %s: %w", composeCaddyfile, err)
	}
	out[composeCaddyfile] = gw
	return out, nil
}

// composeCaddyfile is compose.yaml's gateway configuration, rendered from the HTTPRoute.
const composeCaddyfile = "infra/compose/Caddyfile"

func fromTemplates(source string, dirs []string) bool {
	_, rel, ok := strings.Cut(source, "/templates/")
	if !ok {
		return false
	}
	return slices.ContainsFunc(dirs, func(d string) bool { return rel == d || strings.HasPrefix(rel, d+"/") })
}

// infraFileName keeps the names the e2e harness and the READMEs use: a Component is
// <name>.yaml, anything else <kind>-<name>.yaml.
func infraFileName(o Object) string {
	switch o.Kind {
	case "Component":
		return o.Name + ".yaml"
	case "Resiliency":
		return "resiliency.yaml"
	}
	return strings.ToLower(o.Kind) + "-" + o.Name + ".yaml"
}

// WriteInfra writes the rendered infra files under root and removes stale generated files
// from the generated folders (the folders hold nothing else).
func WriteInfra(root string) error {
	files, err := InfraFiles(root)
	if err != nil {
		return err
	}
	for _, s := range infraSets {
		old, _ := filepath.Glob(filepath.Join(root, s.dir, "*.yaml"))
		for _, f := range old {
			rel, _ := filepath.Rel(root, f)
			if _, keep := files[filepath.ToSlash(rel)]; !keep {
				if err := os.Remove(f); err != nil {
					return fmt.Errorf("removing stale %s: %w", rel, err)
				}
			}
		}
	}
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", filepath.Dir(p), err)
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	return nil
}

// InfraDrift lists the generated files under root that differ from what the chart renders
// (missing, changed or stale).
func InfraDrift(root string) ([]string, error) {
	files, err := InfraFiles(root)
	if err != nil {
		return nil, err
	}
	var drift []string
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil || !bytes.Equal(got, want) {
			drift = append(drift, name)
		}
	}
	for _, s := range infraSets {
		old, _ := filepath.Glob(filepath.Join(root, s.dir, "*.yaml"))
		for _, f := range old {
			rel, _ := filepath.Rel(root, f)
			if _, ok := files[filepath.ToSlash(rel)]; !ok {
				drift = append(drift, filepath.ToSlash(rel)+" (stale)")
			}
		}
	}
	slices.Sort(drift)
	return drift, nil
}
