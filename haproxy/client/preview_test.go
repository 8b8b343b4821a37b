package client

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/internal/testenv"
)

// TestPreviewMatchesLiveShowStat builds haproxy.PreviewStats from this
// HAProxy's own `show servers state` and proxy rows, with servers in every
// state an operator meets (checked and healthy, failing with HTTP 503,
// refused, disabled, drained, weighted, backup, unchecked), and holds it to
// `show stat` read at the same moment.
func TestPreviewMatchesLiveShowStat(t *testing.T) {
	testenv.Need(t, "haproxy")
	healthy, sick := testenv.Backend(t), testenv.Backend(t)
	sick.SetHealthy(false)
	closed := testenv.Backend(t)
	closed.Stop() // its port refuses connections
	svc := testenv.HAService{Name: "pv", CheckInter: 100 * time.Millisecond, Servers: []testenv.HAServer{
		{Name: "ok", Addr: "127.0.0.1:" + healthy.PortString(), Check: true},
		{Name: "sick", Addr: "127.0.0.1:" + sick.PortString(), Check: true},
		{Name: "refused", Addr: "127.0.0.1:" + closed.PortString(), Check: true},
		{Name: "off", Addr: "127.0.0.1:9", Disabled: true, Check: true},
		{Name: "drained", Addr: "127.0.0.1:" + healthy.PortString(), Check: true},
		{Name: "heavy", Addr: "127.0.0.2:80", Weight: 7},
		{Name: "spare", Addr: "127.0.0.3:80", Options: "backup"},
		{Name: "zero", Addr: "127.0.0.4:80"},
	}}
	h := testenv.HAProxy(t, testenv.HAProxyConfig{Services: []testenv.HAService{svc}})
	be := svc.BackendName()
	for _, cmd := range []string{
		"set server " + be + "/" + svc.Servers[4].ServerName() + " state drain",
		"set server " + be + "/" + svc.Servers[7].ServerName() + " weight 0",
	} {
		if out := strings.TrimSpace(h.Command(cmd)); out != "" {
			t.Fatalf("%s: %q", cmd, out)
		}
	}
	c, err := Dial(context.Background(), Options{Address: h.Socket, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	settled := map[string]string{"ok": "UP", "sick": "DOWN", "refused": "DOWN", "off": "MAINT", "drained": "DRAIN"}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := c.ShowStat(ctx)
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, r := range st.Rows {
			name, _, _ := strings.Cut(r.Name(), "_")
			if w, ok := settled[name]; ok && r.Status() == w {
				done++
			}
		}
		if done == len(settled) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("checks did not settle: %v", statuses(st))
		}
		time.Sleep(50 * time.Millisecond)
	}

	servers, err := c.ShowServersState(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	proxies, err := c.ShowStatFilter(ctx, -1, StatFrontends|StatBackends)
	if err != nil {
		t.Fatal(err)
	}
	full, err := c.ShowStat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pv := haproxy.PreviewStats(proxies, servers)
	if len(pv.Rows) != len(full.Rows) {
		t.Fatalf("%d preview rows, %d in show stat:\n%v\n%v", len(pv.Rows), len(full.Rows), statuses(pv), statuses(full))
	}
	for i := range full.Rows {
		w, g := &full.Rows[i], &pv.Rows[i]
		if g.Key() != w.Key() || g.Type != w.Type || g.IID != w.IID || g.SID != w.SID {
			t.Fatalf("row %d: %s, want %s", i, g.Key(), w.Key())
		}
		if !w.IsServer() {
			continue
		}
		if g.Status() != w.Status() || g.Weight != w.Weight || g.UWeight != w.UWeight ||
			g.CheckStatus() != w.CheckStatus() || g.CheckDesc() != w.CheckDesc() || g.Addr() != w.Addr() || g.Mode() != w.Mode() {
			t.Errorf("%s:\n preview %q w%d/%d check %q %q addr %q mode %q\n    stat %q w%d/%d check %q %q addr %q mode %q",
				w.Key(), g.Status(), g.Weight, g.UWeight, g.CheckStatus(), g.CheckDesc(), g.Addr(), g.Mode(),
				w.Status(), w.Weight, w.UWeight, w.CheckStatus(), w.CheckDesc(), w.Addr(), w.Mode())
		}
	}
}

func statuses(st *haproxy.Stats) []string {
	var out []string
	for _, r := range st.Rows {
		out = append(out, fmt.Sprintf("%s=%q/%s", r.Key(), r.Status(), r.CheckStatus()))
	}
	return out
}
