package state

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

func TestDiff(t *testing.T) {
	t1 := t0.Add(5 * time.Second)
	oldReg := reg("svc", "web2", "10.0.0.2", 8080, seq(3), regWeight(1))
	newReg := reg("svc", "web2", "10.0.0.2", 8080, seq(8), regWeight(2))
	prev := Join(zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080), oldReg, reg("svc", "web3", "10.0.0.3", 8080)),
		[]*haproxy.Snapshot{hap("local", srv("svc", a1, "UP", check("L7OK")), srv("svc", a2, "DOWN", check("L4CON")),
			srv("svc", a3, "UP", weight(1)))}, Config{Now: t0})
	next := Join(zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080), newReg, reg("svc", "web4", "10.0.0.4", 8080)),
		[]*haproxy.Snapshot{hap("local", srv("svc", a1, "DOWN", check("L4CON")), srv("svc", a2, "DOWN", check("L7STS")),
			srv("svc", a3, "MAINT", weight(3)), srv("svc", "web4_10.0.0.4:8080", "UP 1/2"))}, Config{Now: t1})
	got := Diff(prev, next)
	type ev struct{ kind, inst, sock, from, to string }
	var short []ev
	for _, e := range got {
		if !e.At.Equal(t1) || e.Service != "svc" || !strings.HasSuffix(e.Text, ".") {
			t.Errorf("bad event %+v", e)
		}
		short = append(short, ev{e.Kind, e.Instance, e.Socket, e.From, e.To})
	}
	want := []ev{
		{EventState, a1, "local", "UP", "DOWN"},
		{EventRegistered, a2, "", oldReg.Path, newReg.Path},
		{EventWeight, a2, "", "1", "2"},
		{EventCheck, a2, "local", "L4CON", "L7STS"},
		{EventRegistered, "web4_10.0.0.4:8080", "", "", "/nerve/services/svc/services/web4_0000000000"},
		{EventState, "web4_10.0.0.4:8080", "local", "absent", "UP 1/2"},
		{EventDeregistered, a3, "", "/nerve/services/svc/services/web3_0000000000", ""},
		{EventState, a3, "local", "UP", "MAINT"},
		{EventWeight, a3, "local", "1", "3"},
	}
	if !reflect.DeepEqual(short, want) {
		t.Errorf("events:\n%v\nwant\n%v", short, want)
		for _, e := range got {
			t.Log(e.Text)
		}
	}
	if e := got[0].Text; e != "svc "+a1+" at local: UP -> DOWN (check L4CON)." {
		t.Errorf("text = %q", e)
	}
	if Diff(nil, next) != nil {
		t.Error("the first view must not produce events")
	}
}

// A server that vanishes from HAProxy (no state file: Synapse reloaded) and
// a socket that could not be read on one side.
func TestDiffRemovedAndUnreadable(t *testing.T) {
	r := zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080))
	prev := Join(r, []*haproxy.Snapshot{hap("A", srv("svc", a1, "UP"), srv("svc", a2, "UP")), {Label: "B"}}, Config{Now: t0})
	next := Join(r, []*haproxy.Snapshot{hap("A", srv("svc", a1, "UP")), hap("B", srv("svc", a1, "UP"))}, Config{Now: t0})
	got := Diff(prev, next)
	if len(got) != 1 || got[0].Instance != a2 || got[0].To != "absent" || got[0].Socket != "A" {
		t.Errorf("events = %+v", got)
	}
}

// The --haproxy list changed between the views (a socket added in front):
// each instance's rows are compared socket by socket by label, not by place.
func TestDiffSocketsChanged(t *testing.T) {
	r := zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080))
	prev := Join(r, []*haproxy.Snapshot{hap("A", srv("svc", a1, "UP"))}, Config{Now: t0})
	next := Join(r, []*haproxy.Snapshot{hap("B", srv("svc", a1, "DRAIN")), hap("A", srv("svc", a1, "DOWN"))}, Config{Now: t0})
	got := Diff(prev, next)
	if len(got) != 1 || got[0].Instance != a1 || got[0].Socket != "A" || got[0].From != "UP" || got[0].To != "DOWN" {
		t.Errorf("events = %+v", got)
	}
	back := Diff(next, prev)
	if len(back) != 1 || back[0].Socket != "A" || back[0].From != "DOWN" || back[0].To != "UP" {
		t.Errorf("events back = %+v", back)
	}
}

