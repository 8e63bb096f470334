package openapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Endpoint is a route to describe: its net/http pattern ("GET /api/{user_id}/tasks"),
// whether it skips authentication, and its documentation.
type Endpoint struct {
	Pattern string
	Public  bool
	Doc     *Operation
}

// Info is the document's front matter.
type Info struct {
	Title       string
	Version     string
	Description string
	// Tags describe the groups operations are in, by name.
	Tags map[string]string
	// Error is a value of the type every error answer has (runtime.ErrorBody).
	Error any
	// Fields adds keywords to struct fields' schemas (see Schemas.Fields).
	Fields map[string]Schema
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)(\.\.\.)?\}`)

// Build writes the OpenAPI 3.1 document of the endpoints, as indented JSON with sorted keys
// (stable output: the committed copy is compared byte for byte). An endpoint without a
// method in its pattern (a protocol endpoint such as /mcp) or without a Doc is not an API
// operation and is left out; Undocumented lists the ones a test should complain about.
func Build(info Info, endpoints []Endpoint) ([]byte, error) {
	s := NewSchemas()
	s.Fields = info.Fields
	errRef := s.Of(info.Error, false)
	paths := map[string]Schema{}
	usedTags := map[string]bool{}
	for _, e := range endpoints {
		method, path, ok := strings.Cut(e.Pattern, " ")
		if !ok || e.Doc == nil {
			continue
		}
		d := e.Doc
		item := paths[path]
		if item == nil {
			item = Schema{}
			paths[path] = item
		}
		m := strings.ToLower(method)
		if _, dup := item[m]; dup {
			return nil, fmt.Errorf("openapi: %s is registered twice", e.Pattern)
		}
		op := Schema{"summary": d.Summary, "operationId": operationID(method, path)}
		if d.Description != "" {
			op["description"] = d.Description
		}
		if d.Tag != "" {
			op["tags"] = []any{d.Tag}
			usedTags[d.Tag] = true
		}
		var params []any
		for _, p := range pathParam.FindAllStringSubmatch(path, -1) {
			params = append(params, Schema{"name": p[1], "in": "path", "required": true, "schema": pathSchema(p[1])})
		}
		for _, q := range d.Query {
			params = append(params, queryParam(q))
		}
		if params != nil {
			op["parameters"] = params
		}
		if d.Body != nil {
			body := s.Of(d.Body, true)
			if len(d.Required) > 0 {
				body = Schema{"allOf": []any{body, Schema{"required": toAny(d.Required)}}}
			}
			if d.AltBody != nil {
				body = Schema{"oneOf": []any{body, s.Of(d.AltBody, true)}}
			}
			op["requestBody"] = Schema{"required": true, "content": Schema{"application/json": Schema{"schema": body}}}
		}
		op["responses"] = responses(s, e, errRef, path)
		if !e.Public {
			op["security"] = []any{Schema{"bearer": []any{}}}
		}
		item[m] = op
	}
	var tags []any
	names := make([]string, 0, len(usedTags))
	for t := range usedTags {
		names = append(names, t)
	}
	slices.Sort(names)
	for _, t := range names {
		tags = append(tags, Schema{"name": t, "description": info.Tags[t]})
	}
	doc := Schema{
		"openapi": "3.1.0",
		"info":    Schema{"title": info.Title, "version": info.Version, "description": info.Description},
		"tags":    tags,
		"paths":   paths,
		"components": Schema{
			"schemas": s.Components,
			"securitySchemes": Schema{"bearer": Schema{"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
				"description": "A JWT whose sub is the user id in the path; 401 without a valid one, 403 for another user's path."}},
		},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("openapi: encoding the document: %w", err)
	}
	return append(b, '\n'), nil
}

// Undocumented lists the endpoints with a method that have no Doc: each is an API route
// missing from the document.
func Undocumented(endpoints []Endpoint) []string {
	var out []string
	for _, e := range endpoints {
		if _, _, ok := strings.Cut(e.Pattern, " "); ok && e.Doc == nil {
			out = append(out, e.Pattern)
		}
	}
	return out
}

func responses(s *Schemas, e Endpoint, errRef Schema, path string) Schema {
	d := e.Doc
	status := d.Status
	if status == 0 {
		status = http.StatusOK
		if d.Response == nil && d.Stream == "" {
			status = http.StatusNoContent
		}
	}
	ok := Schema{"description": http.StatusText(status)}
	content := Schema{}
	if d.Response != nil {
		content["application/json"] = Schema{"schema": s.Of(d.Response, false)}
	}
	if d.Stream != "" {
		content[d.Stream] = Schema{"schema": Schema{"type": "string"}}
	}
	if len(content) > 0 {
		ok["content"] = content
	}
	out := Schema{strconv.Itoa(status): ok}
	codes := slices.Clone(d.Errors)
	if d.Body != nil || len(d.Query) > 0 {
		codes = append(codes, http.StatusBadRequest)
	}
	if d.Body != nil {
		codes = append(codes, http.StatusRequestEntityTooLarge)
	}
	if !e.Public {
		codes = append(codes, http.StatusUnauthorized)
	}
	for _, p := range pathParam.FindAllStringSubmatch(path, -1) {
		if p[1] == "user_id" && !e.Public {
			codes = append(codes, http.StatusForbidden)
		} else {
			codes = append(codes, http.StatusNotFound)
		}
	}
	for _, c := range codes {
		out[strconv.Itoa(c)] = Schema{"description": http.StatusText(c),
			"content": Schema{"application/json": Schema{"schema": errRef}}}
	}
	return out
}

// pathSchema: ids are positive integers, the user id is the token's subject.
func pathSchema(name string) Schema {
	if name == "user_id" {
		return Schema{"type": "string", "description": "The token's subject."}
	}
	return Schema{"type": "integer", "minimum": 1}
}

func queryParam(q Param) Schema {
	var sch Schema
	switch q.Type {
	case "integer":
		sch = Schema{"type": "integer"}
		if q.Min != 0 {
			sch["minimum"] = q.Min
		}
		if q.Max != 0 {
			sch["maximum"] = q.Max
		}
	case "boolean":
		sch = Schema{"type": "boolean"}
	default:
		sch = Schema{"type": "string"}
		if len(q.Enum) > 0 {
			sch["enum"] = toAny(q.Enum)
		}
		if q.Format != "" {
			sch["format"] = q.Format
		}
	}
	p := Schema{"name": q.Name, "in": "query", "description": q.Description, "schema": sch}
	if q.List {
		p["schema"] = Schema{"type": "array", "items": sch}
		p["style"], p["explode"] = "form", true
	}
	return p
}

// operationID names an operation by method and path: GET /api/{user_id}/tasks/{id} is
// get_tasks_id.
func operationID(method, path string) string {
	parts := []string{strings.ToLower(method)}
	for _, seg := range strings.Split(strings.TrimPrefix(path, "/api/{user_id}"), "/") {
		seg = strings.Trim(seg, "{}.")
		if seg != "" {
			parts = append(parts, strings.ReplaceAll(seg, ".", "_"))
		}
	}
	return strings.Join(parts, "_")
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
