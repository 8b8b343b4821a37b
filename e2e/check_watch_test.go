package e2e

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
)

// waitStatus polls `show stat` until server's status starts with want.
func waitStatus(t *testing.T, h *testenv.HAP, backend, server, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, line := range strings.Split(h.Command("show stat"), "\n") {
			f := strings.Split(line, ",")
			if len(f) > 17 && f[0] == backend && f[1] == server && strings.HasPrefix(f[17], want) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/%s never became %s:\n%s", backend, server, want, h.Command("show stat"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestCheckExitCodes(t *testing.T) {
	z := testenv.ZooKeeper(t)
	a, b := testenv.Backend(t), testenv.Backend(t)
	h := testenv.HAProxy(t, testenv.HAProxyConfig{Services: []testenv.HAService{{
		Name: "svc_a", CheckInter: 200 * time.Millisecond,
		Servers: []testenv.HAServer{{Name: "web", Addr: a.Addr, Check: true}, {Name: "web", Addr: b.Addr, Check: true}},
	}}})
	n := z.Nerve(t, "web")
	n.Register("/nerve/services/svc_a/services", a.Host, a.Port)
	n.Register("/nerve/services/svc_a/services", b.Host, b.Port)
	waitStatus(t, h, "svc_a", "web_"+a.Addr, "UP")
	waitStatus(t, h, "svc_a", "web_"+b.Addr, "UP")

	check := func(args ...string) (string, int) {
		out, _, code := run(t, nil, append([]string{"check", "--timeout", "5s", "--haproxy", h.Socket}, args...)...)
		return out, code
	}
	if out, code := check("--zk", z.Addr, "--service", "svc_a"); code != 0 || !strings.HasPrefix(out, "STACKTUI OK") || !strings.Contains(out, "'svc_a_up'=2") {
		t.Fatalf("all up: exit %d %q", code, out)
	}
	b.SetHealthy(false)
	waitStatus(t, h, "svc_a", "web_"+b.Addr, "DOWN")
	if out, code := check("--zk", z.Addr); code != 1 || !strings.HasPrefix(out, "STACKTUI WARNING") {
		t.Fatalf("one down: exit %d %q", code, out)
	}
	a.SetHealthy(false)
	waitStatus(t, h, "svc_a", "web_"+a.Addr, "DOWN")
	if out, code := check("--zk", z.Addr); code != 2 || !strings.HasPrefix(out, "STACKTUI CRITICAL") {
		t.Fatalf("all down: exit %d %q", code, out)
	}
	if out, code := check("--zk", z.Addr, "--json"); code != 2 || !strings.Contains(out, `"status": "CRITICAL"`) {
		t.Fatalf("json: exit %d %q", code, out)
	}
	if out, code := check("--zk", "127.0.0.1:1"); code != 3 || !strings.HasPrefix(out, "STACKTUI UNKNOWN") {
		t.Fatalf("ZooKeeper unreachable: exit %d %q", code, out)
	}
}

func TestWatchStreamsRegistrations(t *testing.T) {
	z := testenv.ZooKeeper(t)
	a := testenv.Backend(t)
	n := z.Nerve(t, "web")
	n.Register("/nerve/services/svc_a/services", a.Host, a.Port)

	cmd := exec.Command(binary, "watch", "--zk", z.Addr, "--service", "svc_a")
	cmd.Env = isolatedEnv(t)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan map[string]any, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				lines <- m
			}
		}
		close(lines)
	}()
	// Each event is waited for; the bound only guards against a hang.
	next := func(kind string) map[string]any {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case m, ok := <-lines:
				if !ok {
					t.Fatalf("watch exited before a %s event", kind)
				}
				if m["kind"] == kind {
					return m
				}
			case <-timeout:
				t.Fatalf("no %s event within 20s", kind)
			}
		}
	}
	// watch says when it has its first snapshot: changes from then on are reported.
	if m := next("ready"); !strings.Contains(m["text"].(string), "watching 1 services") {
		t.Fatalf("ready line %v", m)
	}
	b := testenv.Backend(t)
	path := n.Register("/nerve/services/svc_a/services", b.Host, b.Port)
	if m := next("registered"); m["service"] != "svc_a" || !strings.Contains(m["instance"].(string), b.PortString()) {
		t.Fatalf("registered event %v", m)
	}
	n.Deregister(path)
	if m := next("deregistered"); !strings.Contains(m["instance"].(string), b.PortString()) {
		t.Fatalf("deregistered event %v", m)
	}
	// Another service's change is filtered out: it happens before a change
	// of svc_a, and the next line is svc_a's.
	n.Register("/nerve/services/svc_other/services", b.Host, b.Port)
	path = n.Register("/nerve/services/svc_a/services", b.Host, b.Port)
	if m := next("registered"); m["service"] != "svc_a" {
		t.Fatalf("--service filter let through %v", m)
	}
}
