package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/taskline/taskline/bench/load"
)

// API calls Taskline's HTTP API as a user's client does: JSON bodies, bearer tokens.
type API struct {
	Base string // http://127.0.0.1:PORT
	// Route, when set, picks the base URL per request: with one process per function
	// (scenario 6) each path has its own.
	Route  func(method, path string) string
	Client *http.Client
	env    *Env
	tokens sync.Map // user -> token
}

// NewAPI returns a client for the API at base, which must be on 127.0.0.1.
func NewAPI(e *Env, base string, concurrency int) (*API, error) {
	if err := load.CheckLocal(base); err != nil {
		return nil, err
	}
	return &API{Base: base, Client: load.Client(concurrency), env: e}, nil
}

func (a *API) token(user string) string {
	if t, ok := a.tokens.Load(user); ok {
		return t.(string)
	}
	t := a.env.Token(user, user+"@bench.taskline.local")
	a.tokens.Store(user, t)
	return t
}

// Do sends a request for user to /api/{user}{path} and decodes a JSON answer into out
// (when not nil). An answer other than want is an error carrying the body.
func (a *API) Do(ctx context.Context, method, user, path string, body, out any, want int) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	base := a.Base
	if a.Route != nil {
		base = a.Route(method, path)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+"/api/"+user+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token(user))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decoding the answer: %w", method, path, err)
		}
	}
	return nil
}

// Task is the part of a task the benchmark reads back.
type Task struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

// TaskList is GET /tasks' answer.
type TaskList struct {
	Tasks      []Task  `json:"tasks"`
	Count      int     `json:"count"`
	NextCursor *string `json:"next_cursor"`
}
