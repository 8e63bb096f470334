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

// RestartBroker starts a fresh broker on the stopped one's address, with Taskline's topics
// created again and empty (kfake keeps everything in memory), and stops it when t ends.
// Clients reconnect to the same address on their own.
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
	t.Cleanup(b.Close)
}
