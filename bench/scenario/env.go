// Package scenario holds the benchmark's scenarios. Each one drives Taskline through the
// entry points a user has (HTTP requests, events, the SMTP server mail arrives at), against
// a Postgres the benchmark started itself, and measures a baseline in the same run.
package scenario

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/taskline/taskline/bench/report"
	"github.com/taskline/taskline/shared/auth"
)

// Env is what every scenario runs in.
type Env struct {
	Root   string // the workspace root (go.work)
	BinDir string // built binaries
	LogDir string // process logs
	// BuildErrors holds, by binary name, why a binary could not be built.
	BuildErrors map[string]error
	// DatabaseURL is the database every Taskline process of the run uses; Pool is the
	// benchmark's own connection to it, for seeding and for watching outcomes.
	DatabaseURL string
	Pool        *pgxpool.Pool
	// PGLog is the server log, where auto_explain writes plans while profiling.
	PGLog  string
	Secret []byte // JWT_SECRET of every process
	Log    *slog.Logger
	// Quick shortens every scenario (for the benchmark's own tests); the figures it gives
	// are not comparable with a full run.
	Quick bool
	// API is the local all-in-one binary's HTTP API (scenarios 2 to 5).
	API *API
	// PprofURL is where the local binary serves Go's profiles (http://127.0.0.1:PORT), or
	// "" when it does not.
	PprofURL string
	// Profiles collects evidence (plans, profiles) for the report.
	Profiles []report.Profile
}

// Bin is the path of a built binary.
func (e *Env) Bin(name string) string { return filepath.Join(e.BinDir, name) }

// Token signs a bearer token for user, valid for the whole run.
func (e *Env) Token(user, email string) string {
	t, err := auth.Sign(e.Secret, user, email, "UTC", 2*time.Hour)
	if err != nil {
		panic(fmt.Sprintf("signing a token: %v", err)) // only fails on a broken signer
	}
	return t
}

// AddProfile keeps a block of evidence for the report.
func (e *Env) AddProfile(title, text string) {
	e.Profiles = append(e.Profiles, report.Profile{Title: title, Text: text})
}

// Scenario is one numbered part of the benchmark.
type Scenario struct {
	ID   string // "1 cold start"
	Name string // flag name, e.g. "coldstart"
	Run  func(ctx context.Context, e *Env) ([]report.Figure, error)
}
