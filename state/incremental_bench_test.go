package state

import (
	"slices"
	"testing"
	"time"
)

// BenchmarkJoinOneChange50k joins 50,000 servers and 10,000 registrations
// after one registration came or went in one service: "full" is Join,
// "incremental" a Joiner (which joins that one service again), each with
// the events since the last view.
func BenchmarkJoinOneChange50k(b *testing.B) {
	for _, mode := range []string{"full", "incremental"} {
		b.Run(mode, func(b *testing.B) {
			reg, haps := benchInput(500, 100, 10000)
			base := reg.Services[0].Registrations
			extra := base[0]
			extra.Name, extra.Host, extra.Node = "newhost", "10.250.0.1", "newhost_0000000999"
			var jn Joiner
			join := Join
			if mode == "incremental" {
				join = jn.Join
			}
			prev := join(reg, haps, Config{Now: t0})
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				next := *reg
				next.Services = slices.Clone(reg.Services)
				if i%2 == 0 {
					next.Services[0].Registrations = append(slices.Clip(slices.Clone(base)), extra)
				} else {
					next.Services[0].Registrations = slices.Clone(base)
				}
				v := join(&next, haps, Config{Now: t0.Add(time.Duration(i+1) * time.Second)})
				if evs := Events(prev, v); len(evs) != 1 {
					b.Fatalf("%d events, want 1", len(evs))
				}
				prev = v
			}
		})
	}
}

// BenchmarkObserveOneChange50k records in the history the views a Joiner
// makes of 50,000 servers and 10,000 registrations as one registration
// comes and goes between two polls: the services the join kept are passed
// over (BenchmarkObserve50k walks every instance).
func BenchmarkObserveOneChange50k(b *testing.B) {
	reg, haps := benchInput(500, 100, 10000)
	base := reg.Services[0].Registrations
	extra := base[0]
	extra.Name, extra.Host, extra.Node = "newhost", "10.250.0.1", "newhost_0000000999"
	var jn Joiner
	views := make([]*View, 2)
	for i := range views {
		next := *reg
		next.Services = slices.Clone(reg.Services)
		next.Services[0].Registrations = slices.Clone(base)
		if i == 1 {
			next.Services[0].Registrations = append(next.Services[0].Registrations, extra)
		}
		views[i] = jn.Join(&next, haps, Config{Now: t0.Add(time.Duration(i) * time.Second)})
	}
	h := NewHistory(60)
	h.Observe(views[0])
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Observe(views[(i+1)%2])
	}
}
