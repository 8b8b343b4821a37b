package demo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	serfclient "github.com/hashicorp/serf/client"
	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/haproxy/command"
	"github.com/stacktui/stacktui/internal/testenv"
)

// quiet is the options of a demo without chaos or load, so tests decide
// every change.
func quiet(dir string) Options {
	return Options{Dir: dir, ChaosEvery: -1, LoadRate: -1, NerveInterval: 200 * time.Millisecond}
}

// allUp waits until every demo server shows UP in HAProxy.
func allUp(t *testing.T, d *Demo, wait time.Duration) {
	t.Helper()
	eventually(t, wait, func() (bool, string) {
		st := showStat(t, d.HAProxySocket)
		for _, li := range d.insts {
			k := d.Backends[li.Service] + "/" + li.serverName()
			if got := st[k].Status; firstWord(got) != "UP" {
				return false, fmt.Sprintf("%s is %q", k, got)
			}
		}
		return true, ""
	})
}

// firstWord is a status without its check progress: "UP 1/2" is UP (a
// check failed on a busy machine, the server still takes traffic).
func firstWord(status string) string {
	w, _, _ := strings.Cut(status, " ")
	return w
}

// serverStatus waits until server k's status is want, check progress aside.
func serverStatus(t *testing.T, d *Demo, k, want string, wait time.Duration) {
	t.Helper()
	eventually(t, wait, func() (bool, string) {
		got := showStat(t, d.HAProxySocket)[k].Status
		if firstWord(got) == want {
			return true, ""
		}
		cur, _ := d.synapse.current()
		d.synapse.mu.Lock()
		_, applied := d.synapse.applied[k]
		d.synapse.mu.Unlock()
		_, registered := cur[k]
		return false, fmt.Sprintf("%s is %q, want %q (registered now: %v, registered as last applied: %v, synapse error: %v)",
			k, got, want, registered, applied, d.synapse.lastErr.Load())
	})
}

