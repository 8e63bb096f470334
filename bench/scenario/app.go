package scenario

import (
	"fmt"
	"net/http"
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
	pprofPort, err := FreePort()
	if err != nil {
		return nil, err
	}
	pprofAddr := fmt.Sprintf("127.0.0.1:%d", pprofPort)
	// PPROF_ADDR is ignored by a binary without a profile server; probed below.
	env := append([]string{"DATABASE_URL=" + e.DatabaseURL, "JWT_SECRET=" + string(e.Secret),
		"TASKLINE_DATA_DIR=" + data, "HOST=127.0.0.1", "PPROF_ADDR=" + pprofAddr}, extraEnv...)
	t0 := time.Now()
	p, err := StartProc("taskline", e.Bin("taskline"), e.LogDir, env, "serve")
	if err != nil {
		return nil, err
	}
	if _, err := p.WaitHealthy("/readyz", 60*time.Second, t0); err != nil {
		p.Stop(10 * time.Second)
		return nil, fmt.Errorf("starting the local binary: %w", err)
	}
	e.PprofURL = ""
	if resp, err := http.Get("http://" + pprofAddr + "/debug/pprof/"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			e.PprofURL = "http://" + pprofAddr
		}
	}
	return p, nil
}
