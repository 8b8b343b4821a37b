package live

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

var t0 = time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

// registration is Nerve's registration of name at host:port for svc.
func registration(svc, name string, port int) sources.Registration {
	node := fmt.Sprintf("%s_%010d", name, port)
	return sources.Registration{Service: svc, Name: name, Host: "10.0.0.1", Port: port,
		Path: "/nerve/services/" + svc + "/services/" + node, Node: node, Seq: int64(port)}
}

// zkSnap is a synced, connected ZooKeeper snapshot at sec holding regs.
func zkSnap(sec float64, regs ...sources.Registration) *sources.Snapshot {
	s := &sources.Snapshot{Kind: sources.KindZooKeeper, Address: "zk:2181", State: sources.StateConnected,
		Synced: true, At: at(sec), LastGood: at(sec)}
	for _, r := range regs {
		if n := len(s.Services); n == 0 || s.Services[n-1].Name != r.Service {
			s.Services = append(s.Services, sources.Service{Name: r.Service})
		}
		svc := &s.Services[len(s.Services)-1]
		svc.Registrations = append(svc.Registrations, r)
	}
	return s
}

// server is the HAProxy row of registration name:port in backend svc.
func server(svc, name string, port int, status string) haproxy.Row {
	addr := fmt.Sprintf("10.0.0.1:%d", port)
	return haproxy.Row{Proxy: svc, Type: haproxy.TypeServer, Weight: 1}.WithString(haproxy.ColName, name+"_"+addr).WithString(haproxy.ColStatus, status).WithString(haproxy.ColCheckStatus, "L7OK").WithString(haproxy.ColAddr, addr)
}

// hapSnap is a full read of socket "main" at sec by HAProxy pid with a
// frontend and backend row around the servers of svc_a.
func hapSnap(sec float64, pid int, servers ...haproxy.Row) *haproxy.Snapshot {
	rows := []haproxy.Row{haproxy.Row{Proxy: "svc_a", Type: haproxy.TypeFrontend}.WithString(haproxy.ColName, "FRONTEND").WithString(haproxy.ColStatus, "OPEN")}
	rows = append(rows, servers...)
	rows = append(rows, haproxy.Row{Proxy: "svc_a", Type: haproxy.TypeBackend}.WithString(haproxy.ColName, "BACKEND").WithString(haproxy.ColStatus, "UP").With(haproxy.ColAct, int64(len(servers))))
	return &haproxy.Snapshot{Label: "main", Address: "/run/haproxy.sock", At: at(sec), LastGood: at(sec), Level: haproxy.LevelAdmin,
		Info: &haproxy.Info{Version: "2.6.12", PID: pid}, Stats: &haproxy.Stats{Rows: rows}}
}

// newFed is an engine at its baseline (nothing read) with one socket.
func newFed() *Engine {
	e := NewEngine(EngineOptions{
		Registry: &sources.Snapshot{Kind: sources.KindZooKeeper, Address: "zk:2181", State: sources.StateConnecting},
		HAProxy:  []*haproxy.Snapshot{{Label: "main", Address: "/run/haproxy.sock"}},
	})
	e.Join(t0)
	e.Frame(t0)
	return e
}

// step applies in and makes its frame as the pipeline does below PacedRows.
func step(t *testing.T, e *Engine, in Input) Frame {
	t.Helper()
	e.Apply(in)
	now := e.Last()
	f, ok := e.Step(now, true)
	if !ok {
		return Frame{}
	}
	if f.Changed&ChangeView != 0 {
		e.Observe()
	}
	return f
}

func kinds(evs []state.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Source+":"+e.Kind+":"+e.To)
	}
	return out
}

