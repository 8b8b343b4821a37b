package testenv

import (
	"fmt"
	"net"
	"strconv"
	"sync"
)

// portMu and handedOut keep one test binary from handing the same port to
// two components before either has bound it.
var (
	portMu    sync.Mutex
	handedOut = map[int]bool{}
)

// FreePort returns a loopback TCP port that was free a moment ago. Another
// process may still take it before the caller binds: starters retry on a
// bind conflict.
func FreePort() (int, error) {
	portMu.Lock()
	defer portMu.Unlock()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("testenv: no free loopback port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if handedOut[port] {
			continue
		}
		// Serf also binds UDP on its port: make sure that is free too.
		u, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		u.Close()
		handedOut[port] = true
		return port, nil
	}
	return 0, fmt.Errorf("testenv: could not find a free loopback port after 50 tries")
}

// freeAddr is FreePort as "127.0.0.1:port".
func freeAddr() (string, int, error) {
	p, err := FreePort()
	if err != nil {
		return "", 0, err
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), p, nil
}
