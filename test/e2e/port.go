package e2e

import (
	"fmt"
	"net"
	"sync"
)

// handedOut remembers ports given to earlier callers in this process: the kernel may hand
// the same free port to two listeners probed one after the other before either is bound.
var (
	portMu    sync.Mutex
	handedOut = map[int]bool{}
)

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago and not yet handed
// out by this process. There is a window before the caller binds it; that is the price of
// passing ports to other processes as flags.
func freePort() (int, error) {
	portMu.Lock()
	defer portMu.Unlock()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("probing for a free port: %w", err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if !handedOut[p] {
			handedOut[p] = true
			return p, nil
		}
	}
	return 0, fmt.Errorf("probing for a free port: no unused port after 100 tries")
}
