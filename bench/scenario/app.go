package scenario

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// StartTaskline starts the local all-in-one binary (`taskline serve`) on the run's
// database, with extra environment (e.g. SMTP_URL), and waits until it is ready.
func StartTaskline(e *Env, extraEnv ...string) (*Proc, error) {
	data := filepath.Join(e.LogDir, "taskline-data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	env := append([]string{"DATABASE_URL=" + e.DatabaseURL, "JWT_SECRET=" + string(e.Secret),
		"TASKLINE_DATA_DIR=" + data, "HOST=127.0.0.1"}, extraEnv...)
	t0 := time.Now()
	p, err := StartProc("taskline", e.Bin("taskline"), e.LogDir, env, "serve")
	if err != nil {
		return nil, err
	}
	if _, err := p.WaitHealthy("/readyz", 60*time.Second, t0); err != nil {
		p.Stop(10 * time.Second)
		return nil, fmt.Errorf("starting the local binary: %w", err)
	}
	return p, nil
}
