package state

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// Synapse restarts renumber servers and reorder them: nothing may change.
func TestJoinIgnoresServerOrderAndIDs(t *testing.T) {
	reg := zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080), reg("svc", "web2", "10.0.0.2", 8080))
	before := hap("local", srv("svc", a1, "UP", sid(1)), srv("svc", a2, "DOWN", check("L4CON"), sid(2)), srv("svc", a3, "MAINT", sid(3)))
	after := hap("local", srv("svc", a3, "MAINT", sid(1)), srv("svc", a2, "DOWN", check("L4CON"), sid(7)), srv("svc", a1, "UP", sid(2)))
	v1 := Join(reg, []*haproxy.Snapshot{before}, Config{Now: t0})
	v2 := Join(reg, []*haproxy.Snapshot{after}, Config{Now: t0})
	for i := range v1.Services[0].Instances {
		x, y := &v1.Services[0].Instances[i], &v2.Services[0].Instances[i]
		if x.Key != y.Key || !reflect.DeepEqual(x.Diagnoses, y.Diagnoses) || x.HAProxy[0].Row.Status() != y.HAProxy[0].Row.Status() {
			t.Errorf("instance %d changed with server order/ids: %+v vs %+v", i, x, y)
		}
	}
	if ev := Diff(v1, v2); len(ev) != 0 {
		t.Errorf("reordering produced events: %+v", ev)
	}
}

// The Serf flavour: server names use the member name, and a tag
// smart:<svc>_<port> folds into the Synapse service <svc>.
func TestJoinSerf(t *testing.T) {
	r := func(svc, member, host string, port int) sources.Registration {
		return sources.Registration{Service: svc, Name: member, Member: member, Host: host, Port: port, Tag: "smart:" + svc, MemberStatus: "alive", Seq: -1}
	}
	snap := &sources.Snapshot{Kind: sources.KindSerf, Address: "127.0.0.1:7373", State: sources.StateConnected, Synced: true, At: t0, LastGood: t0,
		Services: []sources.Service{
			{Name: "api_8080", Registrations: []sources.Registration{r("api_8080", "node-a", "10.0.0.1", 8080)}},
			{Name: "api_8081", Registrations: []sources.Registration{r("api_8081", "node-b", "10.0.0.2", 8081)}},
			{Name: "db", Registrations: []sources.Registration{r("db", "node-a", "10.0.0.1", 5432)}},
		}}
	h := hap("local", srv("api", "node-a_10.0.0.1:8080", "UP"), srv("api", "node-b_10.0.0.2:8081", "UP"), srv("db", "node-a_10.0.0.1:5432", "UP"))
	v := Join(snap, []*haproxy.Snapshot{h}, Config{Now: t0})
	var names []string
	for _, s := range v.Services {
		names = append(names, s.Name+"->"+s.Backend)
	}
	if !reflect.DeepEqual(names, []string{"api->api", "db->db"}) {
		t.Fatalf("services = %v", names)
	}
	api := svcOf(t, v, "api")
	if api.Summary.Registered != 2 || api.Summary.Up != 2 || api.Summary.Worst != CodeOK {
		t.Errorf("api summary = %+v", api.Summary)
	}
	if in := instOf(t, api, "node-b_10.0.0.2:8081"); in.HAProxy[0].Row == nil || in.HAProxy[0].ByAddr {
		t.Errorf("node-b not matched by name: %+v", in.HAProxy)
	}
}

func TestSummary(t *testing.T) {
	reg := zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080), reg("svc", "web2", "10.0.0.2", 8080), reg("svc", "web3", "10.0.0.3", 8080))
	a := hap("A", srv("svc", a1, "UP", rates(1, 10, 2), scur(4)), srv("svc", a2, "DRAIN", scur(1)), srv("svc", a3, "UP 1/2"), srv("svc", "x_10.0.0.9:1", "UP", scur(5)))
	b := hap("B", srv("svc", a1, "UP"), srv("svc", a2, "UP"), srv("svc", a3, "DOWN"))
	c := hap("C", srv("svc", a1, "DOWN"))
	c.Err = errStale // unreadable now: its old figures do not count as up or down
	v := Join(reg, []*haproxy.Snapshot{a, b, c}, Config{Now: t0})
	s := svcOf(t, v, "svc")
	want := Summary{Registered: 3, Up: 1, Drained: 1, UpBySocket: map[string]int{"A": 2, "B": 2, "C": 0}, Worst: CodeDown, SCur: 10, Rate: 1, ReqRate: 10, Hrsp5xx: 2, TrafficStale: true}
	if !reflect.DeepEqual(s.Summary, want) {
		t.Errorf("summary = %+v\nwant      %+v", s.Summary, want)
	}
}