func TestHistory(t *testing.T) {
	h := NewHistory(3)
	r := zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080))
	key := "svc/" + a1
	for i := 0; i < 5; i++ {
		v := Join(r, []*haproxy.Snapshot{hap("A", srv("svc", a1, "UP", scur(int64(i)), rates(0, int64(10*i), int64(20*i)))),
			hap("B", srv("svc", a1, "UP", scur(1)))}, Config{Now: t0.Add(time.Duration(i) * 2 * time.Second)})
		h.Observe(v)
	}
	// A preview's zero counters are not samples.
	pv := hap("A", srv("svc", a1, "DOWN"))
	pv.Preview = true
	h.Observe(Join(r, []*haproxy.Snapshot{pv}, Config{Now: t0.Add(9 * time.Second)}))
	sc, rq, e5 := h.Series(key)
	if !reflect.DeepEqual(sc, []float64{3, 4, 5}) || !reflect.DeepEqual(rq, []float64{20, 30, 40}) || !reflect.DeepEqual(e5, []float64{10, 10, 10}) {
		t.Errorf("series = %v %v %v", sc, rq, e5)
	}
	// A counter reset (HAProxy reload) gives 0, not a negative rate.
	h.Observe(Join(r, []*haproxy.Snapshot{hap("A", srv("svc", a1, "UP"))}, Config{Now: t0.Add(10 * time.Second)}))
	if _, _, e5 := h.Series(key); e5[2] != 0 {
		t.Errorf("rate after reset = %v", e5)
	}
	// Forgotten once unseen for Forget.
	h.Forget = time.Minute
	h.Observe(Join(zk([]string{"svc"}), nil, Config{Now: t0.Add(2 * time.Minute)}))
	if h.Len() != 0 {
		t.Errorf("history kept %d gone instances", h.Len())
	}
	if a, b, c := h.Series(key); a != nil || b != nil || c != nil {
		t.Error("series of a forgotten key")
	}
}

// Memory stays bounded however long it runs: ring sizes never exceed capacity.
func TestHistoryBounded(t *testing.T) {
	h := NewHistory(8)
	r := zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080))
	for i := 0; i < 1000; i++ {
		st := []string{"UP", "DOWN"}[i%2]
		h.Observe(Join(r, []*haproxy.Snapshot{hap("A", srv("svc", a1, st, scur(int64(i))))}, Config{Now: t0.Add(time.Duration(i) * time.Second)}))
	}
	s := h.entries["svc/"+a1]
	if len(s.rings.scur.buf) != 8 || cap(s.rings.scur.buf) != 8 || len(s.eps.past) > maxEpisodes {
		t.Errorf("rings grew: %d/%d, %d episodes", len(s.rings.scur.buf), cap(s.rings.scur.buf), len(s.eps.past))
	}
	if sc, _, _ := h.Series("svc/" + a1); len(sc) != 8 || sc[7] != 999 || sc[0] != 992 {
		t.Errorf("scur series = %v, want 992..999", sc)
	}
	if n := len(h.Episodes("svc/" + a1)); n != maxEpisodes+1 {
		t.Errorf("episodes = %d, want the %d remembered and the open one", n, maxEpisodes)
	}
	_ = sources.KindZooKeeper
}

