package state

import (
	"maps"
	"slices"
	"unsafe"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// Joiner joins like Join, and keeps what its last join was made of, so
// that the next one joins again only the services whose inputs changed and
// takes the others from the last view: a registration change among 10,000
// registrations and 50,000 servers joins one service, not all of them. Its
// views are exactly Join's (incremental_test.go proves it on random change
// sequences and on the recorded traces).
//
// A service is taken from the last view when it is made of the same
// registry services holding the same Registrations arrays (sources publish
// a new array only for a service that changed), every socket holds the
// same Stats (its rows), and nothing outside the service that its words
// depend on moved: the sources' own diagnoses, the suspect sessions of
// duplicates across services, the configuration, the history's flapping
// instances. Services whose words depend on the clock (a registration
// change less than a minute old, flapping, a stale registry, durable
// maintenance in force) are always joined again. Traffic figures follow
// newer proxy rows (a light poll's Aggregates) as Join's do.
//
// A Joiner is not safe for concurrent use.
type Joiner struct{ last *memo }

// Join joins like the package's Join, reusing what it can of the last join.
func (jn *Joiner) Join(reg *sources.Snapshot, haps []*haproxy.Snapshot, cfg Config) *View {
	v, m := join(reg, haps, cfg, jn.last, true)
	jn.last = m
	return v
}

// srcKey identifies one registry service as a join read it: its
// Registrations array by identity, not by value.
type srcKey struct {
	name string
	regs *sources.Registration // the array's first element; nil when empty
	n    int
	err  string
}

func keyOf(s *sources.Service) srcKey {
	k := srcKey{name: s.Name, n: len(s.Registrations), err: s.Err}
	if k.n > 0 {
		k.regs = unsafe.SliceData(s.Registrations)
	}
	return k
}

// memo is what one join was made of, for the next one.
type memo struct {
	view     *View
	ok       bool    // the view's services may be reused at all
	socks    []*sock // the sockets' indexes, in order
	global   []Diagnosis
	suspects map[int64]string
	onlyDups map[int64]bool
	cfg      Config
	regKind  sources.Kind
	regRead  bool
	svcs     map[string]svcMemo
}

// svcMemo is what one service of the memo's view was made of.
type svcMemo struct {
	at       int // its index in view.Services
	backend  string
	registry bool
	srcs     []srcKey
	groups   [][]*sources.Registration
	// volatile: its words depend on the clock or the history (a recent
	// registration change, flapping), so it is always joined again.
	volatile bool
}

// socket returns the memo's index of socket i for h when h holds the same
// rows, ready for a new join; nil otherwise.
func (m *memo) socket(i int, h *haproxy.Snapshot) *sock {
	if m == nil || i >= len(m.socks) {
		return nil
	}
	old := m.socks[i]
	if h.Stats == nil || old.snap.Stats != h.Stats || labelOf(h) != old.label {
		return nil
	}
	k := *old
	k.snap = h
	clear(k.claimed)
	if !sameRows(old.snap.Aggregates, h.Aggregates) {
		k.fresh = nil
		k.indexFresh(h.Aggregates)
	}
	return &k
}

func labelOf(h *haproxy.Snapshot) string {
	if h.Label == "" {
		return h.Address
	}
	return h.Label
}

// sameRows reports whether a and b are the same rows in memory.
func sameRows(a, b []haproxy.Row) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.SliceData(a) == unsafe.SliceData(b))
}

// groups returns the duplicate groups the memo found for a service made of
// the same registrations as b.
func (m *memo) groups(b *svcBuild) ([][]*sources.Registration, bool) {
	if m == nil {
		return nil, false
	}
	sm, ok := m.svcs[b.name]
	if !ok || !slices.Equal(sm.srcs, b.srcs) {
		return nil, false
	}
	return sm.groups, true
}

// reusable returns, per build, the index in the last view of the service
// to reuse, or -1 to join it; nil when nothing can be reused.
func (j *joiner) reusable(builds []*svcBuild) []int {
	m := j.prev
	if m == nil || !m.ok || !j.reusableNow() || !j.sameOutside(m) {
		return nil
	}
	// A backend shared by several services is claimed by them in turn:
	// join those together. Flapping instances' words move with the clock.
	perBackend := make(map[string]int, len(builds))
	for _, b := range builds {
		perBackend[b.backend]++
	}
	for key := range j.flaps {
		for i := range len(key) {
			if key[i] == '/' {
				perBackend[key[:i]] += 2 // never reused; a prefix that is no backend is harmless
			}
		}
	}
	out := make([]int, len(builds))
	any := false
	for i, b := range builds {
		out[i] = -1
		sm, ok := m.svcs[b.name]
		if !ok || sm.volatile || sm.backend != b.backend || sm.registry != b.registry || perBackend[b.backend] != 1 ||
			!slices.Equal(sm.srcs, b.srcs) {
			continue
		}
		out[i], any = sm.at, true
	}
	if !any {
		return nil
	}
	return out
}

