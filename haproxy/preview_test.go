package haproxy

import (
	"reflect"
	"slices"
	"testing"
)

// previewInPieces is PreviewStats with the servers handed to the builder
// step at a time, as the client hands them over while it reads.
func previewInPieces(proxies *Stats, servers []ServerState, step int) *Stats {
	b := NewPreviewBuilder(proxies)
	for len(servers) > 0 {
		n := min(step, len(servers))
		b.Add(slices.Clone(servers[:n])) // the builder keeps nothing of a piece
		servers = servers[n:]
	}
	return b.Stats()
}

// previewOf builds the preview from a capture's `show stat` proxy rows and
// its `show servers state`, as the poller does from the two live replies,
// handing the servers over step at a time.
func previewOf(t *testing.T, prefix string, step int) (full, preview *Stats) {
	t.Helper()
	full, err := ParseStat(readTestdata(t, prefix+"-show-stat.txt"))
	if err != nil {
		t.Fatal(err)
	}
	servers, err := ParseServersState(readTestdata(t, prefix+"-show-servers-state.txt"))
	if err != nil {
		t.Fatal(err)
	}
	proxies := &Stats{Fields: full.Fields}
	for _, r := range full.Rows {
		if r.Type == TypeFrontend || r.Type == TypeBackend {
			proxies.Rows = append(proxies.Rows, r)
		}
	}
	return full, previewInPieces(proxies, servers, step)
}

// TestPreviewMatchesCapturedShowStat holds PreviewStats to what HAProxy
// 2.6 wrote in the same moment, for servers draining, down by their agent,
// backup, disabled, checked and not: the same rows in the same order, the
// same kind of status, weight, check result and address.
func TestPreviewMatchesCapturedShowStat(t *testing.T) {
	for _, c := range []struct {
		prefix string
		step   int
	}{{"states", 1000}, {"states", 1}, {"states", 3}, {"deregistered", 1000}, {"deregistered", 2}, {"stale-session", 1000}} {
		prefix := c.prefix
		full, pv := previewOf(t, prefix, c.step)
		var want []Row
		for _, r := range full.Rows {
			if r.Type != TypeListener {
				want = append(want, r)
			}
		}
		if len(pv.Rows) != len(want) {
			t.Fatalf("%s: %d preview rows, want %d", prefix, len(pv.Rows), len(want))
		}
		for i := range want {
			w, g := &want[i], &pv.Rows[i]
			if g.Key() != w.Key() || g.Type != w.Type || g.IID != w.IID || g.SID != w.SID {
				t.Fatalf("%s row %d: %s (type %d, %d/%d), want %s (type %d, %d/%d)", prefix, i, g.Key(), g.Type, g.IID, g.SID, w.Key(), w.Type, w.IID, w.SID)
			}
			if !w.IsServer() {
				if g.Preview || g.Status() != w.Status() || g.SCur() != w.SCur() {
					t.Errorf("%s %s: proxy row changed: %+v", prefix, w.Key(), g)
				}
				continue
			}
			if !g.Preview {
				t.Errorf("%s %s: server row not marked Preview", prefix, w.Key())
			}
			if g.StatusWord() != w.StatusWord() || g.Weight != w.Weight || g.UWeight != w.UWeight ||
				g.CheckStatus() != w.CheckStatus() || g.CheckDesc() != w.CheckDesc() || g.Addr() != w.Addr() || g.Mode() != w.Mode() {
				t.Errorf("%s %s:\n preview %q w%d/%d check %q %q addr %q mode %q\n    stat %q w%d/%d check %q %q addr %q mode %q",
					prefix, w.Key(), g.Status(), g.Weight, g.UWeight, g.CheckStatus(), g.CheckDesc(), g.Addr(), g.Mode(),
					w.Status(), w.Weight, w.UWeight, w.CheckStatus(), w.CheckDesc(), w.Addr(), w.Mode())
			}
			if d := g.LastChange() - w.LastChange(); d < -2e9 || d > 2e9 { // captured a moment apart
				t.Errorf("%s %s: last change %s, want %s", prefix, w.Key(), g.LastChange(), w.LastChange())
			}
		}
	}
}

