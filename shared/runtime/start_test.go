package runtime_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/postgres/pgtest"
	"github.com/taskline/taskline/shared/runtime"
)

const startSecret = "start-secret"

// startFunction runs an HTTP function as its main does (runtime.Main) on databaseURL,
// with one API route that reads the database, and returns its base URL once it listens.
func startFunction(t *testing.T, databaseURL string) string {
	t.Helper()
	cfg := runtime.Config{Name: "start", DatabaseURL: databaseURL, JWTSecret: startSecret, Publisher: "none", LogLevel: slog.LevelError + 1}
	build := func(d *runtime.Deps) []runtime.Route {
		return []runtime.Route{{Pattern: "POST /api/{user_id}/probe", Handler: d.Errors.JSON(http.StatusCreated, func(r *http.Request, user string) (any, error) {
			var n int
			err := d.Store.Pool().QueryRow(r.Context(), "SELECT count(*) FROM users WHERE id = $1", user).Scan(&n)
			return map[string]int{"users": n}, err
		})}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- runtime.ServeHTTP(ctx, cfg, build, func(a net.Addr) { listening <- a }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serving: %v", err)
		}
	})
	select {
	case a := <-listening:
		return "http://127.0.0.1:" + strings.TrimPrefix(a.String()[strings.LastIndex(a.String(), ":"):], ":")
	case err := <-done:
		t.Fatalf("the function stopped before it listened: %v", err)
	}
	return ""
}

func get(t *testing.T, u string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// closedPort is an address on which nothing listens.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// withHost points a connection URL at another host:port.
func withHost(t *testing.T, raw, host string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = host
	return u.String()
}

// A function whose database does not answer is alive (/healthz 200, so it is not
// restarted) but not ready (/readyz 503 saying why), and a request that needs the
// database is answered 503 with Retry-After once ReadyWait has passed.
func TestLiveButNotReadyWhileTheDatabaseIsUnreachable(t *testing.T) {
	defer func(w time.Duration) { runtime.ReadyWait = w }(runtime.ReadyWait)
	runtime.ReadyWait = time.Millisecond
	base := startFunction(t, "postgres://postgres@"+closedPort(t)+"/taskline?sslmode=disable")
	if code, body := get(t, base+"/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz = %d %v, want 200", code, body)
	}
	code, body := get(t, base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body["error"].(string), "starting") {
		t.Fatalf("/readyz = %d %v, want 503 saying the process is starting", code, body)
	}

	req, _ := http.NewRequest("POST", base+"/api/ann/probe", nil)
	req.Header.Set("Authorization", "Bearer "+token(t, "ann"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("a request while the database is unreachable = %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// /readyz answers 503 until the pool's first connection is made, then 200; a request sent
// before then waits and is served once the database answers.
func TestRequestBeforeTheDatabaseAnswersIsServedOnceItDoes(t *testing.T) {
	pg := holdConnections(t, pgtest.URL(t))
	base := startFunction(t, pg.url)
	if code, body := get(t, base+"/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz = %d %v, want 200", code, body)
	}
	if code, body := get(t, base+"/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz before the database answers = %d %v, want 503", code, body)
	}

	req, _ := http.NewRequest("POST", base+"/api/bob/probe", nil)
	req.Header.Set("Authorization", "Bearer "+token(t, "bob"))
	answered := sendAndThen(t, req, pg.release)
	resp := <-answered
	if resp == nil {
		t.FailNow()
	}
	defer resp.Body.Close()
	var body map[string]int
	json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != http.StatusCreated || body["users"] != 1 {
		t.Fatalf("the request sent before the database answered = %d %v, want 201 with its user recorded", resp.StatusCode, body)
	}
	if code, body := get(t, base+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz once the database answers = %d %v, want 200", code, body)
	}
}

// A readiness probe that arrives while the process starts is answered as soon as it is
// ready (within ProbeWait), not at the platform's next probe.
func TestReadinessProbeIsAnsweredWhenTheStartEnds(t *testing.T) {
	defer func(w time.Duration) { runtime.ProbeWait = w }(runtime.ProbeWait)
	runtime.ProbeWait = time.Minute
	pg := holdConnections(t, pgtest.URL(t))
	base := startFunction(t, pg.url)
	req, _ := http.NewRequest("GET", base+"/readyz", nil)
	resp := <-sendAndThen(t, req, pg.release)
	if resp == nil {
		t.FailNow()
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz sent while the database was held = %d, want 200 once it answers", resp.StatusCode)
	}
}

// sendAndThen sends req and calls then once the request is written; the answer (nil on
// an error, reported) arrives on the channel.
func sendAndThen(t *testing.T, req *http.Request, then func()) <-chan *http.Response {
	sent := make(chan struct{})
	answered := make(chan *http.Response, 1)
	go func() {
		ctx := httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			WroteRequest: func(httptrace.WroteRequestInfo) { close(sent) },
		})
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err != nil {
			t.Error(err)
			close(answered)
			return
		}
		answered <- resp
	}()
	<-sent
	then()
	return answered
}

func token(t *testing.T, user string) string {
	tok, err := auth.Sign([]byte(startSecret), user, user+"@example.com", "UTC", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// heldPostgres is a TCP proxy to a database that holds every connection until release:
// a database that has not answered yet, for as long as a test needs.
type heldPostgres struct {
	url     string
	release func()
}

func holdConnections(t *testing.T, databaseURL string) heldPostgres {
	t.Helper()
	target, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	released := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			track(c)
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-released
				up, err := net.Dial("tcp", target.Host)
				if err != nil {
					c.Close()
					return
				}
				track(up)
				go func() { io.Copy(up, c); up.Close() }()
				io.Copy(c, up)
				c.Close()
			}()
		}
	}()
	release := func() { once.Do(func() { close(released) }) }
	t.Cleanup(func() {
		ln.Close()
		release()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return heldPostgres{url: withHost(t, databaseURL, ln.Addr().String()), release: release}
}
