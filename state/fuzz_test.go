package state

import (
	"strings"
	"testing"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// FuzzJoin feeds Join arbitrary names, addresses and HAProxy statuses (what
// a registry and a stats socket may hold) and checks its invariants: no
// panic, every server row of the backend in exactly one instance, every
// instance diagnosed in sentences, and no events between a view and itself.
func FuzzJoin(f *testing.F) {
	f.Add("ss-accept-host", "127.0.0.1", 31001, "UP", "L7OK", "ss-accept-host_127.0.0.1:31001", "DOWN", "L4CON", false)
	f.Add("", "10.0.0.1", 80, "UP 1/2", "L7OK", "10.0.0.1:80", "MAINT", "", true)
	f.Add("a_b", "::1", 8080, "DOWN 1/2", "L7STS", "a_b_::1:8080", "MAINT (via x/y)", "*L4TOUT", false)
	f.Add("x", "h", -1, "no check", "", "x_h:-1", "DRAIN (agent)", "SOCKERR", true)
	f.Fuzz(func(t *testing.T, name, host string, port int, st1, ck1, srv2, st2, ck2 string, twoSockets bool) {
		regs := []sources.Registration{
			{Service: "svc", Name: name, Host: host, Port: port, Path: "/p/" + name + "_1", Node: name + "_1", Seq: 1, Owner: 1},
			{Service: "svc", Name: name, Host: host, Port: port, Path: "/p/" + name + "_2", Node: name + "_2", Seq: 2, Owner: 2},
			{Service: "svc", Name: srv2, Host: host, Port: port + 1, Path: "/p/x_3", Node: "x_3", Seq: 3, Malformed: st2},
		}
		reg := &sources.Snapshot{Kind: sources.KindZooKeeper, State: sources.StateConnected, Synced: true, At: t0, LastGood: t0,
			Services: []sources.Service{{Name: "svc", Registrations: regs}, {Name: srv2}}}
		server := name + "_" + host + ":"
		rows := []haproxy.Row{
			haproxy.Row{Proxy: "svc", Type: haproxy.TypeServer}.WithString(haproxy.ColName, server).WithString(haproxy.ColStatus, st1).WithString(haproxy.ColCheckStatus, ck1).WithString(haproxy.ColAddr, host),
			haproxy.Row{Proxy: "svc", Type: haproxy.TypeServer}.WithString(haproxy.ColName, srv2).WithString(haproxy.ColStatus, st2).WithString(haproxy.ColCheckStatus, ck2).WithString(haproxy.ColAddr, host),
			haproxy.Row{Proxy: "svc", Type: haproxy.TypeServer}.WithString(haproxy.ColName, srv2).WithString(haproxy.ColStatus, st1).WithString(haproxy.ColCheckStatus, ck2).WithString(haproxy.ColAddr, srv2),
			haproxy.Row{Proxy: srv2, Type: haproxy.TypeServer}.WithString(haproxy.ColName, name).WithString(haproxy.ColStatus, st2).WithString(haproxy.ColAddr, host),
		}
		// HAProxy refuses two servers of one name in a backend: so do we.
		seen := map[[2]string]bool{}
		uniq := rows[:0]
		for _, r := range rows {
			if k := [2]string{r.Proxy, r.Name()}; !seen[k] {
				seen[k] = true
				uniq = append(uniq, r)
			}
		}
		rows = uniq
		haps := []*haproxy.Snapshot{{Label: "A", Stats: &haproxy.Stats{Rows: rows}}}
		if twoSockets {
			other := append([]haproxy.Row(nil), rows[1:]...)
			haps = append(haps, &haproxy.Snapshot{Label: srv2, Stats: &haproxy.Stats{Rows: other}}, &haproxy.Snapshot{Label: "C"})
		}
		for _, r := range []*sources.Snapshot{reg, nil} {
			v := Join(r, haps, Config{Now: t0, WeightsApplied: true, History: NewHistory(4)})
			claimed := map[*haproxy.Row]int{}
			for _, s := range v.Services {
				for _, in := range s.Instances {
					if len(in.Diagnoses) == 0 && (in.Registration != nil || len(haps) > 0) {
						t.Fatalf("%s/%s has no diagnosis", s.Name, in.Server)
					}
					if in.Worst != worstOf(in.Diagnoses) {
						t.Fatalf("worst %q for %v", in.Worst, in.Diagnoses)
					}
					for _, d := range in.Diagnoses {
						if d.Text == "" || !strings.HasSuffix(d.Text, ".") {
							t.Fatalf("not a sentence: %q", d.Text)
						}
					}
					if len(in.HAProxy) != len(haps) {
						t.Fatalf("%d socket views for %d sockets", len(in.HAProxy), len(haps))
					}
					for _, seen := range in.HAProxy {
						if seen.Row != nil {
							claimed[seen.Row]++
						}
					}
				}
			}
			for _, h := range haps {
				if h.Stats == nil {
					continue
				}
				for i := range h.Stats.Rows {
					row := &h.Stats.Rows[i]
					if n := claimed[row]; n > 1 || (n == 0 && v.Registry == nil) {
						t.Fatalf("row %s/%s in %d instances", row.Proxy, row.Name(), n)
					}
				}
			}
			if ev := Diff(v, v); len(ev) != 0 {
				t.Fatalf("events between a view and itself: %+v", ev)
			}
		}
	})
}
