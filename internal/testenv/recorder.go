package testenv

import (
	"bufio"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// CommandRecorder sits between a client and a real HAProxy stats socket
// (whose admin level would accept any write) and records every command
// the client sends, split on ';' as HAProxy does. Read-only tests look at
// what reached the socket, not at what the client meant to send.
type CommandRecorder struct {
	// Addr is where clients connect: a unix socket path or a TCP
	// host:port, as asked of RecordCommands.
	Addr string

	mu   sync.Mutex
	cmds []string
}

// RecordCommands listens on network ("unix": a socket in a temporary
// directory; "tcp": a loopback port) and forwards every connection to the
// unix socket target, recording the commands, until the test ends.
func RecordCommands(t testing.TB, network, target string) *CommandRecorder {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = filepath.Join(t.TempDir(), "recorder.sock")
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	r := &CommandRecorder{Addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go r.serve(c, target)
		}
	}()
	return r
}

func (r *CommandRecorder) serve(c net.Conn, target string) {
	defer c.Close()
	s, err := net.Dial("unix", target)
	if err != nil {
		return
	}
	defer s.Close()
	go func() { io.Copy(c, s); c.Close() }()
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			r.mu.Lock()
			for _, cmd := range strings.Split(strings.TrimRight(line, "\r\n"), ";") {
				r.cmds = append(r.cmds, strings.TrimSpace(cmd))
			}
			r.mu.Unlock()
			if _, err := io.WriteString(s, line); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Commands returns the commands recorded so far, in order.
func (r *CommandRecorder) Commands() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.cmds...)
}