var errStale = errorString("read /run/C.sock: i/o timeout")

type errorString string

func (e errorString) Error() string { return string(e) }

func TestFlapping(t *testing.T) {
	reg := zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080))
	h := NewHistory(16)
	statuses := []string{"UP", "DOWN", "UP", "DOWN", "UP", "DOWN"}
	var v *View
	for i, st := range statuses {
		cfg := Config{Now: t0.Add(time.Duration(i) * 10 * time.Second), History: h}
		chk := map[string]string{"UP": "L7OK", "DOWN": "L4CON"}[st]
		v = Join(reg, []*haproxy.Snapshot{hap("local", srv("svc", a1, st, check(chk)))}, cfg)
		h.Observe(v)
	}
	eps := h.Episodes("svc/" + a1)
	if len(eps) != 3 || !eps[2].Open() || eps[0].Open() || !eps[0].Failure || eps[0].End.Sub(eps[0].Start) != 10*time.Second {
		t.Fatalf("episodes = %+v, want two closed 10 s failures and one open", eps)
	}
	v = Join(reg, []*haproxy.Snapshot{hap("local", srv("svc", a1, "UP"))}, Config{Now: t0.Add(60 * time.Second), History: h})
	in := &v.Services[0].Instances[0]
	want := "3 separate failures in the last 10 minutes (down 10s at 06:00:10 (health check failed (L4CON)), recovered; " +
		"down 10s at 06:00:30 (health check failed (L4CON)), recovered; down since 06:00:50 (10s so far; health check failed (L4CON)))"
	if !reflect.DeepEqual(codes(in.Diagnoses), []Code{CodeFlapping, CodeOK}) || !anyContains(in.Diagnoses, want) {
		t.Errorf("diagnoses = %v\nwant the words %q", in.Diagnoses, want)
	}
	// With a window the episodes are outside of, no flapping.
	v = Join(reg, []*haproxy.Snapshot{hap("local", srv("svc", a1, "UP"))}, Config{Now: t0.Add(time.Hour), History: h, FlapWindow: time.Minute})
	if got := codes(v.Services[0].Instances[0].Diagnoses); !reflect.DeepEqual(got, []Code{CodeOK}) {
		t.Errorf("old episodes still flapping: %v", got)
	}
}

// One crash walks a server through about six (registered, HAProxy) states
// and is one episode; three operator maint/ready cycles are no failure at
// all (issue 16 item 2).
func TestOneOutageIsOneEpisode(t *testing.T) {
	h := NewHistory(16)
	regd := zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080))
	gone := zk([]string{"svc"})
	steps := []struct {
		reg       *sources.Snapshot
		st, check string
	}{
		{regd, "UP", "L7OK"}, {regd, "UP 1/2", "L4CON"}, {gone, "UP 1/2", "L4CON"}, {gone, "MAINT", ""},
		{regd, "MAINT", ""}, {regd, "UP 1/2", "L4CON"}, {regd, "UP", "L7OK"}, {regd, "UP", "L7OK"},
		// then an operator's maint and ready, three times
		{regd, "MAINT", ""}, {regd, "UP 1/2", "L7OK"}, {regd, "MAINT", ""}, {regd, "UP", "L7OK"}, {regd, "MAINT", ""}, {regd, "UP", "L7OK"},
	}
	var v *View
	for i, s := range steps {
		v = Join(s.reg, []*haproxy.Snapshot{hap("local", srv("svc", a1, s.st, check(s.check)))}, Config{Now: t0.Add(time.Duration(i) * time.Second), History: h})
		h.Observe(v)
	}
	eps := h.Episodes("svc/" + a1)
	if len(eps) != 4 || !eps[0].Failure || eps[1].Failure || eps[2].Failure || eps[3].Failure {
		t.Fatalf("episodes = %+v, want one failure then three operator episodes", eps)
	}
	if got := eps[0].Words(nil, t0); got != "down 5s at 06:00:01 (health check failed (L4CON); out of rotation 2s), recovered" {
		t.Errorf("words = %q", got)
	}
	if got := eps[1].Words(nil, t0); got != "out 1s at 06:00:08 (MAINT), recovered" {
		t.Errorf("words = %q", got)
	}
	if codes := codes(v.Services[0].Instances[0].Diagnoses); !reflect.DeepEqual(codes, []Code{CodeOK}) {
		t.Errorf("diagnoses = %v", codes)
	}
}

