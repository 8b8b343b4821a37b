package actions

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	serfclient "github.com/hashicorp/serf/client"

	"github.com/stacktui/stacktui/haproxy/command"
	"github.com/stacktui/stacktui/internal/testenv"
)

// socketWriter sends one command per connection to a real stats socket.
type socketWriter struct{ network, addr string }

func (s socketWriter) Exec(ctx context.Context, c command.Command) error {
	if c.IsZero() {
		return fmt.Errorf("refusing an unbuilt command")
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, s.network, s.addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, c.String()+"\n"); err != nil {
		return err
	}
	b, err := io.ReadAll(conn)
	if err != nil {
		return err
	}
	if reply := strings.TrimSpace(string(b)); reply != "" {
		return fmt.Errorf("haproxy: %s", reply)
	}
	return nil
}

// haproxyWriter connects to h's admin socket the way main does.
func haproxyWriter(t *testing.T, h *testenv.HAP) HAProxyWriter {
	t.Helper()
	return socketWriter{"unix", h.Socket}
}

// serfWriter is an RPC client of the agent.
func serfWriter(t *testing.T, a *testenv.SerfAgent) *serfclient.RPCClient {
	t.Helper()
	c, err := serfclient.ClientFromConfig(&serfclient.Config{Addr: a.RPCAddr, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("serf rpc %s: %v", a.RPCAddr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// realWriters connects to every real component.
func realWriters(t *testing.T) Writers {
	t.Helper()
	main, peer := haproxies(t)
	a, _ := serfPair(t)
	z := zooKeeper(t)
	return Writers{
		HAProxy: map[string]HAProxyWriter{"main": haproxyWriter(t, main), "peer": haproxyWriter(t, peer)},
		Serf:    serfWriter(t, a),
		ZK:      z.Client(t),
		Files:   OSFiles{},
		Procs:   OSProcs{},
	}
}
