package testenv

import (
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestSerfClusterTagsLeaveAndFailure(t *testing.T) {
	a := Serf(t, "node-a", map[string]string{"smart:svc_a": "127.0.0.1:31001", "role": "web"})
	b := Serf(t, "node-b", map[string]string{"smart:svc_a": "127.0.0.1:31002"}, a.BindAddr)
	c := Serf(t, "node-c", nil, a.BindAddr)

	if err := c.WaitMembers(10*time.Second, map[string]string{"node-a": "alive", "node-b": "alive", "node-c": "alive"}); err != nil {
		t.Fatal(err)
	}
	ms, err := c.Members()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]SerfMember{}
	for _, m := range ms {
		byName[m.Name] = m
	}
	if len(ms) != 3 || byName["node-a"].Tags["smart:svc_a"] != "127.0.0.1:31001" || byName["node-a"].Tags["role"] != "web" ||
		byName["node-b"].Tags["smart:svc_a"] != "127.0.0.1:31002" {
		t.Fatalf("members %+v", ms)
	}

	// Nerve's Serf reporter: tag file + SIGHUP, seen by the others.
	if err := c.SetNerveTag("svc_c_8080", "127.0.0.1:8080"); err != nil {
		t.Fatal(err)
	}
	err = waitFor(10*time.Second, func() error {
		ms, err := a.Members()
		if err != nil {
			return err
		}
		for _, m := range ms {
			if m.Name == "node-c" && m.Tags["smart:svc_c_8080"] == "127.0.0.1:8080" {
				return nil
			}
		}
		return &statusErr{got: "no tag", want: "smart:svc_c_8080"}
	})
	if err != nil {
		t.Fatal(err)
	}

	// A graceful leave while everyone is alive shows "left".
	c.Leave()
	if err := a.WaitMembers(20*time.Second, map[string]string{"node-c": "left", "node-b": "alive"}); err != nil {
		t.Fatal(err)
	}
	// memberlist needs a third live node to confirm a suspicion quickly
	// (alone, a waits SuspicionMaxTimeoutMult times longer): add node-d.
	Serf(t, "node-d", nil, a.BindAddr)
	if err := a.WaitMembers(10*time.Second, map[string]string{"node-d": "alive"}); err != nil {
		t.Fatal(err)
	}
	b.Kill()
	if err := a.WaitMembers(20*time.Second, map[string]string{"node-b": "failed"}); err != nil {
		t.Fatal(err)
	}
}

func TestSerfRPCAuth(t *testing.T) {
	a := SerfWith(t, SerfConfig{Name: "auth-a", RPCAuth: "s3cret"})
	if _, err := a.Members(); err != nil {
		t.Fatalf("members with the key: %v", err)
	}
	noKey := &SerfAgent{Name: a.Name, RPCAddr: a.RPCAddr}
	if _, err := noKey.Members(); err == nil || !strings.Contains(strings.ToLower(err.Error()), "auth") {
		t.Fatalf("members without the key: %v; want an auth error", err)
	}
}

// TestSerfJoinRetriesAFailedJoin: a join that fails (on a loaded machine the
// push-pull misses the local profile's 1 s TCP timeout; here the first
// attempt reaches a listener that hangs up) is retried, and StartSerf
// returns once the agent has joined. With -join the agent exited on the
// first failure and the test's cluster was never formed.
func TestSerfJoinRetriesAFailedJoin(t *testing.T) {
	Need(t, "serf")
	peer, _, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", peer)
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan error, 1)
	var b *SerfAgent
	go func() {
		var err error
		b, err = StartSerf(SerfConfig{Name: "joiner", Join: []string{peer}})
		started <- err
	}()
	// The joiner's first attempt: hang up on it, then bring the real peer
	// up at that address.
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(30 * time.Second))
	c, err := ln.Accept()
	if err != nil {
		t.Fatalf("the joiner never tried %s: %v", peer, err)
	}
	c.Close()
	ln.Close()
	rpc, _, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	p := exec.Command("serf", "agent", "-node=peer", "-bind="+peer, "-rpc-addr="+rpc, "-profile=local")
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Process.Kill(); p.Wait() })
	if err := <-started; err != nil {
		t.Fatalf("the joiner gave up: %v", err)
	}
	t.Cleanup(b.Stop)
}
