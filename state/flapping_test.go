package state

import (
	"reflect"
	"testing"
	"time"
)

// TestFlappingSeesEveryTroubledInstance holds History.Flapping, which walks
// only the instances with an episode past, to the walk over every troubled
// instance, over random worlds whose servers fail and recover.
func TestFlappingSeesEveryTroubledInstance(t *testing.T) {
	found := 0
	for seed := range uint64(30) {
		w := newWorld(seed)
		h := NewHistory(20)
		for range 80 {
			reg, haps, cfg := w.inputs()
			cfg.History = h
			h.Observe(Join(reg, haps, cfg))
			for _, min := range []int{1, 2, 3} {
				for _, window := range []time.Duration{time.Minute, 10 * time.Minute} {
					got := h.Flapping(window, w.now, min)
					var want map[string][]Episode
					for k, s := range h.troubled {
						if eps := s.eps.failuresSince(w.now.Add(-window), min); eps != nil {
							if want == nil {
								want = map[string][]Episode{}
							}
							want[k] = eps
						}
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("seed %d: Flapping(%v, %d) found %d instances, the walk over all troubled ones %d", seed, window, min, len(got), len(want))
					}
					if min >= 2 {
						found += len(got)
					}
				}
			}
			w.step()
		}
	}
	if found < 100 {
		t.Fatalf("only %d flapping findings: the worlds do not flap enough to test anything", found)
	}
}
