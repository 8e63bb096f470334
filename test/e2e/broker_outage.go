package e2e

import (
	"fmt"
	"net"
	"strconv"
	"testing"

	"github.com/taskline/taskline/test/e2e/broker"
)

// StopBroker stops the Stack's Kafka-protocol broker, as an outage would: producers and
// consumers (daprd's Kafka component) lose their connections until RestartBroker.
func (s *Stack) StopBroker() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.broker.Close()
}

// PauseBroker makes the Stack's broker unreachable until ResumeBroker, as a broker that is
// down but keeps its log (a Kafka broker restarted with its disk): every request closes
// its client's connection. Unlike StopBroker, nothing produced before is lost.
func (s *Stack) PauseBroker() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.broker.Pause()
}

// ResumeBroker ends PauseBroker; clients reconnect on their own.
func (s *Stack) ResumeBroker() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.broker.Resume()
}

// RestartBroker starts a fresh broker on the stopped one's address, with Taskline's topics
// created again and empty (kfake keeps everything in memory). Clients reconnect to the same
// address on their own. When the Stack's test ends, its apps are stopped before this broker
// (daprd exits non-zero when its Kafka component cannot close cleanly).
func (s *Stack) RestartBroker(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	_, p, err := net.SplitHostPort(s.broker.Addr())
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(p)
	b, err := broker.Start(port)
	if err != nil {
		t.Fatal(fmt.Errorf("restarting the broker on %s: %w", s.broker.Addr(), err))
	}
	s.broker = b
	apps := append([]*App(nil), s.apps...)
	s.t.Cleanup(func() {
		// Runs before the apps' own cleanups (registered earlier), which then report the
		// result of these stops.
		for _, a := range apps {
			_ = a.stop()
		}
		b.Close()
	})
}
