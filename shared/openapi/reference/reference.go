// Package reference renders an OpenAPI document as one plain HTML page for people: every
// operation grouped by tag with its parameters, body and answers, and every schema with its
// fields. The page loads nothing (no scripts, no fonts, no CDN). It is its own package so
// that html/template stays out of the binaries that only describe their routes.
package reference

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"sort"
	"strings"
)

// ContentSecurityPolicy is the page's: its own inline styles, nothing else.
const ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

type doc struct {
	Info struct {
		Title       string `json:"title"`
		Version     string `json:"version"`
		Description string `json:"description"`
	} `json:"info"`
	Tags []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"tags"`
	Paths      map[string]map[string]operation `json:"paths"`
	Components struct {
		Schemas map[string]map[string]any `json:"schemas"`
	} `json:"components"`
}

type operation struct {
	Summary     string           `json:"summary"`
	Description string           `json:"description"`
	Tags        []string         `json:"tags"`
	Parameters  []map[string]any `json:"parameters"`
	RequestBody map[string]any   `json:"requestBody"`
	Responses   map[string]any   `json:"responses"`
	Security    []any            `json:"security"`
}

type opView struct {
	Method, Path, Summary, Description string
	Auth                               bool
	Params                             []field
	Body                               string
	Responses                          []field
	Anchor                             string
}

type field struct {
	Name, In, Type, Description string
	Required                    bool
}

type schemaView struct {
	Name   string
	Fields []field
	Type   string
}

type tagView struct {
	Name, Description string
	Ops               []opView
}

// HTML renders the document (OpenAPI 3.1 JSON, as openapi.Build writes it).
func HTML(openapiJSON []byte) ([]byte, error) {
	var d doc
	if err := json.Unmarshal(openapiJSON, &d); err != nil {
		return nil, fmt.Errorf("reading the OpenAPI document: %w", err)
	}
	byTag := map[string]*tagView{}
	var tags []*tagView
	for _, t := range d.Tags {
		tv := &tagView{Name: t.Name, Description: t.Description}
		byTag[t.Name] = tv
		tags = append(tags, tv)
	}
	paths := make([]string, 0, len(d.Paths))
	for p := range d.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		for _, m := range []string{"get", "post", "put", "patch", "delete"} {
			op, ok := d.Paths[p][m]
			if !ok {
				continue
			}
			v := opView{Method: strings.ToUpper(m), Path: p, Summary: op.Summary, Description: op.Description,
				Auth: len(op.Security) > 0, Anchor: m + strings.NewReplacer("/", "-", "{", "", "}", "").Replace(p)}
			for _, pr := range op.Parameters {
				sch, _ := pr["schema"].(map[string]any)
				req, _ := pr["required"].(bool)
				v.Params = append(v.Params, field{Name: str(pr["name"]), In: str(pr["in"]), Type: typeOf(sch),
					Description: str(pr["description"]), Required: req})
			}
			if op.RequestBody != nil {
				v.Body = typeOf(dig(op.RequestBody, "content", "application/json", "schema"))
			}
			codes := make([]string, 0, len(op.Responses))
			for c := range op.Responses {
				codes = append(codes, c)
			}
			sort.Strings(codes)
			for _, c := range codes {
				r, _ := op.Responses[c].(map[string]any)
				v.Responses = append(v.Responses, field{Name: c, Description: str(r["description"]),
					Type: typeOf(dig(r, "content", "application/json", "schema"))})
			}
			tag := "Other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			tv := byTag[tag]
			if tv == nil {
				tv = &tagView{Name: tag}
				byTag[tag] = tv
				tags = append(tags, tv)
			}
			tv.Ops = append(tv.Ops, v)
		}
	}
	names := make([]string, 0, len(d.Components.Schemas))
	for n := range d.Components.Schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	var schemas []schemaView
	for _, n := range names {
		s := d.Components.Schemas[n]
		sv := schemaView{Name: n, Type: typeOf(s)}
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ps, _ := props[k].(map[string]any)
			sv.Fields = append(sv.Fields, field{Name: k, Type: typeOf(ps), Description: str(ps["description"]),
				Required: slices.Contains(req, any(k))})
		}
		schemas = append(schemas, sv)
	}
	var buf bytes.Buffer
	err := page.Execute(&buf, map[string]any{"Info": d.Info, "Tags": tags, "Schemas": schemas,
		"Paragraphs": strings.Split(d.Info.Description, "\n\n")})
	return buf.Bytes(), err
}

func str(v any) string { s, _ := v.(string); return s }

func dig(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			return nil
		}
		m = next
	}
	return m
}

// typeOf writes a schema briefly: string, integer ≥ 1, Task, [Tag], string | null, one of
// low, medium, high.
func typeOf(s map[string]any) string {
	if s == nil {
		return ""
	}
	if ref := str(s["$ref"]); ref != "" {
		return ref[strings.LastIndex(ref, "/")+1:]
	}
	if all, ok := s["allOf"].([]any); ok && len(all) > 0 {
		first, _ := all[0].(map[string]any)
		return typeOf(first)
	}
	if any_, ok := s["anyOf"].([]any); ok {
		var parts []string
		for _, a := range any_ {
			m, _ := a.(map[string]any)
			parts = append(parts, typeOf(m))
		}
		return strings.Join(parts, " | ")
	}
	var t string
	switch v := s["type"].(type) {
	case string:
		t = v
	case []any:
		var parts []string
		for _, x := range v {
			parts = append(parts, str(x))
		}
		t = strings.Join(parts, " | ")
	}
	if strings.HasPrefix(t, "array") {
		items, _ := s["items"].(map[string]any)
		t = "[" + typeOf(items) + "]" + strings.TrimPrefix(t, "array")
	}
	if e, ok := s["enum"].([]any); ok {
		var vals []string
		for _, x := range e {
			if x == nil {
				vals = append(vals, "null")
			} else {
				vals = append(vals, fmt.Sprint(x))
			}
		}
		t = "one of " + strings.Join(vals, ", ")
	}
	if f := str(s["format"]); f != "" {
		t += " (" + f + ")"
	}
	if p := str(s["pattern"]); p != "" {
		t += " matching " + p
	}
	return t
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Info.Title}} reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:0 auto;padding:1rem 1.5rem;color:#1d2330}
h1{margin-bottom:.2rem} h2{border-bottom:2px solid #dde3ee;padding-bottom:.2rem;margin-top:2.2rem}
code,.path{font-family:ui-monospace,Menlo,monospace;font-size:.92em}
.op{border:1px solid #dde3ee;border-radius:6px;padding:.6rem .9rem;margin:.9rem 0}
.m{display:inline-block;min-width:4.2rem;font-weight:700;font-family:ui-monospace,monospace}
.GET{color:#1a7f37}.POST{color:#0550ae}.PUT,.PATCH{color:#9a6700}.DELETE{color:#cf222e}
table{border-collapse:collapse;width:100%;margin:.4rem 0}td,th{text-align:left;padding:.2rem .5rem;border-top:1px solid #eef1f6;vertical-align:top}
th{font-weight:600;color:#57606a}.req{color:#cf222e}.muted{color:#57606a}nav a{margin-right:1rem}
</style></head><body>
<h1>{{.Info.Title}}</h1><p class="muted">Version {{.Info.Version}}. Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
{{range .Paragraphs}}<p>{{.}}</p>{{end}}
<nav>{{range .Tags}}<a href="#tag-{{.Name}}">{{.Name}}</a>{{end}}<a href="#schemas">Schemas</a></nav>
{{range .Tags}}<h2 id="tag-{{.Name}}">{{.Name}}</h2>{{if .Description}}<p>{{.Description}}</p>{{end}}
{{range .Ops}}<section class="op" id="{{.Anchor}}"><div><span class="m {{.Method}}">{{.Method}}</span> <span class="path">{{.Path}}</span> — {{.Summary}}{{if not .Auth}} <span class="muted">(no token needed)</span>{{end}}</div>
{{if .Description}}<p>{{.Description}}</p>{{end}}
{{if .Params}}<table><tr><th>parameter</th><th>in</th><th>type</th><th>meaning</th></tr>{{range .Params}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">*</span>{{end}}</td><td>{{.In}}</td><td>{{.Type}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}
{{if .Body}}<p>Body: <a href="#schema-{{.Body}}"><code>{{.Body}}</code></a></p>{{end}}
<table><tr><th>answer</th><th></th><th>body</th></tr>{{range .Responses}}<tr><td>{{.Name}}</td><td>{{.Description}}</td><td>{{if .Type}}<a href="#schema-{{.Type}}"><code>{{.Type}}</code></a>{{end}}</td></tr>{{end}}</table>
</section>{{end}}{{end}}
<h2 id="schemas">Schemas</h2>
{{range .Schemas}}<section class="op" id="schema-{{.Name}}"><strong><code>{{.Name}}</code></strong> <span class="muted">{{.Type}}</span>
{{if .Fields}}<table><tr><th>field</th><th>type</th><th>meaning</th></tr>{{range .Fields}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">*</span>{{end}}</td><td>{{.Type}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}
</section>{{end}}
<p class="muted"><span class="req">*</span> required</p>
</body></html>
`))
