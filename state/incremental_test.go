package state

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// world is a registry and two sockets that change a little at each step,
// the way sources publish: a service whose registrations did not change
// keeps its Registrations array, a socket not read again keeps its Stats,
// a light poll brings newer proxy rows only.
type world struct {
	r       *rand.Rand
	serf    bool
	svcs    []sources.Service
	stats   [2]*haproxy.Stats
	aggs    [2][]haproxy.Row
	errs    [2]error
	synced  bool
	stale   bool
	maint   *sources.Maintenance
	backend map[string]string
	now     time.Time
}

const worldServices = 8

func newWorld(seed uint64) *world {
	w := &world{r: rand.New(rand.NewPCG(seed, 7)), serf: seed%5 == 0, synced: true, now: t0}
	if seed%3 == 0 { // a Synapse config: two services share one backend
		w.backend = map[string]string{}
		for s := range worldServices {
			w.backend[w.name(s)] = w.name(s)
		}
		w.backend[w.name(1)] = w.name(0)
	}
	for s := range worldServices {
		w.svcs = append(w.svcs, sources.Service{Name: w.name(s), Registrations: w.regs(s)})
	}
	for k := range w.stats {
		w.stats[k] = w.rows(k)
	}
	return w
}

func (w *world) name(s int) string {
	if w.serf {
		return fmt.Sprintf("svc%d_%d", s, 31000+s)
	}
	return fmt.Sprintf("svc%d", s)
}

// regs draws a service's registrations: hosts 0-5, some registered twice
// (by an older session: a suspect shared across services, as session 7
// holds registrations in every service), some malformed, some Serf members
// not alive.
func (w *world) regs(s int) []sources.Registration {
	var out []sources.Registration
	for i := range 6 {
		if w.r.IntN(3) == 0 {
			continue
		}
		host := fmt.Sprintf("10.0.%d.%d", s%4, i)
		for d := range 1 + w.r.IntN(2)*w.r.IntN(2) {
			r := sources.Registration{Service: w.name(s), Name: fmt.Sprintf("h%d", i), Host: host, Port: 80,
				Path: fmt.Sprintf("/nerve/services/%s/services/h%d_%d", w.name(s), i, d), Node: fmt.Sprintf("h%d_%d", i, d),
				Seq: int64(d), Ctime: t0.Add(time.Duration(d) * time.Second), Owner: int64(1 + w.r.IntN(8)),
				Weight: w.r.IntN(3), HasWeight: w.r.IntN(2) == 0}
			if d > 0 && w.r.IntN(2) == 0 {
				r.Owner = 7
			}
			if w.r.IntN(12) == 0 {
				r.Malformed = "not JSON"
			}
			if w.serf {
				r.Member, r.Tag = fmt.Sprintf("m%d", i), "smart:"+w.name(s)
				r.MemberStatus = []string{"alive", "alive", "alive", "failed", "left"}[w.r.IntN(5)]
				r.Owner = 0
			}
			out = append(out, r)
		}
	}
	return out
}

// rows draws socket k's rows: every service's backend (Synapse's names, by
// the plain service name for Serf), with FRONTEND and BACKEND rows, and
// servers registered or not in every state.
func (w *world) rows(k int) *haproxy.Stats {
	statuses := []string{"UP", "UP", "DOWN", "MAINT", "DRAIN", "UP 1/2", "no check", "MAINT (via x/y)"}
	var rows []haproxy.Row
	for s := range worldServices + 1 { // and one backend no registry knows
		be := fmt.Sprintf("svc%d", s)
		if !w.serf && s < worldServices {
			be = w.name(s)
		}
		if w.r.IntN(8) == 0 {
			continue
		}
		rows = append(rows, haproxy.Row{Proxy: be, Type: haproxy.TypeFrontend}.WithString(haproxy.ColName, "FRONTEND").WithString(haproxy.ColStatus, "OPEN"))
		for i := range 7 {
			if w.r.IntN(4) == 0 {
				continue
			}
			host := fmt.Sprintf("10.0.%d.%d", s%4, i)
			name := fmt.Sprintf("h%d_%s:80", i, host)
			if w.r.IntN(10) == 0 {
				name = fmt.Sprintf("%s:80_h%d", host, i) // Synapse's old order
			}
			r := haproxy.Row{Proxy: be, Type: haproxy.TypeServer,
				Weight: int32(w.r.IntN(3))}.WithString(haproxy.ColName, name).WithString(haproxy.ColStatus, statuses[w.r.IntN(len(statuses))]).WithString(haproxy.ColCheckStatus, []string{"L7OK", "L4CON", "INI"}[w.r.IntN(3)]).WithString(haproxy.ColAddr, host+":80")
			r.Set(haproxy.ColSCur, int64(w.r.IntN(5)))
			rows = append(rows, r)
		}
		b := haproxy.Row{Proxy: be, Type: haproxy.TypeBackend}.WithString(haproxy.ColName, "BACKEND").WithString(haproxy.ColStatus, "UP")
		b.Set(haproxy.ColSCur, int64(w.r.IntN(50)))
		rows = append(rows, b)
	}
	return &haproxy.Stats{Rows: rows}
}

