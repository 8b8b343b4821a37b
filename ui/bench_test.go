package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// bigFixture is 500 backends x 100 servers (50,000) in HAProxy and 10,000
// registrations (20 per service) in the registry.
func bigFixture(backends, servers, regsPer int) (sources.Snapshot, *haproxy.Snapshot) {
	reg := sources.Snapshot{Kind: sources.KindZooKeeper, Address: "zk:2181", State: sources.StateConnected,
		Synced: true, At: fixedNow, LastGood: fixedNow}
	st := &haproxy.Stats{}
	for b := 0; b < backends; b++ {
		svc := fmt.Sprintf("service_%04d", b)
		rs := sources.Service{Name: svc, Path: "/nerve/services/" + svc + "/services"}
		st.Rows = append(st.Rows, haproxy.Row{Proxy: svc, Name: "FRONTEND", Type: haproxy.TypeFrontend, Status: "OPEN"})
		for s := 0; s < servers; s++ {
			host := fmt.Sprintf("10.%d.%d.%d", b/256, b%256, s)
			name := fmt.Sprintf("i-%04d-%03d", b, s)
			status := "UP"
			if s%17 == 0 {
				status = "DOWN"
			}
			st.Rows = append(st.Rows, haproxy.Row{Proxy: svc, Name: name + "_" + host + ":8080", Type: haproxy.TypeServer,
				Status: status, Weight: 1, CheckStatus: "L7OK", SCur: int64(s), ReqRate: int64(s * 2), Addr: host + ":8080"})
			if s < regsPer {
				p := fmt.Sprintf("%s/%s_%010d", rs.Path, name, s)
				rs.Registrations = append(rs.Registrations, sources.Registration{Service: svc, Name: name, Host: host,
					Port: 8080, Path: p, Node: name, Seq: int64(s), Ctime: fixedNow.Add(-time.Hour)})
			}
		}
		st.Rows = append(st.Rows, haproxy.Row{Proxy: svc, Name: "BACKEND", Type: haproxy.TypeBackend, Status: "UP"})
		reg.Services = append(reg.Services, rs)
	}
	return reg, &haproxy.Snapshot{Label: "local", Address: "/run/haproxy.sock", At: fixedNow, LastGood: fixedNow,
		Info: &haproxy.Info{Version: "2.6.12", MaxConn: 4096}, Stats: st}
}

func bigModel(tb testing.TB, w, h int) (*Model, sources.Snapshot, *haproxy.Snapshot) {
	reg, hap := bigFixture(500, 100, 20)
	feed := newFakeFeed(hap)
	close(feed.ch) // re-armed readers return at once instead of blocking drain
	o := Options{Registry: &fakeRegistry{ch: make(chan sources.Update), cur: reg}, HAProxy: feed, ReadOnly: true}
	m := newModel(o, func() time.Time { return fixedNow })
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m, reg, hap
}

// BenchmarkRender50k renders one HAProxy frame with 50,000 servers, scrolled
// to the middle.
func BenchmarkRender50k(b *testing.B) {
	m, _, _ := bigModel(b, 160, 48)
	press(m, "2")
	m.hap.move(25000, m.hap.keyAt(m))
	m.layout()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkRender50kDetail renders a service detail and the services list
// of the 50,000-server fixture.
func BenchmarkRender50kServices(b *testing.B) {
	m, _, _ := bigModel(b, 160, 48)
	m.services.move(250, m.services.keyAt)
	m.layout()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkUpdate50k handles a new 50,000-server snapshot end to end: the
// join with 10,000 registrations, events diff and history (in a command at
// this size), then the HAProxy pane rebuild when the result arrives.
func BenchmarkUpdate50k(b *testing.B) {
	m, _, hap := bigModel(b, 160, 48)
	m.joinPace = 0 // measure the work, not the pacing
	press(m, "2")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_, cmd := m.Update(haproxyMsg{reread(hap)})
		drainWait(m, cmd, time.Minute)
	}
}

// BenchmarkUpdate50kEventLoop is the part of a new 50,000-server snapshot
// that runs on the event loop (the join itself runs in a command), plus
// applying the finished join: what a keypress can be queued behind.
func BenchmarkUpdate50kEventLoop(b *testing.B) {
	m, _, hap := bigModel(b, 160, 48)
	press(m, "2")
	cfg := m.o.StateConfig
	cfg.Now, cfg.History = fixedNow, m.shist
	j := computeJoin(m.reg, m.haps, cfg, m.joined)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m.Update(haproxyMsg{reread(hap)})
		m.Update(j)
	}
}

// BenchmarkFilter50k types one filter character on the HAProxy view.
func BenchmarkFilter50k(b *testing.B) {
	m, _, _ := bigModel(b, 160, 48)
	press(m, "2", "/")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		typeText(m, "9")
		press(m, "backspace")
	}
}