// An instance whose numbers are all zero is kept calm (no series, only
// their count), and gets rings, zeros first, at its first non-zero number.
func TestHistoryZerosThenTraffic(t *testing.T) {
	h := NewHistory(4)
	r := zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080))
	key := "svc/" + a1
	observe := func(i int, n int64) {
		h.Observe(Join(r, []*haproxy.Snapshot{hap("A", srv("svc", a1, "UP", scur(n)))}, Config{Now: t0.Add(time.Duration(i) * time.Second)}))
	}
	for i := range 6 {
		observe(i, 0)
	}
	if _, calm := h.calm[key]; !calm || h.entries[key] != nil {
		t.Fatal("an all-zero instance is not kept calm (no series, no rings)")
	}
	if sc, req, e5 := h.Series(key); len(sc) != 4 || len(req) != 4 || len(e5) != 4 || sc[3] != 0 {
		t.Fatalf("zero series = %v %v %v, want 4 zeros each", sc, req, e5)
	}
	observe(6, 5)
	observe(7, 6)
	if sc, _, _ := h.Series(key); !slices.Equal(sc, []float64{0, 0, 5, 6}) {
		t.Fatalf("scur = %v, want [0 0 5 6]", sc)
	}
	if eps := h.Episodes(key); eps != nil {
		t.Errorf("numbers alone made episodes: %+v", eps)
	}
}

// A preview (states from `show servers state`, no "x/y", no check details,
// no slow-start weight) followed by the full read raises no events for
// what the preview could not know, but does for a real change of state.
func TestDiffAfterPreview(t *testing.T) {
	r := zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080), reg("svc", "web2", "10.0.0.2", 8080),
		reg("svc", "web3", "10.0.0.3", 8080))
	a3 := "web3_10.0.0.3:8080"
	preview := func(row haproxy.Row) haproxy.Row { row.Preview = true; return row }
	pv := hap("local", preview(srv("svc", a1, "UP", check("L7OK"), weight(4))), preview(srv("svc", a2, "DOWN", check("L7STS"))),
		preview(srv("svc", a3, "UP", check("L7OK"))))
	pv.Preview = true
	full := hap("local", srv("svc", a1, "UP 1/2", check("L4TOUT"), weight(1)), srv("svc", a2, "DOWN 1/2", check("L7STS"), checkCode(503)),
		srv("svc", a3, "MAINT"))
	prev := Join(r, []*haproxy.Snapshot{pv}, Config{Now: t0})
	next := Join(r, []*haproxy.Snapshot{full}, Config{Now: t0.Add(time.Second)})
	got := Diff(prev, next)
	if len(got) != 1 || got[0].Instance != a3 || got[0].From != "UP" || got[0].To != "MAINT" {
		t.Fatalf("events after a preview: %+v", got)
	}
	// and the other way round, a new session's preview after a full read
	back := Diff(next, Join(r, []*haproxy.Snapshot{pv}, Config{Now: t0.Add(2 * time.Second)}))
	if len(back) != 1 || back[0].Instance != a3 || back[0].To != "UP" {
		t.Fatalf("events from a full read to a preview: %+v", back)
	}
}

// A reload (new pid) restarts every server's checks: HAProxy 2.6 shows them
// "UP 1/2" with check INI, then UP at the first passing check (seen on the
// real daemon). Those are not changes; a weight the reload reset is, and
// says so; a server that fails its first check is news.
func TestDiffReload(t *testing.T) {
	r := zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080), reg("svc", "web2", "10.0.0.2", 8080), reg("svc", "web3", "10.0.0.3", 8080))
	withPID := func(pid int, rows ...haproxy.Row) *haproxy.Snapshot {
		h := hap("main", rows...)
		h.Info = &haproxy.Info{PID: pid}
		return h
	}
	a3 := "web3_10.0.0.3:8080"
	before := Join(r, []*haproxy.Snapshot{withPID(100, srv("svc", a1, "UP", check("L7OK")), srv("svc", a2, "UP", check("L7OK"), weight(5)),
		srv("svc", a3, "UP", check("L7OK")))}, Config{Now: t0})
	reloaded := Join(r, []*haproxy.Snapshot{withPID(200, srv("svc", a1, "UP 1/2", check("INI")), srv("svc", a2, "UP 1/2", check("INI"), weight(1)),
		srv("svc", a3, "UP 1/2", check("INI")))}, Config{Now: t0.Add(time.Second)})
	settled := Join(r, []*haproxy.Snapshot{withPID(200, srv("svc", a1, "UP", check("L7OK")), srv("svc", a2, "UP", check("L7OK"), weight(1)),
		srv("svc", a3, "DOWN", check("L4CON")))}, Config{Now: t0.Add(2 * time.Second)})
	got := append(Diff(before, reloaded), Diff(reloaded, settled)...)
	var texts []string
	for _, e := range got {
		texts = append(texts, e.Kind+": "+e.Text)
	}
	want := []string{
		"weight: svc " + a2 + " at main: weight 5 -> 1 (at the reload of HAProxy main).",
		"state: svc " + a3 + " at main: UP 1/2 -> DOWN (check L4CON).",
	}
	if !reflect.DeepEqual(texts, want) {
		t.Errorf("events across a reload:\n%q\nwant\n%q", texts, want)
	}
}