// aggregates draws a light poll's proxy rows for socket k.
func (w *world) aggregates(k int) []haproxy.Row {
	var out []haproxy.Row
	for _, r := range w.stats[k].Rows {
		if r.Type != haproxy.TypeServer && w.r.IntN(4) > 0 {
			r.Set(haproxy.ColSCur, int64(w.r.IntN(100)))
			out = append(out, r)
		}
	}
	return out
}

// step changes the world a little: usually a registration or two,
// sometimes the sockets, rarely the sources' health or this host's
// maintenance (for a step or two).
func (w *world) step() {
	w.now = w.now.Add(time.Duration(w.r.IntN(25)) * time.Second)
	if w.stale && w.r.IntN(2) == 0 {
		w.stale = false
	}
	if w.maint != nil && w.r.IntN(2) == 0 {
		w.maint = nil
	}
	if !w.synced && w.r.IntN(2) == 0 {
		w.synced = true
	}
	for k := range w.errs {
		if w.errs[k] != nil && w.r.IntN(2) == 0 {
			w.errs[k] = nil
		}
	}
	switch x := w.r.IntN(100); {
	case x < 50:
		for range 1 + w.r.IntN(2) {
			i := w.r.IntN(len(w.svcs))
			var s int
			fmt.Sscanf(w.svcs[i].Name, "svc%d", &s)
			w.svcs = slices.Clone(w.svcs)
			regs, fresh := slices.Clone(w.svcs[i].Registrations), w.regs(s)
			switch {
			case w.r.IntN(6) == 0: // all of them anew
				regs = fresh
			case len(regs) > 0 && w.r.IntN(2) == 0:
				x := w.r.IntN(len(regs))
				regs = slices.Delete(regs, x, x+1)
			case len(fresh) > 0:
				regs = append(regs, fresh[w.r.IntN(len(fresh))])
			}
			w.svcs[i].Registrations = regs
		}
	case x < 60:
		k := w.r.IntN(2)
		w.stats[k], w.aggs[k] = w.rows(k), nil
	case x < 75:
		k := w.r.IntN(2)
		w.aggs[k] = w.aggregates(k)
	case x < 79:
		w.errs[w.r.IntN(2)] = errors.New("connection refused")
	case x < 82:
		w.stale = true
	case x < 84:
		w.synced = false
	case x < 87:
		w.maint = &sources.Maintenance{At: w.now, Entries: []sources.MaintenanceEntry{{Kind: sources.MaintHacheck, Service: w.name(w.r.IntN(worldServices)), Port: 80, Since: w.now}}}
	case x < 90:
		s := w.r.IntN(len(w.svcs))
		w.svcs = slices.Clone(w.svcs)
		w.svcs[s].Err = []string{"", "not allowed to read it"}[w.r.IntN(2)]
	case x < 93:
		if len(w.svcs) == worldServices {
			w.svcs = slices.Delete(slices.Clone(w.svcs), 3, 4)
		} else {
			w.svcs = slices.Insert(slices.Clone(w.svcs), 3, sources.Service{Name: w.name(3), Registrations: w.regs(3)})
		}
	}
}

// inputs are the world now as a join takes it.
func (w *world) inputs() (*sources.Snapshot, []*haproxy.Snapshot, Config) {
	kind := sources.KindZooKeeper
	if w.serf {
		kind = sources.KindSerf
	}
	reg := &sources.Snapshot{Kind: kind, Address: "zk:2181", State: sources.StateConnected, Synced: w.synced, At: w.now,
		Services: w.svcs, LastGood: w.now}
	if w.stale {
		reg.State, reg.LastGood = sources.StateDisconnected, w.now.Add(-42*time.Second)
	}
	var haps []*haproxy.Snapshot
	for k, l := range []string{"a", "b"} {
		haps = append(haps, &haproxy.Snapshot{Label: l, At: w.now, LastGood: w.now.Add(-time.Duration(k) * time.Second),
			Stats: w.stats[k], Aggregates: w.aggs[k], Err: w.errs[k]})
	}
	return reg, haps, Config{Now: w.now, Backends: w.backend, Maintenance: w.maint, WeightsApplied: true, FlapEpisodes: 2}
}