// TestRender50kAllRowsReachable: no row cap; G reaches the last of 50,000
// servers and the frame shows it.
func TestRender50kAllRowsReachable(t *testing.T) {
	m, _, _ := bigModel(t, 160, 48)
	press(m, "2", "G")
	if m.hap.n != 500*102 {
		t.Fatalf("rows %d", m.hap.n)
	}
	out := screen(m)
	if !strings.Contains(out, "service_0499 BACKEND") {
		t.Fatalf("last row not on screen:\n%s", out)
	}
	checkFrame(t, out, 160, 48)
}

// TestLargeJoinRunsOffLoop: at 50,000 servers a new snapshot is joined in a
// command; keys are handled meanwhile; snapshots arriving during the join
// are joined once it finishes.
func TestLargeJoinRunsOffLoop(t *testing.T) {
	m, _, hap := bigModel(t, 160, 48)
	m.joinPace = 0 // pacing is tested below
	before := m.joined
	key := before.Services[0].Instances[0].Key
	samples, _, _ := m.shist.Series(key)
	_, cmd := m.Update(haproxyMsg{reread(hap)})
	if !m.joinBusy || m.joined != before {
		t.Fatal("large join ran on the event loop")
	}
	press(m, "j")
	if selectedService(m) != "service_0001" {
		t.Fatalf("key not handled during the join: %q", selectedService(m))
	}
	if _, c2 := m.Update(haproxyMsg{reread(hap)}); !m.joinPending {
		t.Fatalf("second snapshot not queued (cmd %v)", c2 != nil)
	}
	drainWait(m, cmd, time.Minute)
	if m.joined == before {
		t.Fatal("join result not applied")
	}
	if m.joinPending {
		t.Fatal("queued snapshot not joined after the first finished")
	}
	if selectedService(m) != "service_0001" {
		t.Fatalf("selection lost: %q", selectedService(m))
	}
	// Both joins are recorded in the history, after their views were shown.
	<-m.observed
	if after, _, _ := m.shist.Series(key); len(after) != len(samples)+2 {
		t.Fatalf("history has %d samples of %s after two joins, had %d", len(after), key, len(samples))
	}
	// Pacing: right after a join that cost c, the next waits for 10c.
	m.joinPace = joinCPUShare
	m.joinStart, m.joinCost = time.Now(), time.Second
	if _, c := m.Update(haproxyMsg{reread(hap)}); c == nil || !m.joinScheduled || m.joinBusy {
		t.Fatalf("join not postponed: scheduled %v busy %v", m.joinScheduled, m.joinBusy)
	}
	m.Update(haproxyMsg{reread(hap)})
	if m.joinBusy || m.joinPending {
		t.Fatal("a snapshot during the wait started another join")
	}
	m.joinStart = time.Time{}
	if _, c := m.Update(rejoinMsg{}); c == nil || !m.joinBusy || m.joinScheduled {
		t.Fatal("the postponed join did not start")
	}
}

// TestRegistryChangeSkipsPacing: a registration change is joined at once,
// even while a large HAProxy poll's join is being held back for CPU.
func TestRegistryChangeSkipsPacing(t *testing.T) {
	m, reg, hap := bigModel(t, 160, 48)
	m.joinPace = joinCPUShare
	m.joinStart, m.joinCost = time.Now(), time.Second
	m.Update(haproxyMsg{reread(hap)})
	if !m.joinScheduled || m.joinBusy {
		t.Fatalf("HAProxy join not paced: scheduled %v busy %v", m.joinScheduled, m.joinBusy)
	}
	if _, c := m.Update(registryMsg{sources.Update{Snapshot: reg}}); c == nil || !m.joinBusy {
		t.Fatal("a registry change waited behind the pacing")
	}
}

// reread is hap as a new full poll delivers it: the same rows behind a new
// Stats value (an unchanged Stats pointer means "nothing re-read").
func reread(hap *haproxy.Snapshot) haproxy.Snapshot {
	s := *hap
	s.Stats = &haproxy.Stats{Fields: hap.Stats.Fields, Rows: hap.Stats.Rows}
	return s
}

// BenchmarkFirstScreen50k is New (the first join of 50,000 servers with
// 10,000 registrations) plus the first frame: the start-up cost once the
// sources have their first snapshots.
func BenchmarkFirstScreen50k(b *testing.B) {
	reg, hap := bigFixture(500, 100, 20)
	feed := newFakeFeed(hap)
	o := Options{Registry: &fakeRegistry{ch: make(chan sources.Update), cur: reg}, HAProxy: feed, ReadOnly: true}
	b.ReportAllocs()
	for b.Loop() {
		m := New(o)
		m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
		_ = m.View()
	}
}
