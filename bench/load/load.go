// Package load is the benchmark's load generator: closed-loop workers that call a function
// as fast as it answers, for a fixed time or a fixed number of calls, and record each
// call's latency. It only ever calls what it is given; HTTP targets are checked to be
// 127.0.0.1 by Client, so a mistyped address cannot send load anywhere else.
package load

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Result is what a run measured.
type Result struct {
	Concurrency int
	Calls       int           // calls that succeeded
	Errors      int           // calls that failed
	FirstError  error         // the first failure, to show why
	Elapsed     time.Duration // wall time of the measured part of the run
	Latencies   Latencies     // of the calls that succeeded
}

// PerSecond is the rate of successful calls.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Calls) / r.Elapsed.Seconds()
}

// Latencies is a sorted set of call durations.
type Latencies []time.Duration

// Quantile returns the q-quantile (0..1) by the nearest-rank method; 0 for no samples.
func (l Latencies) Quantile(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	i := int(q*float64(len(l))+0.999999) - 1
	return l[max(0, min(i, len(l)-1))]
}

// Max is the slowest sample.
func (l Latencies) Max() time.Duration {
	if len(l) == 0 {
		return 0
	}
	return l[len(l)-1]
}

// Sorted returns the samples as Latencies, sorted.
func Sorted(d []time.Duration) Latencies {
	l := slices.Clone(d)
	slices.Sort(l)
	return l
}

// Plan says how long a run lasts. Calls made during Warmup are not recorded. The run ends
// after Duration or after Calls calls, whichever comes first (zero means no bound; one of
// them must be set), and always when ctx ends.
type Plan struct {
	Concurrency int
	Warmup      time.Duration
	Duration    time.Duration
	Calls       int
}

// Run calls fn from Concurrency workers until the plan ends. fn gets the call's sequence
// number (0, 1, 2, ... across workers, warm-up included) and returns an error for a failed
// call; failures are counted, not retried.
func Run(ctx context.Context, p Plan, fn func(ctx context.Context, seq int) error) (Result, error) {
	if p.Concurrency < 1 {
		return Result{}, errors.New("load: concurrency must be at least 1")
	}
	if p.Duration <= 0 && p.Calls <= 0 {
		return Result{}, errors.New("load: a plan needs a duration or a number of calls")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		seq      atomic.Int64
		done     atomic.Int64 // measured calls handed out
		measured atomic.Bool
		mu       sync.Mutex
		res      = Result{Concurrency: p.Concurrency}
		all      []time.Duration
		wg       sync.WaitGroup
	)
	start := time.Now()
	if p.Warmup <= 0 {
		measured.Store(true)
	}
	for range p.Concurrency {
		wg.Go(func() {
			var mine []time.Duration
			errs, ok := 0, 0
			var firstErr error
			for ctx.Err() == nil {
				m := measured.Load()
				if m && p.Calls > 0 && done.Add(1) > int64(p.Calls) {
					break
				}
				n := int(seq.Add(1) - 1)
				t0 := time.Now()
				err := fn(ctx, n)
				d := time.Since(t0)
				if !m {
					continue
				}
				if err != nil {
					if ctx.Err() != nil {
						break // the run ended during the call: not a failure of the target
					}
					errs++
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				ok++
				mine = append(mine, d)
			}
			mu.Lock()
			all = append(all, mine...)
			res.Calls += ok
			res.Errors += errs
			if res.FirstError == nil {
				res.FirstError = firstErr
			}
			mu.Unlock()
		})
	}
	var measureStart time.Time
	if p.Warmup > 0 {
		select {
		case <-time.After(p.Warmup):
		case <-ctx.Done():
		}
		measured.Store(true)
	}
	measureStart = time.Now()
	if p.Duration > 0 {
		timer := time.AfterFunc(p.Duration, cancel)
		defer timer.Stop()
	}
	wg.Wait()
	res.Elapsed = time.Since(measureStart)
	if p.Warmup <= 0 {
		res.Elapsed = time.Since(start)
	}
	res.Latencies = Sorted(all)
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return res, err
	}
	return res, nil
}

// Client returns an HTTP client for one target with room for concurrency kept-alive
// connections. It refuses to dial anything but 127.0.0.1.
func Client(concurrency int) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		MaxIdleConns:        concurrency * 2,
		MaxIdleConnsPerHost: concurrency * 2,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil || host != "127.0.0.1" {
				return nil, fmt.Errorf("load: refusing to dial %s: the benchmark only targets 127.0.0.1", addr)
			}
			return d.DialContext(ctx, network, addr)
		},
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// CheckLocal fails unless u is an http URL on 127.0.0.1.
func CheckLocal(u string) error {
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("load: parsing %q: %w", u, err)
	}
	if p.Scheme != "http" || p.Hostname() != "127.0.0.1" {
		return fmt.Errorf("load: %q is not on http://127.0.0.1: the benchmark only targets this machine", u)
	}
	return nil
}

// Merge combines runs of the same work (e.g. rounds alternated with a baseline, so noise
// on a shared machine falls on both alike) into one result.
func Merge(rs ...Result) Result {
	var m Result
	var all []time.Duration
	for _, r := range rs {
		m.Concurrency = r.Concurrency
		m.Calls += r.Calls
		m.Errors += r.Errors
		m.Elapsed += r.Elapsed
		if m.FirstError == nil {
			m.FirstError = r.FirstError
		}
		all = append(all, r.Latencies...)
	}
	m.Latencies = Sorted(all)
	return m
}