// TestJoinerMatchesJoin drives a Joiner and Join through the same random
// change sequences, with one History both read (flapping, registration
// changes) and that records every view: every view, and the events
// between successive views, must be the same.
func TestJoinerMatchesJoin(t *testing.T) {
	reused, joined := 0, 0
	for seed := range uint64(40) {
		w := newWorld(seed)
		hist := NewHistory(20)
		var jn Joiner
		var prevInc, prevFull *View
		for step := range 100 {
			reg, haps, cfg := w.inputs()
			cfg.History = hist
			inc := jn.Join(reg, haps, cfg)
			full := Join(reg, haps, cfg)
			if !reflect.DeepEqual(inc, full) {
				t.Fatalf("seed %d step %d: the Joiner's view differs from Join's:\n%s", seed, step, viewDiff(inc, full))
			}
			if got, want := Events(prevInc, inc), Events(prevFull, full); !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d step %d: events differ:\n%v\n%v", seed, step, got, want)
			}
			if prevInc != nil {
				for i := range inc.Services {
					if sharesInstances(prevInc, &inc.Services[i]) {
						reused++
					} else {
						joined++
					}
				}
			}
			hist.Observe(full)
			prevInc, prevFull = inc, full
			w.step()
		}
	}
	// Proof that the test exercised reuse, and joins again too.
	t.Logf("%d services reused, %d joined again", reused, joined)
	if reused < 6000 || joined < 6000 {
		t.Fatalf("%d services reused and %d joined again: the sequences do not exercise both", reused, joined)
	}
}

// sharesInstances reports whether s holds instances of one of prev's
// services: the Joiner reused it.
func sharesInstances(prev *View, s *Service) bool {
	for i := range prev.Services {
		if len(s.Instances) > 0 && sameInstances(prev.Services[i].Instances, s.Instances) {
			return true
		}
	}
	return false
}

// viewDiff names the first service that differs.
func viewDiff(a, b *View) string {
	if len(a.Services) != len(b.Services) {
		return fmt.Sprintf("%d services vs %d", len(a.Services), len(b.Services))
	}
	for i := range a.Services {
		if !reflect.DeepEqual(a.Services[i], b.Services[i]) {
			return fmt.Sprintf("service %s:\n%+v\n%+v", a.Services[i].Name, a.Services[i], b.Services[i])
		}
	}
	return "the view's own fields"
}

// TestJoinerSharesKeys: after a full read (new rows, the same servers) and
// registration changes, every instance a service had in the last view keeps
// that view's key string, the same bytes in memory, so that views in a row
// and the history hold one copy of them; new instances get keys of their own.
func TestJoinerSharesKeys(t *testing.T) {
	shared, fresh := 0, 0
	for seed := range uint64(20) {
		w := newWorld(seed)
		var jn Joiner
		reg, haps, cfg := w.inputs()
		prev := jn.Join(reg, haps, cfg)
		for range 20 {
			w.step()
			for k := range w.stats { // a full read: the same rows, read again
				w.stats[k] = &haproxy.Stats{Rows: slices.Clone(w.stats[k].Rows)}
			}
			reg, haps, cfg := w.inputs()
			v := jn.Join(reg, haps, cfg)
			before := map[[2]string]string{} // by service and key
			for _, s := range prev.Services {
				for _, in := range s.Instances {
					before[[2]string{s.Name, in.Key}] = in.Key
				}
			}
			for _, s := range v.Services {
				for _, in := range s.Instances {
					old, ok := before[[2]string{s.Name, in.Key}]
					switch {
					case !ok || strings.Contains(in.Key, "/?"): // new, or malformed (keyed by its path)
						fresh++
					case unsafe.StringData(old) == unsafe.StringData(in.Key):
						shared++
					default:
						t.Fatalf("seed %d: instance %s has a new copy of the last view's key", seed, in.Key)
					}
				}
			}
			prev = v
		}
	}
	t.Logf("%d keys shared with the last view, %d new", shared, fresh)
	if shared < 1000 || fresh == 0 {
		t.Fatalf("%d keys shared and %d new: the sequences do not exercise both", shared, fresh)
	}
}
