package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Startup budgets. daprd needs a few seconds to load components and connect to Kafka;
// the generous bounds only matter on a loaded CI machine.
const (
	appReadyTimeout   = 30 * time.Second
	daprdReadyTimeout = 60 * time.Second
	stopGrace         = 15 * time.Second
)

// App is one function process with its daprd sidecar, both on free ports of 127.0.0.1.
type App struct {
	// ID is the Dapr app id (also the Kafka consumer group of its subscriptions).
	ID string
	// URL is the app's own base URL, e.g. http://127.0.0.1:41234.
	URL string
	// DaprHTTPURL is the sidecar's HTTP API base URL.
	DaprHTTPURL string
	// APIToken is DAPR_API_TOKEN (what daprd requires of callers) and AppToken
	// APP_API_TOKEN (what daprd sends the app, which the app requires).
	APIToken, AppToken string
	// DaprGRPCAddr is the sidecar's gRPC API address (host:port).
	DaprGRPCAddr string
	// MetricsURL serves the sidecar's Prometheus metrics at /metrics.
	MetricsURL string

	app, daprd *process
	// binary and env start the app again after Kill (Restart).
	binary     string
	env        []string
	logf       func(format string, args ...any)
	stopOnce   sync.Once
	stopErr    error
	stopCalled atomic.Bool // Stop was called by the test
	killed     atomic.Bool // the app was ended by Kill, so its exit status is expected
}

// StartApp starts binary as Dapr app appID behind its own daprd and waits until both are
// healthy: the app answers GET /healthz with 2xx, daprd answers GET /v1.0/healthz with 2xx
// (which it does only after loading its components and reaching the app).
//
// The app gets PORT, APP_ID, DAPR_HTTP_PORT, DAPR_GRPC_PORT, DAPR_PUBSUB_NAME=pubsub,
// DAPR_SUBSCRIBE=declarative, KAFKA_BROKERS and, with Postgres, DATABASE_URL; env entries
// ("KEY=value") are added after them and win. Both processes are stopped when the test
// ends; StartApp fails the test, with log tails, when either does not come up.
func (s *Stack) StartApp(appID, binary string, env ...string) *App {
	s.t.Helper()
	ports := make([]int, 5)
	for i := range ports {
		p, err := freePort()
		if err != nil {
			s.t.Fatal(err)
		}
		ports[i] = p
	}
	appPort, httpPort, grpcPort, internalPort, metricsPort := ports[0], ports[1], ports[2], ports[3], ports[4]
	a := &App{
		ID:           appID,
		URL:          "http://127.0.0.1:" + strconv.Itoa(appPort),
		DaprHTTPURL:  "http://127.0.0.1:" + strconv.Itoa(httpPort),
		DaprGRPCAddr: "127.0.0.1:" + strconv.Itoa(grpcPort),
		MetricsURL:   "http://127.0.0.1:" + strconv.Itoa(metricsPort),
		logf:         s.t.Logf,
	}

	// API tokens in both directions, as the chart's dapr.io/api-token-secret and
	// dapr.io/app-token-secret set them: the app calls daprd with DAPR_API_TOKEN (the Dapr
	// SDK sends it), daprd calls the app with APP_API_TOKEN, and each refuses calls without.
	a.APIToken, a.AppToken = randomToken(), randomToken()
	tokens := []string{"DAPR_API_TOKEN=" + a.APIToken, "APP_API_TOKEN=" + a.AppToken}
	appEnv := []string{
		"PORT=" + strconv.Itoa(appPort),
		"APP_ID=" + appID,
		"DAPR_HTTP_PORT=" + strconv.Itoa(httpPort),
		"DAPR_GRPC_PORT=" + strconv.Itoa(grpcPort),
		"DAPR_PUBSUB_NAME=pubsub",
		"DAPR_SUBSCRIBE=declarative",
		"KAFKA_BROKERS=" + s.Brokers(),
	}
	if u := s.DatabaseURL(); u != "" {
		appEnv = append(appEnv, "DATABASE_URL="+u)
	}
	a.binary, a.env = binary, append(append(appEnv, tokens...), env...)
	p, err := startProcess(appID, binary, nil, a.env, filepath.Join(s.logDir, appID+".log"))
	if err != nil {
		s.t.Fatal(err)
	}
	a.app = p
	s.addApp(a)
	s.t.Cleanup(func() {
		// A function that does not exit 0 on SIGTERM within the grace period, or that
		// crashed during the test, is a defect the test should show. A test that stopped
		// the app itself has seen Stop's error already.
		if a.stopCalled.Load() {
			return
		}
		if err := a.stop(); err != nil {
			s.t.Errorf("%v", err)
		}
	})
	if err := waitHealthy(a.URL+"/healthz", appReadyTimeout, a.app); err != nil {
		s.t.Fatalf("app %s not healthy: %v (process logs follow)", appID, err)
	}

	args := []string{
		"--mode", "standalone",
		"--app-id", appID,
		"--app-port", strconv.Itoa(appPort),
		"--app-protocol", "http",
		"--app-channel-address", "127.0.0.1",
		"--dapr-listen-addresses", "127.0.0.1",
		"--dapr-http-port", strconv.Itoa(httpPort),
		"--dapr-grpc-port", strconv.Itoa(grpcPort),
		"--dapr-internal-grpc-port", strconv.Itoa(internalPort),
		"--dapr-internal-grpc-listen-address", "127.0.0.1",
		"--enable-metrics=true",
		"--metrics-port", strconv.Itoa(metricsPort),
		"--metrics-listen-address", "127.0.0.1",
		"--resources-path", s.resources,
		"--config", s.config,
		"--dapr-graceful-shutdown-seconds", "5",
		"--log-level", "info",
	}
	d, err := startProcess(appID+"/daprd", s.daprd, args, tokens, filepath.Join(s.logDir, appID+".daprd.log"))
	if err != nil {
		s.t.Fatal(err)
	}
	a.daprd = d
	if err := waitHealthy(a.DaprHTTPURL+"/v1.0/healthz", daprdReadyTimeout, a.daprd); err != nil {
		s.t.Fatalf("daprd for %s not healthy: %v (process logs follow)", appID, err)
	}
	return a
}

