package ui

import (
	"time"

	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/internal/scalefixture"
	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/sources"
)

// bigFixture is the shared scale fixture as of the tests' fixed clock.
func bigFixture(backends, servers, regsPer int) (sources.Snapshot, *haproxy.Snapshot) {
	return scalefixture.Build(backends, servers, regsPer, fixedNow)
}

func bigModel(tb testing.TB, w, h int) (*Model, sources.Snapshot, *haproxy.Snapshot) {
	reg, hap := bigFixture(500, 100, 20)
	o := testOptions{Options: Options{ReadOnly: true}, Registry: &fakeRegistry{cur: reg}, HAProxy: newFakeFeed(hap)}
	return newFedModel(o, w, h), reg, hap
}

// BenchmarkRender50k renders one HAProxy frame with 50,000 servers, scrolled
// to the middle.
func BenchmarkRender50k(b *testing.B) {
	m, _, _ := bigModel(b, 160, 48)
	press(m, "2")
	m.hap.move(25000, m.hap.keyAt)
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
// pipeline's join with 10,000 registrations, events and history (on the
// pipeline's goroutine in the console), then the frame on the event loop
// and the HAProxy pane rebuilt.
func BenchmarkUpdate50k(b *testing.B) {
	m, _, hap := bigModel(b, 160, 48)
	press(m, "2")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		sendHAProxy(m, reread(hap))
	}
}

// BenchmarkUpdate50kEventLoop is what a new 50,000-server frame costs the
// event loop, where a keypress waits: storing the frame and rebuilding the
// HAProxy pane. The join runs on the pipeline's goroutine.
func BenchmarkUpdate50kEventLoop(b *testing.B) {
	m, _, hap := bigModel(b, 160, 48)
	press(m, "2")
	feed := m.o.Feed.(*testFeed)
	s := reread(hap)
	feed.eng.Apply(live.Input{HAProxy: &s})
	f, _ := feed.eng.Step(fixedNow, true)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m.Update(frameMsg{f})
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

// reread is hap as a new full poll delivers it: the same rows behind a new
// Stats value (an unchanged Stats pointer means "nothing re-read").
func reread(hap *haproxy.Snapshot) haproxy.Snapshot {
	s := *hap
	s.Stats = &haproxy.Stats{Fields: hap.Stats.Fields, Rows: hap.Stats.Rows}
	return s
}

// BenchmarkFirstScreen50k is the pipeline's first join of 50,000 servers
// with 10,000 registrations, New on its frame, and the first screen: the
// start-up cost once the sources have their first snapshots.
func BenchmarkFirstScreen50k(b *testing.B) {
	reg, hap := bigFixture(500, 100, 20)
	b.ReportAllocs()
	for b.Loop() {
		o := Options{ReadOnly: true, Feed: newTestFeed(&fakeRegistry{cur: reg}, newFakeFeed(hap), nil)}
		m := New(o)
		m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
		_ = m.View()
	}
}

// BenchmarkPageDown50k is a page-down in the server list of 50,000 and
// the frame it draws: what a key costs before the terminal sees it.
func BenchmarkPageDown50k(b *testing.B) {
	m, _, _ := bigModel(b, 160, 48)
	press(m, "2")
	m.layout()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%500 == 499 {
			press(m, "home")
		}
		press(m, "pgdown")
		_ = m.View()
	}
}

// BenchmarkRegistryFrame50k is what a registry change's frame costs the
// event loop on the Services view at 50,000 servers: the frame of an
// urgent join, stored, observed and the Services rows rebuilt.
func BenchmarkRegistryFrame50k(b *testing.B) {
	m, reg, _ := bigModel(b, 160, 48)
	feed := m.o.Feed.(*testFeed)
	reg.At = reg.At.Add(time.Second)
	feed.eng.Apply(live.Input{Registry: &reg})
	f, _ := feed.eng.Step(fixedNow, true)
	if f.Changed&live.ChangeView == 0 || f.Changed&live.ChangeRows != 0 {
		b.Fatalf("changed %b: want a join without new rows", f.Changed)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m.Update(frameMsg{f})
	}
}
