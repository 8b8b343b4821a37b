package state

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// diffByMap is the straightforward Diff: every instance matched through one
// map of all previous instances. Diff must give exactly its events.
func diffByMap(prev, next *View) []Event {
	before := map[string]*Instance{}
	svcOf := map[string]string{}
	for si := range prev.Services {
		for ii := range prev.Services[si].Instances {
			in := &prev.Services[si].Instances[ii]
			before[in.Key], svcOf[in.Key] = in, prev.Services[si].Name
		}
	}
	d := newDiffer(prev, next)
	matched := map[string]bool{}
	for si := range next.Services {
		for ii := range next.Services[si].Instances {
			in := &next.Services[si].Instances[ii]
			p := before[in.Key]
			if p != nil {
				matched[in.Key] = true
			}
			d.instance(next.Services[si].Name, p, in)
		}
	}
	for si := range prev.Services {
		for ii := range prev.Services[si].Instances {
			if in := &prev.Services[si].Instances[ii]; !matched[in.Key] {
				d.instance(prev.Services[si].Name, in, nil)
			}
		}
	}
	d.attribute()
	return d.out
}

// randomWorld is a registry and two sockets of a few services whose
// instances come and go, change state and weight, and move between sockets.
// Every choice comes from base, except that with probability churn it comes
// from noise instead: the same base seed with a low churn gives the next
// poll of the same world, where most services line up.
func randomWorld(base, noise *rand.Rand, churn float64) (*sources.Snapshot, []*haproxy.Snapshot) {
	r := pick{base, noise, churn}
	statuses := []string{"UP", "DOWN", "MAINT", "DRAIN", "UP 1/2", "no check"}
	snap := &sources.Snapshot{Kind: sources.KindZooKeeper, State: sources.StateConnected, Synced: true, At: t0, LastGood: t0}
	var rows [2][]haproxy.Row
	for s := range 6 {
		if r.IntN(5) == 0 {
			continue // the service is gone
		}
		name := fmt.Sprintf("svc%d", s)
		svc := sources.Service{Name: name}
		for i := range 6 {
			host := fmt.Sprintf("10.0.%d.%d", s, i)
			if r.IntN(3) > 0 {
				svc.Registrations = append(svc.Registrations, sources.Registration{Service: name, Name: fmt.Sprintf("h%d", i),
					Host: host, Port: 80, Path: fmt.Sprintf("/nerve/services/%s/services/h%d_%d", name, i, r.IntN(2)),
					Node: fmt.Sprintf("h%d_%d", i, r.IntN(2)), Seq: int64(r.IntN(2)), Weight: r.IntN(2), HasWeight: true})
			}
			for k := range rows {
				if r.IntN(4) > 0 {
					rows[k] = append(rows[k], haproxy.Row{Proxy: name, Type: haproxy.TypeServer,
						Weight: int32(r.IntN(3))}.WithString(haproxy.ColName, fmt.Sprintf("h%d_%s:80", i, host)).WithString(haproxy.ColStatus, statuses[r.IntN(len(statuses))]).WithString(haproxy.ColCheckStatus, []string{"L7OK", "L4CON"}[r.IntN(2)]).WithString(haproxy.ColAddr, host+":80"))
				}
			}
		}
		snap.Services = append(snap.Services, svc)
	}
	var haps []*haproxy.Snapshot
	for k, label := range []string{"a", "b"} {
		h := &haproxy.Snapshot{Label: label, At: t0, LastGood: t0}
		if r.IntN(6) > 0 {
			h.Stats = &haproxy.Stats{Rows: rows[k]}
		}
		if k == 0 || r.IntN(4) > 0 {
			haps = append(haps, h)
		}
	}
	return snap, haps
}

// pick draws from base, or from noise with probability churn.
type pick struct {
	base, noise *rand.Rand
	churn       float64
}

func (p pick) IntN(n int) int {
	x := p.base.IntN(n)
	if p.noise.Float64() < p.churn {
		x = p.noise.IntN(n)
	}
	return x
}

func TestDiffMatchesMapDiff(t *testing.T) {
	noise := rand.New(rand.NewPCG(1, 2))
	events := 0
	for round := range 3000 {
		seed := uint64(round)
		churn := []float64{0, 0.02, 0.1, 1}[round%4]
		reg, haps := randomWorld(rand.New(rand.NewPCG(seed, 0)), noise, 0)
		prev := Join(reg, haps, Config{Now: t0})
		reg2, haps2 := randomWorld(rand.New(rand.NewPCG(seed, 0)), noise, churn)
		next := Join(reg2, haps2, Config{Now: t0})
		got, want := Diff(prev, next), diffByMap(prev, next)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: Diff gave %d events, the map diff %d:\n%v\n%v", round, len(got), len(want), got, want)
		}
		events += len(got)
	}
	if events < 10000 {
		t.Fatalf("only %d events in all: the worlds do not change enough to test anything", events)
	}
}
