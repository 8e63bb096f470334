package e2e_test

import (
	"testing"

	"github.com/taskline/taskline/test/e2e"
)

func TestZZBadApp(t *testing.T) {
	s := e2e.Start(t, e2e.Options{})
	s.StartApp("create-task", "/bin/sh", "X=1")
}

func TestZZNoDLQRecord(t *testing.T) {
	s := e2e.Start(t, e2e.Options{Overrides: e2e.Overrides{"pubsub": {"brokers": "127.0.0.1:1"}}})
	s.StartApp("create-task", e2e.Build(t, recorderPkg))
}