func TestSerfDemo(t *testing.T) {
	testenv.Need(t, "haproxy")
	dir := filepath.Join(t.TempDir(), "demo")
	began := time.Now()
	d := startDemo(t, quiet(dir))
	t.Logf("Start took %s", time.Since(began))
	if d.NoHAProxy != "" {
		t.Fatalf("haproxy is in PATH but the demo says: %s", d.NoHAProxy)
	}
	if d.Dir != dir || d.ZK != "" || d.SerfRPC == "" || d.HAProxySocket == "" || d.ReloadCommand == "" {
		t.Fatalf("demo fields: %+v", d)
	}
	if _, err := os.Stat(d.AuditLog); err != nil {
		t.Fatalf("audit log: %v", err)
	}

	t.Run("serf RPC lists members with smart tags", func(t *testing.T) {
		c, err := serfclient.NewRPCClient(d.SerfRPC)
		if err != nil {
			t.Fatalf("serf RPC %s: %v", d.SerfRPC, err)
		}
		defer c.Close()
		eventually(t, settle, func() (bool, string) {
			ms, err := c.Members()
			if err != nil {
				return false, err.Error()
			}
			tags := 0
			alive := 0
			for _, m := range ms {
				if m.Status == "alive" {
					alive++
				}
				if m.Tags[serfWeightTag] != "50" {
					return false, fmt.Sprintf("member %s has no %s=50: %v", m.Name, serfWeightTag, m.Tags)
				}
				for k, v := range m.Tags {
					if strings.HasPrefix(k, "smart:svc_") {
						tags++
						if _, _, err := net.SplitHostPort(v); err != nil {
							return false, fmt.Sprintf("tag %s=%q is not host:port", k, v)
						}
					}
				}
			}
			return alive == len(nodeNames) && tags == instanceCount(demoServices),
				fmt.Sprintf("%d alive members, %d smart: tags", alive, tags)
		})
	})

	t.Run("haproxy shows every backend with its servers UP", func(t *testing.T) {
		allUp(t, d, 5*time.Second)
		st := showStat(t, d.HAProxySocket)
		for svc, be := range d.Backends {
			if _, ok := st[be+"/BACKEND"]; !ok {
				t.Errorf("no backend %s for %s", be, svc)
			}
			if _, ok := st[svc+"/FRONTEND"]; !ok {
				t.Errorf("no frontend %s", svc)
			}
		}
	})

	t.Run("synapse puts a deregistered server in MAINT and back", func(t *testing.T) {
		li := instanceOf(t, d, "svc_cart", 0)
		k := "svc_cart/" + li.serverName()
		li.nerveOff.Store(true)
		serverStatus(t, d, k, "MAINT", 10*time.Second)
		li.nerveOff.Store(false)
		serverStatus(t, d, k, "UP", 10*time.Second)
	})

	t.Run("an operator's drain over the socket stays until the registration changes", func(t *testing.T) {
		li := instanceOf(t, d, "svc_checkout", 1)
		k := "svc_checkout/" + li.serverName()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		op, err := client.Dial(ctx, client.Options{Address: d.HAProxySocket})
		if err != nil {
			t.Fatal(err)
		}
		defer op.Close()
		drain, err := command.SetState("svc_checkout", li.serverName(), command.StateDrain)
		if err != nil {
			t.Fatal(err)
		}
		if err := op.Exec(ctx, drain); err != nil {
			t.Fatal(err)
		}
		serverStatus(t, d, k, "DRAIN", 10*time.Second)
		time.Sleep(4 * d.synapse.interval) // several synapse cycles with no registry change
		if got := showStat(t, d.HAProxySocket)[k].Status; firstWord(got) != "DRAIN" {
			t.Fatalf("synapse undid the operator's drain: %s is %q", k, got)
		}
		// A deregistration and re-registration re-enables it, as Synapse does.
		li.nerveOff.Store(true)
		serverStatus(t, d, k, "MAINT", 10*time.Second)
		li.nerveOff.Store(false)
		serverStatus(t, d, k, "UP", 10*time.Second)
	})

	t.Run("a failing health check goes DOWN then MAINT when Nerve deregisters", func(t *testing.T) {
		li := instanceOf(t, d, "svc_users", 1)
		k := "svc_users/" + li.serverName()
		li.failing.Store(true)
		serverStatus(t, d, k, "MAINT", 10*time.Second)
		li.failing.Store(false)
		serverStatus(t, d, k, "UP", 10*time.Second)
	})

	t.Run("a hacheck spool file takes the instance out", func(t *testing.T) {
		li := instanceOf(t, d, "svc_search", 2)
		k := "svc_search/" + li.serverName()
		spool := filepath.Join(d.SpoolDir, li.Service+":"+strconv.Itoa(li.Port))
		if err := os.WriteFile(spool, []byte(`{"reason":"test","expiration":null,"creation":1}`), 0o600); err != nil {
			t.Fatal(err)
		}
		serverStatus(t, d, k, "MAINT", 10*time.Second)
		if err := os.Remove(spool); err != nil {
			t.Fatal(err)
		}
		serverStatus(t, d, k, "UP", 10*time.Second)
	})

	t.Run("serverweight set over the RPC reaches haproxy", func(t *testing.T) {
		c, err := serfclient.NewRPCClient(d.SerfRPC)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.UpdateTags(map[string]string{serfWeightTag: "0"}, nil); err != nil {
			t.Fatalf("serf tags -set: %v", err)
		}
		var onFirst []string
		for _, li := range d.insts {
			if li.Node == nodeNames[0] {
				onFirst = append(onFirst, li.Service+"/"+li.serverName())
			}
		}
		eventually(t, settle, func() (bool, string) {
			st := showStat(t, d.HAProxySocket)
			for _, k := range onFirst {
				if st[k].Weight != "0" {
					return false, fmt.Sprintf("%s weight %q", k, st[k].Weight)
				}
			}
			return true, ""
		})
		if err := c.UpdateTags(map[string]string{serfWeightTag: "50"}, nil); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("ReloadCommand really reloads haproxy", func(t *testing.T) {
		// A poller's persistent session, opened before the reload, must end
		// up on the new process too (the old one is hard-stopped).
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		poller, err := client.Dial(ctx, client.Options{Address: d.HAProxySocket, ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer poller.Close()
		info, err := poller.ShowInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		before := info.PID
		if out, err := exec.Command("sh", "-c", d.ReloadCommand).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v %s", d.ReloadCommand, err, out)
		}
		// The events, in order: a new generation answers on the socket, the
		// old one is hard-stopped and reaped, the poller's next read lands on
		// the new one. The bounds only guard against a hang.
		eventually(t, 40*time.Second, func() (bool, string) {
			now := socketPID(d.HAProxySocket)
			return now != 0 && now != before, fmt.Sprintf("pid on a fresh session still %d", now)
		})
		reaped(t, d.hap, before)
		eventually(t, 10*time.Second, func() (bool, string) {
			info, err := poller.ShowInfo(ctx)
			if err != nil {
				return false, err.Error()
			}
			return info.PID != before, fmt.Sprintf("persistent session still on old pid %d", before)
		})
		if n := d.synapse.reloads.Load(); n != 1 {
			t.Errorf("%d reloads counted, want 1", n)
		}
		allUp(t, d, 5*time.Second)
	})

	t.Run("Close leaves no process and no dir", func(t *testing.T) {
		pid := d.hap.pid()
		if pid == 0 {
			t.Fatal("no haproxy pid before Close")
		}
		if err := d.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := d.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("haproxy pid %d still there after Close (kill 0: %v)", pid, err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("dir %s still there after Close: %v", dir, err)
		}
		if c, err := net.DialTimeout("tcp", d.SerfRPC, time.Second); err == nil {
			c.Close()
			t.Errorf("serf RPC %s still answers after Close", d.SerfRPC)
		}
		for _, li := range d.insts {
			if c, err := net.DialTimeout("tcp", li.addr(), time.Second); err == nil {
				c.Close()
				t.Errorf("instance %s still listens after Close", li.key())
			}
		}
	})
}
