package testenv

import (
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
