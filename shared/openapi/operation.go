// Package openapi builds the OpenAPI 3.1 document of Taskline's HTTP API from the routes the
// functions register, so the description and the code cannot drift: each runtime.Route
// carries an Operation, and JSON schemas are derived from the Go types the handlers decode
// and encode. It needs only the standard library; the function binaries link the
// Operation type and nothing else of it.
package openapi

// Operation documents one route. Adding a route's documentation is a few lines next to its
// pattern:
//
//	{Pattern: "GET /api/{user_id}/profile", Handler: h, Doc: &openapi.Operation{
//		Tag: "Profile", Summary: "Read your profile", Response: Profile{},
//	}}
//
// Path parameters come from the pattern. Body and Response are values of the Go types the
// handler decodes and encodes (a zero value is enough): SchemaOf derives their schemas from
// the json tags, with pointers and todo.Optional fields nullable, a `jsonschema:"..."` tag
// as a field's description, and a JSONSchema method for types that describe themselves
// (todo.Priority). The errors every route can give are added by the builder: 400 when it
// reads a body or query parameters, 401 and 403 behind the auth guard, 404 for a path
// with an id; list any others (409, 422) in Errors.
type Operation struct {
	// Tag groups operations in the reference: Tasks, Tags, Reminders, Chat, Profile...
	Tag         string
	Summary     string
	Description string
	Query       []Param
	// Body is the request body's type, or nil for none.
	Body any
	// Required names body fields the type does not mark as required (title on create).
	Required []string
	// AltBody is another body the route takes instead (quick add's {"text"}), or nil.
	AltBody any
	// Status is the success status; 0 means 200, or 204 when Response is nil.
	Status int
	// Response is the success body's type, or nil for none.
	Response any
	// Errors are statuses beyond the ones the builder adds.
	Errors []int
	// Stream, when set, is another media type of the success answer (text/event-stream),
	// described in Description: the only one when Response is nil.
	Stream string
}

// Param is a query parameter.
type Param struct {
	Name        string
	Description string
	// Type is string (the default), integer or boolean.
	Type string
	// Enum lists the values a string parameter takes.
	Enum []string
	// Format is a JSON Schema format, e.g. date-time.
	Format string
	// List marks a parameter that may be repeated (tags=a&tags=b), each value also a
	// comma-separated list.
	List bool
	// Min and Max bound an integer parameter (0: no bound).
	Min, Max int
}
