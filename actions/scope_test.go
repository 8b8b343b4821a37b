package actions

import (
	"slices"
	"strings"
	"testing"

	"github.com/stacktui/stacktui/haproxy"
)

// synapseSnap is one socket with Synapse-named servers of both orders; some
// rows lack the addr column, so their address comes from the name.
func synapseSnap() *haproxy.Snapshot {
	row := func(b, n, addr string) haproxy.Row {
		return haproxy.Row{Proxy: b, Type: haproxy.TypeServer, Weight: 1, UWeight: 1}.WithString(haproxy.ColName, n).WithString(haproxy.ColStatus, "UP").WithString(haproxy.ColAddr, addr)
	}
	return &haproxy.Snapshot{Label: "main", Stats: &haproxy.Stats{Rows: []haproxy.Row{
		row("svc_a", "web-1_10.0.0.5:8080", "10.0.0.5:8080"),
		row("svc_a", "web-2_10.0.0.6:8080", "10.0.0.6:8080"),
		row("svc_b", "web-1_10.0.0.5:9090", ""),
		row("svc_c", "10.0.0.5:7070_web-1", ""), // Synapse <= 0.13.3 and the Serf forks
		row("svc_d", "10.0.0.55:7070_web-9", ""),
		row("svc_e", "web-1_10.0.0.5:8080", ""), // the same instance in a second service
	}}}
}

// TestScopesMatchSynapseNames: the wider scopes match the instance's
// host:port or its host, whatever the server is called in each backend, in
// both naming orders; each scope's count is known before it is chosen.
func TestScopesMatchSynapseNames(t *testing.T) {
	snaps := []*haproxy.Snapshot{synapseSnap()}
	sel := []Target{{Socket: "main", Backend: "svc_a", Server: "web-1_10.0.0.5:8080", Service: "svc_a"}}
	want := map[Scope][]string{
		ScopeBackend:        {"svc_a/web-1_10.0.0.5:8080"},
		ScopeSocket:         {"svc_a/web-1_10.0.0.5:8080", "svc_e/web-1_10.0.0.5:8080"},
		ScopeHost:           {"svc_a/web-1_10.0.0.5:8080", "svc_b/web-1_10.0.0.5:9090", "svc_c/10.0.0.5:7070_web-1", "svc_e/web-1_10.0.0.5:8080"},
		ScopeAllSockets:     {"svc_a/web-1_10.0.0.5:8080", "svc_e/web-1_10.0.0.5:8080"},
		ScopeHostAllSockets: {"svc_a/web-1_10.0.0.5:8080", "svc_b/web-1_10.0.0.5:9090", "svc_c/10.0.0.5:7070_web-1", "svc_e/web-1_10.0.0.5:8080"},
	}
	for _, scope := range Scopes {
		a, err := NewServerAction(OpDrain, "", sel, scope, snaps)
		if err != nil {
			t.Fatalf("%s: %v", scope, err)
		}
		var got []string
		for _, c := range a.Plan().Commands {
			got = append(got, strings.TrimSuffix(strings.TrimPrefix(c, "socket main: set server "), " state drain"))
		}
		if !slices.Equal(got, want[scope]) {
			t.Errorf("%s:\n got %q\nwant %q", scope, got, want[scope])
		}
		if n, err := CountScope(sel, scope, snaps); err != nil || n != len(want[scope]) {
			t.Errorf("CountScope(%s) = %d, %v; want %d", scope, n, err, len(want[scope]))
		}
	}
	// The other naming order as the selected row.
	sel = []Target{{Socket: "main", Backend: "svc_c", Server: "10.0.0.5:7070_web-1"}}
	if n, _ := CountScope(sel, ScopeHost, snaps); n != 4 {
		t.Errorf("host scope from a <host>:<port>_<name> row reaches %d servers, want 4", n)
	}
	// A server whose address is unknown cannot be widened.
	odd := &haproxy.Snapshot{Label: "main", Stats: &haproxy.Stats{Rows: []haproxy.Row{haproxy.Row{Proxy: "b", Type: haproxy.TypeServer}.WithString(haproxy.ColName, "web")}}}
	if _, err := NewServerAction(OpDrain, "", []Target{{Socket: "main", Backend: "b", Server: "web"}}, ScopeHost, []*haproxy.Snapshot{odd}); err == nil || !strings.Contains(err.Error(), "address is unknown") {
		t.Errorf("unknown address: %v", err)
	}
}

// TestHostScopeOnRealHAProxy: "this host on this socket" drains every
// server of the host on the real HAProxy, and nothing on the other socket.
func TestHostScopeOnRealHAProxy(t *testing.T) {
	main, peer := haproxies(t)
	resetServers(t)
	t.Cleanup(func() { resetServers(t) })
	e := NewExecutor(realWriters(t), newAudit(t))
	sel := []Target{{Socket: "main", Backend: "svc_a", Server: hostA, Service: "svc_a"}}
	a := ok(t)(NewServerAction(OpDrain, "", sel, ScopeHost, snapshots(t)))
	if r := run(t, e, a); r.Err != nil || len(r.Steps) != 4 {
		t.Fatalf("%v %+v", r.Err, r.Steps)
	}
	for _, r := range showStat(t, main).Rows {
		if r.IsServer() && !strings.HasPrefix(r.Status(), "DRAIN") {
			t.Errorf("main %s/%s is %s, want DRAIN", r.Proxy, r.Name(), r.Status())
		}
	}
	for _, r := range showStat(t, peer).Rows {
		if r.IsServer() && r.Status() == "DRAIN" {
			t.Errorf("peer %s/%s was drained by a this-socket scope", r.Proxy, r.Name())
		}
	}
}

// TestRestartSynapse runs the restart command like a reload, with its own
// kind (an event of its own) and its output and exit code in the result.
func TestRestartSynapse(t *testing.T) {
	e := NewExecutor(Writers{Procs: OSProcs{}}, newAudit(t))
	a := ok(t)(NewRestart(Where{}, "echo restarting synapse; exit 2"))
	if p := a.Plan(); p.Kind != KindRestart || p.Commands[0] != "/bin/sh -c 'echo restarting synapse; exit 2'" || !strings.Contains(p.Warning, "registry changes do not reach HAProxy") {
		t.Errorf("plan %+v", p)
	}
	r := run(t, e, a)
	if r.Err == nil || r.Steps[0].ExitCode != 2 || r.Steps[0].Output != "restarting synapse\n" || !strings.Contains(r.Err.Error(), "restart command exited with status 2") {
		t.Errorf("%v %+v", r.Err, r.Steps)
	}
	if _, err := NewRestart(Where{}, " "); err == nil || !strings.Contains(err.Error(), "--restart-synapse-cmd") {
		t.Errorf("empty restart: %v", err)
	}
}