func TestPreviewStatus(t *testing.T) {
	for _, c := range []struct {
		s    ServerState
		want string
	}{
		{ServerState{OpState: 2, CheckState: 6}, "UP"},
		{ServerState{OpState: 1, CheckState: 6}, "UP"}, // slow start
		{ServerState{OpState: 2}, "no check"},
		{ServerState{OpState: 2, AdminState: AdminForcedDrain, CheckState: 6}, "DRAIN"},
		{ServerState{OpState: 2, AdminState: AdminInheritedDrain, AgentState: 0x16}, "DRAIN (agent)"},
		{ServerState{OpState: 3, CheckState: 6}, "NOLB"},
		{ServerState{OpState: 0, CheckState: 6}, "DOWN"},
		{ServerState{OpState: 0, AdminState: AdminForcedMaint | AdminConfigMaint, CheckState: 0xe}, "MAINT"},
		{ServerState{OpState: 0, AdminState: AdminInheritedMaint}, "MAINT"},
		{ServerState{OpState: 0, AdminState: AdminResolverMaint | AdminForcedMaint}, "MAINT (resolution)"},
		{ServerState{OpState: 2, AdminState: AdminConfigMaint}, "no check"}, // CMAINT alone is not MAINT in HAProxy
	} {
		if got := previewStatus(&c.s); got != c.want {
			t.Errorf("%+v: %q, want %q", c.s, got, c.want)
		}
	}
}

func TestPreviewRowEdges(t *testing.T) {
	proxies := &Stats{Fields: []string{"pxname", "svname"}, Rows: []Row{
		Row{Proxy: "fe", Type: TypeFrontend, IID: 2}.WithString(ColName, "FRONTEND"),
		Row{Proxy: "be", Type: TypeBackend, IID: 3}.WithString(ColName, "BACKEND").WithString(ColMode, "tcp"),
	}}
	servers := []ServerState{
		{BackendID: 3, Backend: "be", ServerID: 1, Server: "v6", Addr: "::1", Port: 80, OpState: 2, CheckState: 6, CheckStatus: 15},
		{BackendID: 3, Backend: "be", ServerID: 3, Server: "w", Addr: "10.0.0.3", Port: 80, OpState: 2},
		{BackendID: 9, Backend: "orphan", ServerID: 1, Server: "x", Addr: "-", OpState: 2, CheckState: 6, CheckStatus: 99},
		{BackendID: 9, Backend: "orphan", ServerID: 2, Server: "y", Addr: "-"},
		{BackendID: 9, Backend: "orphan", ServerID: 3, Server: "z", Addr: "-"},
		{BackendID: 3, Backend: "be", ServerID: 2, Server: "paused", Addr: "10.0.0.1", Port: 81, CheckState: 0xe, CheckStatus: 8},
	}
	st := PreviewStats(proxies, servers)
	// A backend's servers split across pieces and runs; in pieces of 3 its
	// second run starts at the index where its first ended.
	for _, step := range []int{1, 2, 3} {
		if pieces := previewInPieces(proxies, servers, step); !reflect.DeepEqual(pieces, st) {
			t.Fatalf("in pieces of %d: %+v, want %+v", step, pieces.Rows, st.Rows)
		}
	}
	var keys []string
	for _, r := range st.Rows {
		keys = append(keys, r.Key())
	}
	want := []string{"fe/FRONTEND", "be/v6", "be/w", "be/paused", "be/BACKEND", "orphan/x", "orphan/y", "orphan/z"}
	if !slices.Equal(keys, want) {
		t.Fatalf("rows %v, want %v", keys, want)
	}
	if r := st.Rows[1]; r.Addr() != "[::1]:80" || r.CheckStatus() != "L7OK" || r.Mode() != "tcp" {
		t.Errorf("IPv6 server: %+v", r)
	}
	if r := st.Rows[3]; r.CheckStatus() != "" || r.CheckDesc() != "" { // MAINT pauses checks: show stat has none
		t.Errorf("paused check: %+v", r)
	}
	if r := st.Rows[5]; r.Addr() != "" || r.CheckStatus() != "" || r.Status() != "UP" {
		t.Errorf("unknown check status and no address: %+v", r)
	}
}