// Instances with the same finding share one slice (joiner.one): a finding
// qualified in place for one instance (a stale registry's "as of its last
// read") is qualified once for each, never twice for a shared one.
func TestSharedFindingsQualifiedOnce(t *testing.T) {
	r := zk([]string{"svc"})
	r.State = sources.StateDisconnected
	v := Join(r, []*haproxy.Snapshot{hap("A", srv("svc", a1, "UP"), srv("svc", a2, "UP"), srv("svc", "web3_10.0.0.3:8080", "UP"))}, Config{Now: t0.Add(5 * time.Second)})
	s := svcOf(t, v, "svc")
	if len(s.Instances) != 3 {
		t.Fatalf("%d instances, want 3", len(s.Instances))
	}
	for _, in := range s.Instances {
		if len(in.Diagnoses) == 0 {
			t.Fatalf("%s has no finding", in.Key)
		}
		if n := strings.Count(in.Diagnoses[0].Text, "as of the registry's last read"); n != 1 {
			t.Errorf("%s: qualified %d times: %q", in.Key, n, in.Diagnoses[0].Text)
		}
	}
}

// A calm instance keeps what it was seen as: its first trouble is an
// episode that starts then (not "since" its first sighting), and the slot
// of a forgotten calm instance is used again.
func TestHistoryCalmThenTrouble(t *testing.T) {
	h := NewHistory(4)
	h.Forget = time.Minute
	r := zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080))
	key := "svc/" + a1
	observe := func(at time.Duration, status string) {
		h.Observe(Join(r, []*haproxy.Snapshot{hap("A", srv("svc", a1, status, check("L7OK")))}, Config{Now: t0.Add(at)}))
	}
	observe(0, "UP")
	observe(time.Second, "UP")
	if _, calm := h.calm[key]; !calm {
		t.Fatal("a quiet UP instance is not calm")
	}
	observe(2*time.Second, "DOWN")
	eps := h.Episodes(key)
	if len(eps) != 1 || eps[0].Since || !eps[0].Start.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("episodes after calm = %+v, want one starting at +2s", eps)
	}
	if _, calm := h.calm[key]; calm || h.entries[key] == nil {
		t.Fatal("an instance with an episode is still calm")
	}
	other := zk([]string{"svc"}, reg("svc", "web2", "10.0.0.2", 8080))
	h.Observe(Join(other, []*haproxy.Snapshot{hap("A", srv("svc", a2, "UP", check("L7OK")))}, Config{Now: t0.Add(3 * time.Second)}))
	h.Observe(Join(other, []*haproxy.Snapshot{hap("A", srv("svc", a2, "UP", check("L7OK")))}, Config{Now: t0.Add(10 * time.Minute)}))
	if h.Len() != 1 || len(h.calmVals) != 1 {
		t.Fatalf("after forgetting: %d remembered, %d calm slots", h.Len(), len(h.calmVals))
	}
}
