package load

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestQuantile(t *testing.T) {
	t.Parallel()
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	l := Sorted(d)
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := l.Quantile(c.q); got != c.want {
			t.Errorf("Quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if Latencies(nil).Quantile(0.5) != 0 {
		t.Error("empty set must give 0")
	}
}

func TestRunStopsAfterCalls(t *testing.T) {
	t.Parallel()
	res, err := Run(context.Background(), Plan{Concurrency: 4, Calls: 100}, func(context.Context, int) error {
		time.Sleep(100 * time.Microsecond)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls != 100 || len(res.Latencies) != 100 || res.Errors != 0 {
		t.Fatalf("calls %d, samples %d, errors %d; want exactly 100 successful calls", res.Calls, len(res.Latencies), res.Errors)
	}
}

func TestRunStopsAfterDurationAndCountsErrors(t *testing.T) {
	t.Parallel()
	start := time.Now()
	res, err := Run(context.Background(), Plan{Concurrency: 2, Duration: 200 * time.Millisecond}, func(_ context.Context, n int) error {
		time.Sleep(time.Millisecond)
		if n%2 == 0 {
			return errors.New("boom")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("run took %v; it must stop by itself after 200ms", el)
	}
	if res.Errors == 0 || res.Calls == 0 || res.FirstError == nil {
		t.Fatalf("want both failures and successes counted, got %+v", res)
	}
}

func TestClientRefusesOtherHosts(t *testing.T) {
	t.Parallel()
	if err := CheckLocal("http://127.0.0.1:8080/x"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"http://localhost:8080", "http://10.0.0.1:80", "https://127.0.0.1:1"} {
		if CheckLocal(u) == nil {
			t.Errorf("CheckLocal(%q) accepted a non-local target", u)
		}
	}
	if _, err := Client(1).Get("http://192.0.2.1:9/"); err == nil {
		t.Fatal("the client dialled a non-local address")
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	a := Result{Concurrency: 2, Calls: 2, Elapsed: time.Second, Latencies: Sorted([]time.Duration{3, 1})}
	b := Result{Concurrency: 2, Calls: 1, Errors: 1, Elapsed: time.Second, Latencies: Sorted([]time.Duration{2})}
	m := Merge(a, b)
	if m.Calls != 3 || m.Errors != 1 || m.Elapsed != 2*time.Second || m.PerSecond() != 1.5 {
		t.Fatalf("merged %+v", m)
	}
	if m.Latencies[0] != 1 || m.Latencies[2] != 3 {
		t.Fatalf("latencies not merged in order: %v", m.Latencies)
	}
}
