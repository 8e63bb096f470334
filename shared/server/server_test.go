package server_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/taskline/taskline/shared/server"
)

func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		server.Serve(ctx, ln, h, slog.New(slog.NewTextHandler(io.Discard, nil)))
		close(done)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

// A client that sends its headers and then trickles (or stops sending) the body it
// announced is cut off after BodyTimeout; a slow answer after a complete body is not.
func TestSlowBodyIsCutOff(t *testing.T) {
	server.BodyTimeout = 300 * time.Millisecond
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "slow body", http.StatusRequestTimeout)
			return
		}
		// A streamed answer that outlives BodyTimeout must not lose its context.
		select {
		case <-time.After(2 * server.BodyTimeout):
			io.WriteString(w, "streamed")
		case <-r.Context().Done():
			http.Error(w, "context cancelled", http.StatusInternalServerError)
		}
	}))

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	io.ReadAll(conn) // until the server closes the connection
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("a stalled body held the connection for %v", took)
	}

	res, err := http.Post("http://"+addr+"/", "text/plain", strings.NewReader("complete"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(bufio.NewReader(res.Body))
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(b) != "streamed" {
		t.Fatalf("slow answer after a complete body: %d %q", res.StatusCode, b)
	}
}