// TestFirstReadsAreNotNews: the registry's first complete read and the
// socket's first `show stat` bring "connected" events, not one event per
// registration and server; later changes are events in one vocabulary.
func TestFirstReadsAreNotNews(t *testing.T) {
	e := newFed()
	a1, a2 := registration("svc_a", "web1", 8001), registration("svc_a", "web2", 8002)
	f := step(t, e, Input{Registry: zkSnap(1, a1, a2)})
	if got := kinds(f.Events); !slices.Equal(got, []string{"zookeeper:connection:connected"}) {
		t.Fatalf("first registry read: %v", got)
	}
	f = step(t, e, Input{HAProxy: hapSnap(1.5, 100, server("svc_a", "web1", 8001, "UP"), server("svc_a", "web2", 8002, "UP"))})
	if got := kinds(f.Events); !slices.Equal(got, []string{"haproxy:connection:up"}) {
		t.Fatalf("first HAProxy read: %v", got)
	}
	if !f.Ready || f.View.Services[0].Summary.Up != 2 {
		t.Fatalf("ready %v, summary %+v", f.Ready, f.View.Services[0].Summary)
	}
	// A deregistration, then HAProxy marks the server MAINT.
	f = step(t, e, Input{Registry: zkSnap(2, a1)})
	if got := kinds(f.Events); !slices.Equal(got, []string{"zookeeper:deregistered:"}) {
		t.Fatalf("deregistration: %v (%v)", got, f.Events)
	}
	f = step(t, e, Input{HAProxy: hapSnap(3, 100, server("svc_a", "web1", 8001, "UP"), server("svc_a", "web2", 8002, "MAINT"))})
	if got := kinds(f.Events); !slices.Equal(got, []string{"haproxy:state:MAINT"}) {
		t.Fatalf("MAINT: %v", got)
	}
	if f.Events[0].Socket != "main" || f.Events[0].Service != "svc_a" || !f.Events[0].At.Equal(at(3)) {
		t.Fatalf("event %+v", f.Events[0])
	}
}

// TestHAProxyLostRegainedReloaded: a socket that stops answering, answers
// again, and answers from a new process makes an event each time; its
// staying down does not repeat one.
func TestHAProxyLostRegainedReloaded(t *testing.T) {
	e := newFed()
	step(t, e, Input{Registry: zkSnap(0, registration("svc_a", "web1", 8001))})
	good := hapSnap(1, 100, server("svc_a", "web1", 8001, "UP"))
	step(t, e, Input{HAProxy: good})
	down := *good
	down.At, down.Err = at(2), errors.New("dial unix /run/haproxy.sock: connection refused")
	f := step(t, e, Input{HAProxy: &down})
	if got := kinds(f.Events); !slices.Equal(got, []string{"haproxy:connection:unreachable"}) {
		t.Fatalf("lost: %v", got)
	}
	if f.Changed&ChangeView == 0 || !hasCode(f.View.Diagnoses, state.CodeHAProxyStale) {
		t.Fatalf("lost socket not joined: changed %b diagnoses %v", f.Changed, f.View.Diagnoses)
	}
	still := down
	still.At, still.Err = at(3), errors.New("dial unix /run/haproxy.sock: no such file or directory")
	if f := step(t, e, Input{HAProxy: &still}); len(f.Events) != 0 {
		t.Fatalf("still down: %v", kinds(f.Events))
	}
	back := hapSnap(6, 200, server("svc_a", "web1", 8001, "UP"))
	f = step(t, e, Input{HAProxy: back})
	if got := kinds(f.Events); !slices.Equal(got, []string{"haproxy:connection:up", "haproxy:reload:200"}) {
		t.Fatalf("regained with a new pid: %v", got)
	}
	if !strings.Contains(f.Events[0].Text, "again after 5s") {
		t.Fatalf("regained text %q", f.Events[0].Text)
	}
}

func hasCode(ds []state.Diagnosis, c state.Code) bool {
	for _, d := range ds {
		if d.Code == c {
			return true
		}
	}
	return false
}

