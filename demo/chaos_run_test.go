package demo

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/internal/testenv"
)

func TestChaosChangesSomethingByItself(t *testing.T) {
	testenv.Need(t, "haproxy")
	o := quiet(filepath.Join(t.TempDir(), "demo"))
	o.ChaosEvery, o.ChaosFor, o.LoadRate, o.Seed = 400*time.Millisecond, 1500*time.Millisecond, 20, 7
	d := startDemo(t, o)
	if h := d.Happening(); !strings.HasPrefix(h, "quiet: 14 instances of 5 services") {
		t.Errorf("Happening at start = %q", h)
	}

	// Soon something is happening and the line names a demo instance.
	eventually(t, settle, func() (bool, string) {
		h := d.Happening()
		for _, li := range d.insts {
			if strings.HasPrefix(h, li.Service+": "+li.Node+" ") {
				return true, ""
			}
		}
		return false, fmt.Sprintf("Happening = %q", h)
	})

	// And the views change by themselves: some server leaves UP in HAProxy.
	eventually(t, 15*time.Second, func() (bool, string) {
		st := showStat(t, d.HAProxySocket)
		for _, li := range d.insts {
			if s := st[li.Service+"/"+li.serverName()].Status; s != "UP" {
				return true, ""
			}
		}
		return false, "every server still UP; Happening = " + d.Happening()
	})

	// The load generator moves HAProxy's counters.
	eventually(t, settle, func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		c, err := client.Dial(ctx, client.Options{Address: d.HAProxySocket, ReadOnly: true})
		if err != nil {
			return false, err.Error()
		}
		defer c.Close()
		st, err := c.ShowStat(ctx)
		if err != nil {
			return false, err.Error()
		}
		var reqs int64
		for _, r := range st.Rows {
			if r.Name() == "FRONTEND" {
				reqs += r.ReqTot()
			}
		}
		return reqs >= 5, fmt.Sprintf("%d requests through the frontends", reqs)
	})
}

func TestWithoutHAProxyTheRegistrySideRunsAlone(t *testing.T) {
	o := quiet(filepath.Join(t.TempDir(), "demo"))
	o.HAProxyBin = filepath.Join(t.TempDir(), "no-such-haproxy")
	d := startDemo(t, o)
	if d.NoHAProxy == "" || strings.Contains(d.NoHAProxy, "\n") || !strings.Contains(d.NoHAProxy, "apt-get install haproxy") {
		t.Errorf("NoHAProxy = %q, want one line saying how to install it", d.NoHAProxy)
	}
	if d.HAProxySocket != "" || d.ReloadCommand != "" {
		t.Errorf("HAProxySocket=%q ReloadCommand=%q without haproxy", d.HAProxySocket, d.ReloadCommand)
	}
	if len(d.serf.members()) != len(nodeNames) {
		t.Errorf("serf members: %v", d.serf.members())
	}
	li := instanceOf(t, d, "svc_cart", 1)
	li.nerveOff.Store(true)
	eventually(t, settle, func() (bool, string) {
		for _, m := range d.serf.members() {
			if _, ok := m.Tags[li.serfTag()]; ok && m.Name == li.Node {
				return false, "tag " + li.serfTag() + " still on " + m.Name
			}
		}
		return true, ""
	})
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, d.Dir)
}

func TestCloseOnNilAndFailedDemo(t *testing.T) {
	var d *Demo
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if got := d.Happening(); got == "" {
		t.Error("Happening on nil demo is empty")
	}
}

func TestAnHAProxyThatWillNotStartLeavesTheRegistrySide(t *testing.T) {
	testenv.Need(t, "false")
	bin, err := exec.LookPath("false")
	if err != nil {
		t.Fatal(err)
	}
	o := quiet(filepath.Join(t.TempDir(), "demo"))
	o.HAProxyBin = bin
	d := startDemo(t, o)
	if !strings.Contains(d.NoHAProxy, "did not start") || strings.Contains(d.NoHAProxy, "\n") {
		t.Errorf("NoHAProxy = %q", d.NoHAProxy)
	}
	if d.HAProxySocket != "" || d.hap != nil || d.SerfRPC == "" {
		t.Errorf("socket %q hap %v serf %q", d.HAProxySocket, d.hap, d.SerfRPC)
	}
}

func TestStartRefusesANonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "precious")
	if err := os.WriteFile(keep, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := Start(t.Context(), quiet(dir))
	if err == nil {
		d.Close()
		t.Fatal("Start took a non-empty dir")
	}
	if _, err := os.Stat(keep); err != nil {
		t.Fatalf("the failed Start removed someone's file: %v", err)
	}
}
