package mcpserver_test

import (
	"fmt"
	"testing"
)

// BenchmarkToolCallOverHTTP measures a tools/call through the whole stateless HTTP path:
// token check, a fresh MCP session, argument decoding, the store's transaction with its
// outbox row, and the JSON answer.
func BenchmarkToolCallOverHTTP(b *testing.B) {
	api := newAPI(b)
	c := overHTTP(b, api, "ann")
	b.Run("add_task", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			c.ok("add_task", map[string]any{"title": fmt.Sprintf("task %d", i), "tags": []string{"bench"}}, nil)
		}
	})
	b.Run("list_tasks", func(b *testing.B) {
		for b.Loop() {
			c.ok("list_tasks", map[string]any{"tags": []string{"bench"}, "sort": "due_date", "limit": 20}, nil)
		}
	})
}