// TestLightPollMovesTrafficWithoutJoin: a light poll (the same read, newer
// proxy and watched rows) redoes the traffic figures, makes no join, and
// the newer rows are what Frame.Newest gives.
func TestLightPollMovesTrafficWithoutJoin(t *testing.T) {
	e := newFed()
	step(t, e, Input{Registry: zkSnap(0, registration("svc_a", "web1", 8001))})
	full := hapSnap(1, 100, server("svc_a", "web1", 8001, "UP"))
	f := step(t, e, Input{HAProxy: full})
	joined := f.View
	light := *full
	light.At = at(2)
	be := full.Stats.Rows[2]
	be.Set(haproxy.ColSCur, 42)
	w := full.Stats.Rows[1]
	w.Set(haproxy.ColSCur, 7)
	light.Aggregates = []haproxy.Row{full.Stats.Rows[0], be}
	light.Watched = []haproxy.Row{w}
	e.Apply(Input{HAProxy: &light})
	if due, _ := e.Due(); due {
		t.Fatal("a light poll asks for a join")
	}
	f, _ = e.Step(at(2), true)
	if f.Changed&ChangeView != 0 || f.Changed&ChangeTraffic == 0 || f.Changed&ChangeRows != 0 {
		t.Fatalf("changed %b", f.Changed)
	}
	if f.View == joined || f.View.Services[0].Summary.SCur != 42 || &f.View.Services[0].Instances[0] != &joined.Services[0].Instances[0] {
		t.Fatal("traffic not redone from the newer rows, or instances joined again")
	}
	if r := f.NewestSeen(0, &f.View.Services[0].Instances[0].HAProxy[0]); r.SCur() != 7 {
		t.Fatalf("newest row has %d sessions", r.SCur())
	}
	if f.HAProxy[0].Stats != full.Stats || f.HAProxy[0].Watched != nil {
		t.Fatal("the rows are not the full read's, or Watched leaked")
	}
}

// TestWatchedStateChangeIsMergedAndJoined: a watched server whose state
// moved without its backend row showing it (UP 1/2 while checks settle) is
// merged into the socket's rows and joined, so the view, its diagnoses and
// its events agree with the row on screen.
func TestWatchedStateChangeIsMergedAndJoined(t *testing.T) {
	e := newFed()
	step(t, e, Input{Registry: zkSnap(0, registration("svc_a", "web1", 8001), registration("svc_a", "web2", 8002))})
	full := hapSnap(1, 100, server("svc_a", "web1", 8001, "UP"), server("svc_a", "web2", 8002, "UP"))
	step(t, e, Input{HAProxy: full})
	light := *full
	light.At = at(2)
	w := full.Stats.Rows[2]
	w.SetString(haproxy.ColStatus, "UP 1/2")
	w.SetString(haproxy.ColCheckStatus, "L4CON")
	light.Watched = []haproxy.Row{w}
	f := step(t, e, Input{HAProxy: &light})
	if f.Changed&ChangeView == 0 || f.Changed&ChangeRows == 0 {
		t.Fatalf("changed %b: not joined", f.Changed)
	}
	if got := kinds(f.Events); !slices.Equal(got, []string{"haproxy:state:UP 1/2"}) {
		t.Fatalf("events %v", got)
	}
	if in := f.View.Services[0].Instances[1]; in.HAProxy[0].Row.Status() != "UP 1/2" {
		t.Fatalf("joined row %q", in.HAProxy[0].Row.Status())
	}
	if full.Stats.Rows[2].Status() != "UP" {
		t.Fatal("the poller's rows were modified")
	}
	// The next light poll starts from the merged rows: no second event.
	light2 := light
	light2.At = at(3)
	if f := step(t, e, Input{HAProxy: &light2}); len(f.Events) != 0 || f.Changed&ChangeView != 0 {
		t.Fatalf("merged state forgotten: events %v changed %b", kinds(f.Events), f.Changed)
	}
}

// TestNotesAndSerfUserEvents: notes and Serf user events are events; the
// source's own registration events are not (they come from the join).
func TestNotesAndSerfUserEvents(t *testing.T) {
	e := newFed()
	f := step(t, e, Input{At: at(1), Note: "operator: drain web1"})
	if len(f.Events) != 1 || f.Events[0].Kind != state.EventNote || f.Events[0].Text != "operator: drain web1" {
		t.Fatalf("note: %+v", f.Events)
	}
	u := sources.Update{Snapshot: *zkSnap(2), Events: []sources.Event{
		{At: at(2), Kind: sources.EventUser, Source: sources.KindSerf, Message: "user event deploy (payload 3 bytes)"},
		{At: at(2), Kind: sources.EventRegistered, Source: sources.KindZooKeeper, Message: "web1 registered"},
	}}
	f = step(t, e, Input{Registry: &u.Snapshot, RegistryEvents: u.Events})
	if got := kinds(f.Events); !slices.Equal(got, []string{"zookeeper:connection:connected", "serf:user_event:"}) {
		t.Fatalf("events %v", got)
	}
}

