package live

import (
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/internal/scalefixture"
	"github.com/stacktui/stacktui/sources"
)

// bigInput is 500 backends x 100 servers (50,000) in HAProxy and 10,000
// registrations (20 a service), as the ui benchmarks use.
func bigInput() (*sources.Snapshot, *haproxy.Snapshot) {
	reg, hap := scalefixture.Build(500, 100, 20, t0)
	return &reg, hap
}

// BenchmarkStep50k is the pipeline's work for a new 50,000-server read
// with 10,000 registrations: apply, join, events, frame and history.
func BenchmarkStep50k(b *testing.B) {
	reg, hap := bigInput()
	e := NewEngine(EngineOptions{Registry: reg, HAProxy: []*haproxy.Snapshot{hap}})
	e.Join(t0)
	e.Frame(t0)
	e.Observe()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s := *hap
		s.At = t0.Add(time.Duration(i+1) * time.Second)
		s.Stats = &haproxy.Stats{Rows: hap.Stats.Rows} // a new read of the same rows
		e.Apply(Input{HAProxy: &s})
		f, _ := e.Step(s.At, true)
		if f.Changed&ChangeView == 0 {
			b.Fatal("not joined")
		}
		e.Observe()
	}
}

// BenchmarkFirstStep50k is the first screen's join: a new engine with no
// registry given its first 50,000-server read (a console on HAProxy alone,
// as the harness runs it).
func BenchmarkFirstStep50k(b *testing.B) {
	_, hap := bigInput()
	b.ReportAllocs()
	for b.Loop() {
		e := NewEngine(EngineOptions{})
		s := *hap
		e.Apply(Input{HAProxy: &s})
		if f, _ := e.Step(s.At, true); f.Changed&ChangeView == 0 {
			b.Fatal("not joined")
		}
	}
}

// BenchmarkLightPoll50k is a light poll of 50,000 servers: the proxy rows
// and four watched backends re-read, traffic redone without a join.
func BenchmarkLightPoll50k(b *testing.B) {
	reg, hap := bigInput()
	e := NewEngine(EngineOptions{Registry: reg, HAProxy: []*haproxy.Snapshot{hap}})
	e.Join(t0)
	e.Frame(t0)
	var aggs, watched []haproxy.Row
	for _, r := range hap.Stats.Rows {
		switch {
		case !r.IsServer():
			aggs = append(aggs, r)
		case r.Proxy <= "service_0003":
			r.Set(haproxy.ColSCur, r.SCur()+1)
			watched = append(watched, r)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s := *hap
		s.At = t0.Add(time.Duration(i+1) * time.Second)
		s.Aggregates, s.Watched = aggs, watched
		e.Apply(Input{HAProxy: &s})
		f, _ := e.Step(s.At, true)
		if f.Changed&ChangeView != 0 {
			b.Fatal("a light poll joined")
		}
	}
}
