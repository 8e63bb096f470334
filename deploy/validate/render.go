package validate

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
)

// Manifest is one YAML document rendered from a chart template.
type Manifest struct {
	// Source is the template the document came from, e.g. "taskline/templates/route.yaml".
	Source string
	// YAML is the document itself.
	YAML string
}

// Release names the install a chart is rendered for.
type Release struct {
	Name      string
	Namespace string
}

// DefaultRelease is what the tests and the CLI render for; the chart does not depend on the
// release name, only on the namespace (cluster-local host names, RoleBinding subjects).
var DefaultRelease = Release{Name: "taskline", Namespace: "taskline"}

// Rendered is a chart rendered with one set of values.
type Rendered struct {
	// Values are the chart defaults coalesced with the user values, as templates saw them.
	Values chartutil.Values
	// Manifests are the documents in a stable order (by template, then position).
	Manifests []Manifest
	// Notes is the rendered NOTES.txt.
	Notes string
}

// Render renders the chart in chartDir the way `helm template -f valuesFiles...` would.
func Render(chartDir string, rel Release, valuesFiles ...string) (*Rendered, error) {
	return RenderWith(chartDir, rel, nil, valuesFiles...)
}

// RenderWith is Render with values set on top of the files, like `--set`.
func RenderWith(chartDir string, rel Release, set map[string]any, valuesFiles ...string) (*Rendered, error) {
	chrt, err := loader.Load(chartDir)
	if err != nil {
		return nil, fmt.Errorf("loading chart %s: %w", chartDir, err)
	}
	user := map[string]any{}
	for _, f := range valuesFiles {
		v, err := chartutil.ReadValuesFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading values %s: %w", f, err)
		}
		user = mergeMaps(user, v.AsMap())
	}
	user = mergeMaps(user, set)
	return RenderChart(chrt, rel, user)
}

// RenderChart renders a loaded chart with user values (already merged).
func RenderChart(chrt *chart.Chart, rel Release, user map[string]any) (*Rendered, error) {
	caps := chartutil.DefaultCapabilities.Copy()
	opts := chartutil.ReleaseOptions{Name: rel.Name, Namespace: rel.Namespace, Revision: 1, IsInstall: true}
	vals, err := chartutil.ToRenderValues(chrt, user, opts, caps)
	if err != nil {
		return nil, fmt.Errorf("preparing values: %w", err)
	}
	files, err := engine.Render(chrt, vals)
	if err != nil {
		return nil, fmt.Errorf("rendering chart %s: %w", chrt.Name(), err)
	}
	out := &Rendered{}
	if v, ok := vals["Values"].(chartutil.Values); ok {
		out.Values = v
	} else if m, ok := vals["Values"].(map[string]any); ok {
		out.Values = m
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		body := files[name]
		if path.Base(name) == "NOTES.txt" {
			out.Notes = body
			continue
		}
		if !strings.HasSuffix(name, ".yaml") && !strings.HasSuffix(name, ".yml") {
			continue // helpers (_helpers.tpl) render to nothing
		}
		for _, doc := range splitDocuments(body) {
			out.Manifests = append(out.Manifests, Manifest{Source: name, YAML: doc})
		}
	}
	return out, nil
}

// splitDocuments splits a YAML stream on document separators and drops documents that hold
// only comments or whitespace (a template whose condition was false).
func splitDocuments(s string) []string {
	var docs []string
	var cur []string
	flush := func() {
		doc := strings.Join(cur, "\n")
		cur = nil
		for _, l := range strings.Split(doc, "\n") {
			t := strings.TrimSpace(l)
			if t != "" && !strings.HasPrefix(t, "#") {
				docs = append(docs, strings.TrimSpace(doc)+"\n")
				return
			}
		}
	}
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimRight(l, " ") == "---" {
			flush()
			continue
		}
		cur = append(cur, l)
	}
	flush()
	return docs
}

// mergeMaps merges b over a the way Helm merges several -f files: maps merge key by key,
// anything else (lists included) is replaced.
func mergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	maps.Copy(out, a)
	for k, v := range b {
		if bm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = mergeMaps(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}