// PIDs are the process ids of the app and of its daprd (for the benchmark's memory
// readings).
func (a *App) PIDs() (app, daprd int) { return a.app.cmd.Process.Pid, a.daprd.cmd.Process.Pid }

// Stop stops the sidecar, then the app, each with SIGTERM and a grace period. Sidecar
// first, so it stops delivering to an app that is going away. It is idempotent; the
// error tells whether the app stopped cleanly (exit status 0 within the grace period; an
// app ended by Kill counts as clean) and whether daprd was still running. Apps not stopped
// by the test are stopped when it ends, and such an error then fails the test.
func (a *App) Stop() error {
	a.stopCalled.Store(true)
	return a.stop()
}

func (a *App) stop() error {
	a.stopOnce.Do(func() {
		var errs []error
		if a.daprd != nil {
			// A sidecar that died during the test stopped delivering events: that is a
			// failure. How daprd itself exits on SIGTERM is Dapr's business, not the
			// function's, so it is only logged.
			if done, err := a.daprd.exited(); done {
				errs = append(errs, fmt.Errorf("%s exited during the test: %v", a.daprd.name, err))
			} else if err := a.daprd.stop(stopGrace); err != nil {
				a.logf("e2e: %v (not counted as a failure)", err)
			}
		}
		if err := a.app.stop(stopGrace); err != nil && !a.killed.Load() {
			errs = append(errs, err)
		}
		if len(errs) > 0 {
			a.stopErr = fmt.Errorf("stopping app %s: %v", a.ID, errs)
		}
	})
	return a.stopErr
}

// Kill ends the app process at once with SIGKILL, as a crash would, and leaves its daprd
// running.
func (a *App) Kill() {
	a.killed.Store(true)
	a.app.kill()
}

// Restart starts the app process again after Kill, with the same binary, port and
// environment, and waits until it is healthy; its daprd, left running, reaches it on the
// same port. Its log is appended to the same file.
func (a *App) Restart() error {
	if done, _ := a.app.exited(); !done {
		return fmt.Errorf("restarting %s: it is still running", a.ID)
	}
	p, err := startProcess(a.ID, a.binary, nil, a.env, a.app.logPath)
	if err != nil {
		return err
	}
	a.app = p
	a.killed.Store(false)
	if err := waitHealthy(a.URL+"/healthz", appReadyTimeout, p); err != nil {
		return fmt.Errorf("app %s not healthy after restart: %w", a.ID, err)
	}
	return nil
}

// Logs are the paths of the app's and the sidecar's log files.
func (a *App) Logs() (app, daprd string) {
	if a.daprd == nil {
		return a.app.logPath, ""
	}
	return a.app.logPath, a.daprd.logPath
}

// Publish publishes a structured CloudEvent (JSON) to topic through the sidecar's pubsub
// `pubsub`, as Taskline's Dapr publisher does: Content-Type application/cloudevents+json so
// Dapr passes the event through with its id, and the partition key (the user id) as
// metadata.partitionKey.
func (a *App) Publish(ctx context.Context, topic string, cloudEvent []byte, partitionKey string) error {
	u := a.DaprHTTPURL + "/v1.0/publish/pubsub/" + url.PathEscape(topic)
	if partitionKey != "" {
		u += "?metadata.partitionKey=" + url.QueryEscape(partitionKey)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(cloudEvent))
	if err != nil {
		return fmt.Errorf("building publish request: %w", err)
	}
	req.Header.Set("Content-Type", "application/cloudevents+json")
	req.Header.Set("dapr-api-token", a.APIToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("publishing to %s via daprd of %s: %w", topic, a.ID, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("publishing to %s via daprd of %s: HTTP %d: %s", topic, a.ID, resp.StatusCode, body)
	}
	return nil
}

// waitHealthy polls healthURL until it answers 2xx, the process exits, or timeout passes.
func waitHealthy(healthURL string, timeout time.Duration, p *process) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	last := "no answer yet"
	for {
		if done, err := p.exited(); done {
			return fmt.Errorf("%s exited before becoming healthy: %v", p.name, err)
		}
		resp, err := client.Get(healthURL)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				return nil
			}
			last = "HTTP " + resp.Status
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("GET %s not 2xx within %s (last: %s)", healthURL, timeout, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// randomToken is a fresh API token.
func randomToken() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
