package actions

import (
	"context"
	"testing"
	"time"

	serfclient "github.com/hashicorp/serf/client"

	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/internal/testenv"
)

// haproxyWriter connects to h's admin socket the way main does.
func haproxyWriter(t *testing.T, label string, h *testenv.HAP) HAProxyWriter {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, client.Options{Label: label, Address: h.Socket})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
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
		HAProxy: map[string]HAProxyWriter{"main": haproxyWriter(t, "main", main), "peer": haproxyWriter(t, "peer", peer)},
		Serf:    serfWriter(t, a),
		ZK:      z.Client(t),
		Files:   OSFiles{},
		Procs:   OSProcs{},
	}
}
