package state

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// historyRecords is what a History tells about every instance of v but its
// rings: its episodes and when its registration last changed.
func historyRecords(h *History, v *View) map[string]string {
	out := map[string]string{}
	for _, s := range v.Services {
		for _, in := range s.Instances {
			out[in.Key] = fmt.Sprintf("%+v %v", h.Episodes(in.Key),
				h.RegistrationChanged(in.Key, in.Registration != nil, v.At))
		}
	}
	return out
}

// TestObservePassesOverWhatCannotHaveChanged: views whose HAProxy readings
// are the last ones (a registry change between polls) are observed only in
// the services the join rebuilt, and the history says the same about every
// instance (episodes, registration changes) as one that observed every
// instance of every view; a new reading is observed whole.
func TestObservePassesOverWhatCannotHaveChanged(t *testing.T) {
	passed := 0
	for seed := range uint64(20) {
		w := newWorld(seed)
		var jn Joiner
		h, full := NewHistory(8), NewHistory(8)
		var haps []*haproxy.Snapshot
		for step := range 40 {
			w.step()
			reg, newHaps, cfg := w.inputs()
			if haps == nil || w.r.IntN(2) == 0 {
				haps = newHaps // a new reading; else the registry alone moved
			}
			cfg.Now = w.now
			v := jn.Join(reg, haps, cfg)
			before := h.last.full
			h.Observe(v)
			if h.last.full == before {
				passed++
			}
			full.last = observed{} // every instance, every time
			full.Observe(v)
			if got, want := historyRecords(h, v), historyRecords(full, v); !maps.Equal(got, want) {
				for k := range want {
					if got[k] != want[k] {
						t.Fatalf("seed %d step %d: %s: history says %s, observing every instance says %s", seed, step, k, got[k], want[k])
					}
				}
				t.Fatalf("seed %d step %d: the histories differ", seed, step)
			}
		}
	}
	if passed == 0 {
		t.Fatal("no Observe passed over anything: the sequences do not exercise it")
	}
	t.Logf("%d of %d observations passed over the services the join kept", passed, 20*40)
}

// TestObserveSamplesEachReadingOnce: a registration coming and going
// between two polls adds no sample to the other services' rings (the same
// counters again would be a reading that never happened), and the new
// instance is recorded.
func TestObserveSamplesEachReadingOnce(t *testing.T) {
	row := haproxy.Row{Proxy: "b", Type: haproxy.TypeServer}.WithString(haproxy.ColName, "h1_10.0.0.1:80").WithString(haproxy.ColStatus, "UP")
	row.Set(haproxy.ColSCur, 3)
	hap := &haproxy.Snapshot{Label: "a", At: t0, LastGood: t0, Stats: &haproxy.Stats{Rows: []haproxy.Row{row}}}
	regB := []sources.Registration{{Service: "b", Name: "h1", Host: "10.0.0.1", Port: 80, Path: "/nerve/services/b/services/h1_0", Node: "h1_0"}}
	var jn Joiner
	h := NewHistory(16)
	join := func(at time.Time, cRegs int) *View {
		svcs := []sources.Service{{Name: "b", Registrations: regB}, {Name: "c"}}
		for i := range cRegs {
			svcs[1].Registrations = append(svcs[1].Registrations, sources.Registration{Service: "c", Name: fmt.Sprintf("h%d", i),
				Host: fmt.Sprintf("10.0.1.%d", i), Port: 80, Path: fmt.Sprintf("/nerve/services/c/services/h%d_0", i), Node: fmt.Sprintf("h%d_0", i)})
		}
		reg := &sources.Snapshot{Kind: sources.KindZooKeeper, State: sources.StateConnected, Synced: true, At: at, LastGood: at, Services: svcs}
		v := jn.Join(reg, []*haproxy.Snapshot{hap}, Config{Now: at})
		h.Observe(v)
		return v
	}
	v := join(t0, 0)
	key := v.Services[0].Instances[0].Key
	scur, _, _ := h.Series(key)
	for i := range 5 { // the registry moves five times before the next poll
		v = join(t0.Add(time.Duration(i+1)*100*time.Millisecond), i%2+1)
	}
	if again, _, _ := h.Series(key); !slices.Equal(again, scur) {
		t.Fatalf("registry changes between polls sampled %s again: %v, then %v", key, scur, again)
	}
	if c := v.Services[1].Instances[0].Key; h.lookup(c) == nil {
		t.Fatalf("the registration that came (%s) is not in the history", c)
	}
	hap = &haproxy.Snapshot{Label: "a", At: t0.Add(time.Second), LastGood: t0.Add(time.Second), Stats: hap.Stats}
	join(t0.Add(time.Second), 2)
	if next, _, _ := h.Series(key); len(next) != len(scur)+1 {
		t.Fatalf("a new reading did not add one sample: %v, then %v", scur, next)
	}
}

// TestObserveForgetsNothingStillThere: with only one service changing, for
// longer than Forget, an instance of a service that never changes is still
// known (every Forget/8 an Observe walks every instance).
func TestObserveForgetsNothingStillThere(t *testing.T) {
	var jn Joiner
	h := NewHistory(4)
	h.Forget = 80 * time.Second
	still := []sources.Registration{{Service: "b", Name: "h1", Host: "10.0.0.1", Port: 80, Path: "/nerve/services/b/services/h1_0", Node: "h1_0"}}
	var key string
	for i := range 200 { // 1000 s
		at := t0.Add(time.Duration(i) * 5 * time.Second)
		var moving []sources.Registration
		if i%2 == 0 {
			moving = []sources.Registration{{Service: "a", Name: "h2", Host: "10.0.0.2", Port: 80, Path: "/nerve/services/a/services/h2_0", Node: "h2_0"}}
		}
		reg := &sources.Snapshot{Kind: sources.KindZooKeeper, State: sources.StateConnected, Synced: true, At: at, LastGood: at,
			Services: []sources.Service{{Name: "a", Registrations: moving}, {Name: "b", Registrations: still}}}
		v := jn.Join(reg, nil, Config{Now: at})
		h.Observe(v)
		key = v.Services[1].Instances[0].Key
		if h.lookup(key) == nil {
			t.Fatalf("after %s the instance that never changed (%s) is forgotten", at.Sub(t0), key)
		}
	}
}
