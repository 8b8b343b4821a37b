package state

import (
	"reflect"
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
		h.Observe(Join(r, []*haproxy.Snapshot{hap("A", srv("svc", a1, st))}, Config{Now: t0.Add(time.Duration(i) * time.Second)}))
	}
	s := h.entries["svc/"+a1]
	if len(s.scur.buf) != 8 || cap(s.scur.buf) != 8 || len(s.eps.past) > maxEpisodes {
		t.Errorf("rings grew: %d/%d, %d episodes", len(s.scur.buf), cap(s.scur.buf), len(s.eps.past))
	}
	if n := len(h.Episodes("svc/" + a1)); n != maxEpisodes+1 {
		t.Errorf("episodes = %d, want the %d remembered and the open one", n, maxEpisodes)
	}
	_ = sources.KindZooKeeper
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