func TestSeverity(t *testing.T) {
	order := []Code{CodeDown, CodeMissingInHAProxy, CodeStaleInHAProxy, CodeMalformed, CodeNoRegistrations, CodeRegistryStale,
		CodeHAProxyStale, CodeFlapping, CodeDuplicate, CodeMaint, CodeDrain, CodeWeightMismatch, CodeDeregistered, CodeOK}
	for i := 1; i < len(order); i++ {
		if Severity(order[i-1]) < Severity(order[i]) {
			t.Errorf("%s ranks below %s", order[i-1], order[i])
		}
		if Worse(order[i], order[i-1]) != order[i-1] || Worse(order[i-1], order[i]) != order[i-1] {
			t.Errorf("Worse(%s, %s) wrong", order[i], order[i-1])
		}
	}
	if Worse("", CodeOK) != CodeOK || Severity("something_new") <= Severity(CodeOK) {
		t.Error("empty or unknown codes ranked wrongly")
	}
	for i := 1; i < len(AllCodes); i++ {
		if Severity(AllCodes[i-1]) < Severity(AllCodes[i]) {
			t.Errorf("AllCodes not ordered at %s", AllCodes[i])
		}
	}
	if Worse(CodeStaleSession, CodeDuplicate) != CodeStaleSession {
		t.Error("ties must keep the first")
	}
}

func TestExplainEveryCode(t *testing.T) {
	for _, c := range AllCodes {
		if e := Explain(c); strings.HasPrefix(e, "Unknown") || !strings.HasSuffix(e, ".") {
			t.Errorf("Explain(%s) = %q", c, e)
		}
	}
	if !strings.HasPrefix(Explain("nope"), "Unknown") {
		t.Error("unknown code not said to be unknown")
	}
}

func TestJoinDoesNotModifyInputs(t *testing.T) {
	reg := zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080))
	h := hap("local", srv("svc", a1, "UP"), srv("svc", a2, "MAINT"))
	regCopy, rowsCopy := *reg, append([]haproxy.Row(nil), h.Stats.Rows...)
	Join(reg, []*haproxy.Snapshot{h}, Config{Now: t0})
	if !reflect.DeepEqual(*reg, regCopy) || !reflect.DeepEqual(h.Stats.Rows, rowsCopy) {
		t.Error("Join modified its inputs")
	}
}

func TestServerName(t *testing.T) {
	cases := []struct {
		r    sources.Registration
		want string
	}{
		{sources.Registration{Name: "mymachine", Host: "1.2.3.4", Port: 3000}, "mymachine_1.2.3.4:3000"},
		{sources.Registration{Host: "1.2.3.4", Port: 3000}, "1.2.3.4:3000"},
		{sources.Registration{Member: "node-a", Host: "10.0.0.1", Port: 80}, "node-a_10.0.0.1:80"},
	}
	for _, c := range cases {
		if got := ServerName(&c.r); got != c.want {
			t.Errorf("ServerName(%+v) = %q, want %q", c.r, got, c.want)
		}
	}
}

// Synapse's Serf watcher keeps alive members only: a failed member's tag is
// not a registration Synapse acts on.
func TestJoinSerfMemberNotAlive(t *testing.T) {
	r := func(member, status string, port int) sources.Registration {
		return sources.Registration{Service: "api", Name: member, Member: member, MemberStatus: status, Host: "10.0.0.1", Port: port, Tag: "smart:api", Seq: -1}
	}
	snap := &sources.Snapshot{Kind: sources.KindSerf, State: sources.StateConnected, Synced: true, At: t0, LastGood: t0,
		Services: []sources.Service{{Name: "api", Registrations: []sources.Registration{
			r("a", "alive", 1), r("b", "failed", 2), r("c", "left", 3), r("d", "failed", 4)}}}}
	h := hap("local", srv("api", "a_10.0.0.1:1", "UP"), srv("api", "b_10.0.0.1:2", "UP"), srv("api", "c_10.0.0.1:3", "MAINT"))
	v := Join(snap, []*haproxy.Snapshot{h}, Config{Now: t0})
	s := svcOf(t, v, "api")
	if s.Summary.Registered != 1 || s.Summary.Up != 1 {
		t.Errorf("summary = %+v, want only the alive member counted", s.Summary)
	}
	want := map[string]Code{"a_10.0.0.1:1": CodeOK, "b_10.0.0.1:2": CodeStaleInHAProxy, "c_10.0.0.1:3": CodeDeregistered, "d_10.0.0.1:4": CodeDeregistered}
	for server, code := range want {
		in := instOf(t, s, server)
		if in.Worst != code {
			t.Errorf("%s: %v, want %s", server, in.Diagnoses, code)
		}
	}
	if !anyContains(instOf(t, s, "b_10.0.0.1:2").Diagnoses, "member b is failed: Synapse ignores members that are not alive, yet HAProxy still has its server UP") {
		t.Errorf("b: %v", instOf(t, s, "b_10.0.0.1:2").Diagnoses)
	}
	v = Join(snap, nil, Config{Now: t0})
	if got := svcOf(t, v, "api").Instances[1].Diagnoses; len(got) != 1 || got[0].Code != CodeDeregistered {
		t.Errorf("without HAProxy: %v", got)
	}
}