// TestSerfMembers: a member failing and its tags changing are events.
func TestSerfMembers(t *testing.T) {
	e := NewEngine(EngineOptions{Registry: &sources.Snapshot{Kind: sources.KindSerf, Address: "127.0.0.1:7373"}})
	snap := func(sec float64, status, weight string) *sources.Snapshot {
		return &sources.Snapshot{Kind: sources.KindSerf, Address: "127.0.0.1:7373", State: sources.StateConnected, Synced: true,
			At: at(sec), LastGood: at(sec), Members: []sources.Member{{Name: "node1", Addr: "127.0.0.1:7946", Status: status,
				Tags: map[string]string{"smart:serverweight": weight}}}}
	}
	step(t, e, Input{Registry: snap(0, "alive", "50")})
	f := step(t, e, Input{Registry: snap(1, "alive", "0")})
	if len(f.Events) != 1 || f.Events[0].Kind != state.EventMember || !strings.Contains(f.Events[0].Text, "smart:serverweight 50 -> 0") {
		t.Fatalf("tag change: %+v", f.Events)
	}
	f = step(t, e, Input{Registry: snap(2, "failed", "0")})
	if got := kinds(f.Events); !slices.Equal(got, []string{"serf:member:failed"}) {
		t.Fatalf("failed: %v", got)
	}
}

// TestSubscriptionKeepsEveryEvent: frames published faster than they are
// read fold into one with every event in order; publishing never waits.
func TestSubscriptionKeepsEveryEvent(t *testing.T) {
	s := NewSubscription()
	for i := range 1000 {
		s.Publish(Frame{Seq: uint64(i + 1), Changed: Change(1 << (i % 4)), Events: []state.Event{{Text: fmt.Sprint(i)}}})
	}
	f, ok := s.TryNext()
	if !ok || f.Seq != 1000 || len(f.Events) != 1000 || f.Changed != ChangeView|ChangeRows|ChangeTraffic|ChangeSources {
		t.Fatalf("ok %v seq %d events %d changed %b", ok, f.Seq, len(f.Events), f.Changed)
	}
	for i, e := range f.Events {
		if e.Text != fmt.Sprint(i) {
			t.Fatalf("event %d is %q", i, e.Text)
		}
	}
	if _, ok := s.TryNext(); ok {
		t.Fatal("a frame taken twice")
	}
	s.Publish(Frame{Seq: 1001})
	s.Close()
	if f, ok := s.TryNext(); !ok || f.Seq != 1001 {
		t.Fatal("the frame before Close was lost")
	}
	if _, ok := s.Next(t.Context()); ok {
		t.Fatal("Next after Close")
	}
}

// TestMaintenanceIsAnInput: a reading of this host's durable maintenance
// is joined when it changed or while any is in force (an expiry passes
// between readings), not otherwise; the view is not ready without one.
func TestMaintenanceIsAnInput(t *testing.T) {
	e := NewEngine(EngineOptions{Maintenance: true,
		Registry: &sources.Snapshot{Kind: sources.KindZooKeeper, Address: "zk:2181", State: sources.StateConnecting}})
	e.Join(t0)
	e.Frame(t0)
	if f := step(t, e, Input{Registry: zkSnap(1, registration("svc_a", "web1", 8001))}); f.Ready {
		t.Fatal("ready before the first maintenance reading")
	}
	none := &sources.Maintenance{At: at(2)}
	if f := step(t, e, Input{Maintenance: none}); !f.Ready || f.Changed&ChangeView == 0 || f.Maintenance != none {
		t.Fatalf("first reading: ready %v changed %b", f.Ready, f.Changed)
	}
	if f := step(t, e, Input{Maintenance: &sources.Maintenance{At: at(3)}}); f.Changed&ChangeView != 0 {
		t.Fatal("an unchanged empty reading was joined")
	}
	in := &sources.Maintenance{At: at(4), Entries: []sources.MaintenanceEntry{{Kind: sources.MaintHacheck, Service: "svc_a", Port: 8001}}}
	for sec := 4; sec < 6; sec++ {
		in.At = at(float64(sec))
		if f := step(t, e, Input{Maintenance: in}); f.Changed&ChangeView == 0 || f.View.Maintenance != in {
			t.Fatalf("reading at %ds with an entry in force not joined", sec)
		}
	}
}
