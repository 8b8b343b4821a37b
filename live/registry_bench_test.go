package live

import (
	"slices"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// BenchmarkRegistryChange50k is the pipeline's work for one registration
// coming and going in one service among 10,000 registrations, with 50,000
// servers polled: apply, join, events, frame and history, as the
// ZooKeeper source publishes it (a new array for that service only).
func BenchmarkRegistryChange50k(b *testing.B) {
	reg, hap := bigInput()
	e := NewEngine(EngineOptions{Registry: reg, HAProxy: []*haproxy.Snapshot{hap}})
	e.Apply(Input{Registry: reg})
	e.Join(t0)
	e.Frame(t0)
	e.Observe()
	base := reg.Services[0].Registrations
	extra := base[0]
	extra.Name, extra.Host, extra.Node, extra.Path = "newhost", "10.250.0.1", "newhost_0000000999", extra.Path+"x"
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		next := *reg
		next.At = t0.Add(time.Duration(i+1) * time.Second)
		next.Services = slices.Clone(reg.Services)
		if i%2 == 0 {
			next.Services[0].Registrations = append(slices.Clip(slices.Clone(base)), extra)
		} else {
			next.Services[0].Registrations = slices.Clone(base)
		}
		e.Apply(Input{Registry: &next, RegistryEvents: []sources.Event{{Kind: sources.EventRegistered}}})
		f, _ := e.Step(next.At, true)
		if f.Changed&ChangeView == 0 || len(f.View.Services) != 500 {
			b.Fatal("not joined")
		}
		e.Observe()
	}
}