// reusableNow reports whether this join's services may be reused by the
// next: no word of them depends on the clock through the whole view.
func (j *joiner) reusableNow() bool {
	mt := j.cfg.Maintenance
	return !j.regStale() && (mt == nil || len(mt.Entries) == 0)
}

// sameOutside reports whether everything a service's join reads beyond its
// own registrations and rows is what it was in m.
func (j *joiner) sameOutside(m *memo) bool {
	c, p := j.cfg, m.cfg
	if j.now.Before(m.view.At) || c.History != p.History || c.WeightsApplied != p.WeightsApplied || c.FlapEpisodes != p.FlapEpisodes ||
		c.FlapWindow != p.FlapWindow || !maps.Equal(c.Backends, p.Backends) || !maps.Equal(c.Weights, p.Weights) {
		return false
	}
	var kind sources.Kind
	if j.reg != nil {
		kind = j.reg.Kind
	}
	if (j.reg != nil) != (m.view.Registry != nil) || kind != m.regKind || j.regRead() != m.regRead {
		return false
	}
	if len(j.socks) != len(m.socks) {
		return false
	}
	for i, k := range j.socks {
		o := m.socks[i]
		if k.label != o.label || k.readable != o.readable || (k.snap.Err == nil) != (o.snap.Err == nil) ||
			k.readable && (k.snap.Stats != o.snap.Stats) {
			return false
		}
	}
	return slices.Equal(j.global, m.global) && maps.Equal(j.suspects, m.suspects) && maps.Equal(j.onlyDups, m.onlyDups)
}

// rebuild joins the builds reuse does not take from the last view.
func (j *joiner) rebuild(builds []*svcBuild, reuse []int, out []Service) {
	var todo []*svcBuild
	var at []int
	retraffic := false
	for i, k := range j.socks {
		if !sameRows(k.snap.Aggregates, j.prev.socks[i].snap.Aggregates) {
			retraffic = true
		}
	}
	for i, b := range builds {
		r := reuse[i]
		if r < 0 {
			todo, at = append(todo, b), append(at, i)
			continue
		}
		s := j.prev.view.Services[r]
		if retraffic {
			s.Summary.SCur, s.Summary.Rate, s.Summary.ReqRate, s.Summary.Hrsp5xx, s.Summary.TrafficStale = 0, 0, 0, 0, false
			j.trafficFromAggregates(&s.Summary, b, s.Instances)
		}
		out[i] = s
	}
	joined := make([]Service, len(todo))
	j.buildServices(todo, joined)
	for x, i := range at {
		out[i] = joined[x]
	}
}

// record makes the memo of this join, for the next one.
func (j *joiner) record(builds []*svcBuild, reuse []int, v *View) *memo {
	m := &memo{view: v, ok: j.reusableNow(), socks: j.socks, global: j.global, suspects: j.suspects, onlyDups: j.onlyDups,
		cfg: j.cfg, regRead: j.regRead(), svcs: make(map[string]svcMemo, len(builds))}
	if j.reg != nil {
		m.regKind = j.reg.Kind
	}
	for i, b := range builds {
		reused := reuse != nil && reuse[i] >= 0 // it was not volatile, and nothing it reads moved
		m.svcs[b.name] = svcMemo{at: i, backend: b.backend, registry: b.registry, srcs: b.srcs, groups: b.groups,
			volatile: !reused && j.volatile(&v.Services[i])}
	}
	return m
}

// volatile reports whether s's words depend on the clock or the history
// beyond its inputs: a recent registration change History dates, or
// flapping.
func (j *joiner) volatile(s *Service) bool {
	for i := range s.Instances {
		in := &s.Instances[i]
		// Past recentChange no word says how long ago (and the clock
		// never goes back: see sameOutside).
		if t := in.RegChanged(); !t.IsZero() && j.now.Sub(t) <= recentChange {
			return true
		}
		if len(j.flaps) > 0 {
			if _, ok := j.flaps[in.Key]; ok {
				return true
			}
		}
	}
	return false
}
