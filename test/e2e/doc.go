// Package e2e runs Taskline in its production shape on one machine, for tests: each
// function as its own process behind a real daprd sidecar (v1.16.0, built by `make daprd`),
// a Kafka-protocol broker (kfake) and a throwaway PostgreSQL (shared/pglocal), wired with the
// Dapr resource files of infra/dapr/local, the same files a developer runs by hand.
//
// A test starts a Stack, then its apps:
//
//	s := e2e.Start(t, e2e.Options{Postgres: true})
//	bin := e2e.Build(t, "github.com/taskline/taskline/functions/create-task/cmd/create-task")
//	app := s.StartApp("create-task", bin, "JWT_SECRET=test", "MIGRATE=true")
//	resp, err := http.Post(app.URL+"/api/u1/tasks", ...)
//	rec := s.WaitRecord(t, "task-events", 10*time.Second, func(r *kgo.Record) bool { ... })
//
// Everything a Stack starts listens on 127.0.0.1 on free ports and is stopped by PID when
// the test ends; process logs go to files whose tails are printed when the test fails.
// The daprd binary is taken from $DAPRD, else <repo>/bin/daprd; when neither exists the
// Stack fails and says to run `make daprd` (it is not built here: a cold build takes minutes).
package e2e