// A proxy's rows interleaved with another's (not what HAProxy prints, but
// nothing may depend on grouping): every server still belongs to its backend.
func TestIndexInterleavedProxies(t *testing.T) {
	h := &haproxy.Snapshot{Label: "x", Stats: &haproxy.Stats{Rows: []haproxy.Row{
		srv("svc", a1, "UP"), srv("other", a2, "UP"), srv("svc", a3, "MAINT"), srv("other", "z_10.0.0.9:1", "UP"), srv("svc", "w_10.0.0.4:1", "UP"),
	}}}
	k := indexSocket(h)
	if got := k.serversOf("svc"); !reflect.DeepEqual(got, []int32{0, 2, 4}) {
		t.Errorf("svc rows = %v", got)
	}
	if got := k.serversOf("other"); !reflect.DeepEqual(got, []int32{1, 3}) {
		t.Errorf("other rows = %v", got)
	}
}

// A nil snapshot (a socket not polled yet) is left out everywhere, so that
// View.HAProxy and every Instance.HAProxy stay aligned.
func TestJoinSkipsNilSnapshots(t *testing.T) {
	r := zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080))
	v := Join(r, []*haproxy.Snapshot{nil, hap("A", srv("svc", a1, "UP")), nil}, Config{Now: t0})
	if len(v.HAProxy) != 1 || len(v.Services[0].Instances[0].HAProxy) != 1 || v.SocketLabel(0) != "A" {
		t.Errorf("view sockets %d, instance sockets %+v", len(v.HAProxy), v.Services[0].Instances[0].HAProxy)
	}
	h := NewHistory(4)
	h.Observe(v)
	if sc, _, _ := h.Series("svc/" + a1); len(sc) != 1 {
		t.Errorf("series = %v", sc)
	}
}

// TestSummaryTrafficFromAggregates: a service's sessions and rates come from
// its BACKEND row (fresh every poll) and its request rate from the FRONTEND
// named after the service, since HAProxy keeps no request rate per server.
func TestSummaryTrafficFromAggregates(t *testing.T) {
	fe := haproxy.Row{Proxy: "svc_a", Type: haproxy.TypeFrontend}.WithString(haproxy.ColName, "FRONTEND").WithString(haproxy.ColStatus, "OPEN").With(haproxy.ColReqRate, 42)
	be := haproxy.Row{Proxy: "svc_a", Type: haproxy.TypeBackend}.WithString(haproxy.ColName, "BACKEND").WithString(haproxy.ColStatus, "UP").With(haproxy.ColSCur, 7).With(haproxy.ColRate, 30).With(haproxy.ColHrsp5xx, 3)
	v := Join(zk([]string{"svc_a"}, reg("svc_a", "h1", "10.0.0.1", 80)),
		[]*haproxy.Snapshot{hap("main", fe, srv("svc_a", "h1_10.0.0.1:80", "UP", scur(1), rates(1, 0, 0)), be)}, Config{Now: t0})
	s := svcOf(t, v, "svc_a").Summary
	if s.SCur != 7 || s.Rate != 30 || s.ReqRate != 42 || s.Hrsp5xx != 3 {
		t.Fatalf("summary traffic %+v, want the aggregates' scur 7, rate 30, req_rate 42, 5xx 3", s)
	}
	// Without a frontend of that name the request rate is the backend's session rate.
	v = Join(zk([]string{"svc_a"}, reg("svc_a", "h1", "10.0.0.1", 80)),
		[]*haproxy.Snapshot{hap("main", srv("svc_a", "h1_10.0.0.1:80", "UP"), be)}, Config{Now: t0})
	if s := svcOf(t, v, "svc_a").Summary; s.ReqRate != 30 {
		t.Fatalf("req_rate %d, want the backend rate 30", s.ReqRate)
	}
}
