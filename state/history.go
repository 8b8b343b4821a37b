package state

import (
	"slices"
	"sync"
	"time"
	"unsafe"

	"github.com/stacktui/stacktui/haproxy"
)

// DefaultForget is how long History keeps a server it no longer sees.
const DefaultForget = 10 * time.Minute

// History keeps, per instance key, bounded rings of the numbers the UI plots
// (current sessions, request rate, 5xx responses per second, each summed over
// the sockets read successfully) and its episodes (see Episode), for
// flapping and the history people read. Memory is bounded: capacity samples
// per ring (float32, so about 12*capacity bytes per instance that ever had a
// non-zero number), maxEpisodes episodes, and instances unseen for Forget
// are dropped (within another Forget/8). An instance with nothing to
// remember yet (its numbers all zero, no episode, no registration change:
// most of 50,000 servers) is kept in 24 bytes and its key. A failed read
// records no sample: its figures are old.
// It is safe for concurrent use.
type History struct {
	// Forget drops an instance not seen for this long; zero uses DefaultForget.
	Forget time.Duration

	mu       sync.RWMutex
	capacity int
	entries  map[string]*series
	troubled map[string]*series // the entries with an episode recorded
	// repeated are the troubled entries with an episode past: the only
	// ones that can be flapping (two or more episodes). A join asks at
	// every registry change; at 50,000 servers most are troubled.
	repeated map[string]*series
	swept    time.Time // when forgotten entries were last dropped
	// The calm instances, not in entries: an index into calmVals each
	// (updated in place: assigning a map value would store the latest
	// view's key, keeping that view's block of keys too), and the free slots.
	calm     map[string]int32
	calmVals []calmSeries
	calmFree []int32

	last observed
}

// observed is what the last Observe saw, so that the next one can pass
// over what cannot have changed since: a registry change rejoins the few
// services it touched and keeps the rest of the view (the same Instances
// arrays), with the same HAProxy readings. Observing those instances again
// would record nothing new but a duplicate sample of the same counters,
// and it took the history's lock for 2 ms at 10,000 registrations and
// 10-15 ms at 50,000 servers while the screen waited to read it.
type observed struct {
	haps               []*haproxy.Snapshot
	registry, regKnown bool
	svcs               map[string]observedService // by name
	// full is when an Observe last walked every instance: at least every
	// Forget/8, so that an instance still there is never forgotten.
	full time.Time
}

// observedService identifies a service's Instances array (a view never
// changes one: a service rejoined gets a new array).
type observedService struct {
	first *Instance
	n     int
}

// calmSeries is a series with nothing to remember but that it was seen: no
// rings, no episode, no registration change, no 5xx response counted.
type calmSeries struct {
	seen, lastAt                 int64
	zeros                        int32
	primed, judged, reg, regSeen bool
}

func (c *calmSeries) load(s *series) {
	s.seen, s.lastAt, s.zeros = c.seen, c.lastAt, int(c.zeros)
	s.primed, s.judged, s.reg, s.regSeen = c.primed, c.judged, c.reg, c.regSeen
}

func (c *calmSeries) store(s *series) {
	*c = calmSeries{seen: s.seen, lastAt: s.lastAt, zeros: int32(s.zeros), primed: s.primed, judged: s.judged, reg: s.reg, regSeen: s.regSeen}
}

// calm reports whether s has nothing to remember but what calmSeries keeps.
func (s *series) calm() bool {
	return s.rings == nil && s.eps == nil && s.regAt.IsZero() && s.last5xx == 0
}

// series is one instance's history.
type series struct {
	key     string    // its own copy: a view's keys share blocks the view frees
	rings   *rings    // nil while every sample was zero
	zeros   int       // samples so far, while rings is nil
	eps     *episodes // nil until the first episode
	last5xx int64
	lastAt  int64 // unix nanoseconds of the last sample of the counters
	seen    int64 // unix nanoseconds it was last seen
	primed  bool  // the counters were sampled once
	judged  bool  // an episode verdict was made once
	// The registration's presence as last seen with the registry current,
	// and when it last changed (zero: never seen changing).
	reg, regSeen bool
	regAt        time.Time
}

// rings are the three rings of an instance with a non-zero number.
type rings struct{ scur, req, e5 ring }

// NewHistory returns a History keeping capacity samples per ring (at least 2).
func NewHistory(capacity int) *History {
	if capacity < 2 {
		capacity = 2
	}
	return &History{capacity: capacity, entries: map[string]*series{}, troubled: map[string]*series{}, repeated: map[string]*series{}, calm: map[string]int32{}}
}

// Observe records v's numbers and state changes at v.At, then forgets
// instances not seen for Forget. A view with a preview socket (counters not
// read yet) is not recorded.
func (h *History) Observe(v *View) {
	if v == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := v.At
	for _, s := range v.HAProxy {
		if s != nil && s.Preview {
			return // its counters are not read: the full read follows within a second
		}
	}
	readable := rowsReadable(v.HAProxy)
	registry := v.Registry != nil
	regKnown := registry && !v.Registry.Stale()
	forget := h.Forget
	if forget <= 0 {
		forget = DefaultForget
	}
	l := &h.last
	same := l.svcs != nil && slices.Equal(l.haps, v.HAProxy) && l.registry == registry && l.regKnown == regKnown &&
		now.Sub(l.full) < forget/8
	if !same {
		if l.svcs == nil {
			l.svcs = map[string]observedService{}
		}
		clear(l.svcs)
		l.full = now
	}
	l.haps, l.registry, l.regKnown = append(l.haps[:0], v.HAProxy...), registry, regKnown
	for si := range v.Services {
		svc := &v.Services[si]
		id := observedService{unsafe.SliceData(svc.Instances), len(svc.Instances)}
		if same && l.svcs[svc.Name] == id {
			continue
		}
		l.svcs[svc.Name] = id
		for ii := range svc.Instances {
			h.observe(&svc.Instances[ii], readable, registry, regKnown, now)
		}
	}
	// Sweeping walks every entry: do it a few times per Forget, not on every
	// poll (at 50,000 servers the walk was a quarter of Observe).
	if now.Sub(h.swept) < forget/8 {
		return
	}
	h.swept = now
	for k, s := range h.entries {
		if now.Sub(time.Unix(0, s.seen)) > forget {
			delete(h.entries, k)
			delete(h.troubled, k)
			delete(h.repeated, k)
		}
	}
	for k, i := range h.calm {
		if now.Sub(time.Unix(0, h.calmVals[i].seen)) > forget {
			delete(h.calm, k)
			h.calmFree = append(h.calmFree, i)
		}
	}
}

func (h *History) observe(in *Instance, readable []bool, registry, regKnown bool, now time.Time) {
	if s := h.entries[in.Key]; s != nil {
		if s.observe(in, readable, registry, regKnown, now, h.capacity) {
			h.troubled[s.key] = s
		}
		if s.eps != nil && len(s.eps.past) > 0 && h.repeated[s.key] == nil {
			h.repeated[s.key] = s
		}
		return
	}
	var tmp series // on the stack: most instances stay calm
	i, wasCalm := h.calm[in.Key]
	if wasCalm {
		h.calmVals[i].load(&tmp)
	}
	tmp.observe(in, readable, registry, regKnown, now, h.capacity)
	switch {
	case tmp.calm() && wasCalm:
		h.calmVals[i].store(&tmp)
		return
	case tmp.calm():
		if n := len(h.calmFree); n > 0 {
			i, h.calmFree = h.calmFree[n-1], h.calmFree[:n-1]
		} else {
			i = int32(len(h.calmVals))
			h.calmVals = append(h.calmVals, calmSeries{})
		}
		h.calmVals[i].store(&tmp)
		// The view's own key, not a copy: successive views share their keys
		// (keyer), so a copy would keep every key twice.
		h.calm[in.Key] = i
		return
	case wasCalm:
		delete(h.calm, in.Key)
		h.calmFree = append(h.calmFree, i)
	}
	s := new(series)
	*s = tmp
	s.key = in.Key
	h.entries[s.key] = s
	if s.eps != nil {
		h.troubled[s.key] = s
	}
}

// observe folds one observation of in into s; it reports whether s's first
// episode began.
func (s *series) observe(in *Instance, readable []bool, registry, regKnown bool, now time.Time, capacity int) (troubled bool) {
	s.seen = now.UnixNano()
	if regKnown {
		r := in.Registration != nil && live(in.Registration)
		if s.regSeen && r != s.reg {
			s.regAt = now
		}
		s.reg, s.regSeen = r, true
	}
	v := judge(in, readable, registry, regKnown)
	if !v.serving && s.eps == nil && v.known {
		s.eps = &episodes{}
		troubled = true
	}
	if s.eps != nil {
		s.eps.observe(v, now, !s.judged)
	}
	s.judged = s.judged || v.known
	var scur, req, e5 int64
	sampled := false
	for i, seen := range in.HAProxy {
		if i >= len(readable) || !readable[i] || seen.Row == nil {
			continue
		}
		sampled = true
		scur += seen.Row.SCur()
		req += seen.Row.ReqRate()
		e5 += seen.Row.Hrsp5xx()
	}
	if !sampled {
		return troubled // no current figures: a gap, not a repeat of the last ones
	}
	rate := 0.0
	at := now.UnixNano()
	if s.primed && at > s.lastAt && e5 >= s.last5xx {
		rate = float64(e5-s.last5xx) / (float64(at-s.lastAt) / 1e9)
	}
	s.push(capacity, float32(scur), float32(req), float32(rate))
	s.last5xx, s.lastAt, s.primed = e5, at, true
	return troubled
}

// push records one sample of each ring: while they are all zero, only
// their count.
func (s *series) push(capacity int, scur, req, e5 float32) {
	if s.rings == nil {
		if scur == 0 && req == 0 && e5 == 0 {
			s.zeros = min(s.zeros+1, capacity)
			return
		}
		s.rings = &rings{}
		for _, r := range []*ring{&s.rings.scur, &s.rings.req, &s.rings.e5} {
			r.init(capacity)
			r.buf = make([]float32, s.zeros, capacity)
		}
	}
	s.rings.scur.push(scur)
	s.rings.req.push(req)
	s.rings.e5.push(e5)
}

// Series returns copies of key's rings, oldest first: current sessions,
// request rate (per second) and 5xx responses per second. All nil when the
// key is unknown.
func (h *History) Series(key string) (scur, reqRate, hrsp5xx []float64) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	s := h.lookup(key)
	if s == nil {
		return nil, nil, nil
	}
	if s.rings == nil {
		return make([]float64, s.zeros), make([]float64, s.zeros), make([]float64, s.zeros)
	}
	return s.rings.scur.slice(), s.rings.req.slice(), s.rings.e5.slice()
}

// RegistrationChanged is when key was last seen being registered or
// deregistered, given whether it is registered now: now itself when that
// differs from what History last saw (it changed since), zero when History
// never saw it change.
func (h *History) RegistrationChanged(key string, registered bool, now time.Time) time.Time {
	h.mu.RLock()
	defer h.mu.RUnlock()
	s := h.lookup(key)
	switch {
	case s == nil || !s.regSeen:
		return time.Time{}
	case s.reg != registered:
		return now
	}
	return s.regAt
}

// Episodes returns key's episodes, oldest first, the one still going on
// (if any) last; nil when it never had one.
func (h *History) Episodes(key string) []Episode {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if s := h.entries[key]; s != nil && s.eps != nil {
		return s.eps.all()
	}
	return nil
}

// Flapping returns the instances with at least min failure episodes
// starting in the window ending at now, with those episodes, in one pass
// over the few instances that ever had an episode (a join asks for every
// instance, and at 50,000 a lookup each cost more than the rest).
func (h *History) Flapping(window time.Duration, now time.Time, min int) map[string][]Episode {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out map[string][]Episode
	from := now.Add(-window)
	set := h.troubled
	if min >= 2 {
		set = h.repeated
	}
	for k, s := range set {
		if eps := s.eps.failuresSince(from, min); eps != nil {
			if out == nil {
				out = map[string][]Episode{}
			}
			out[k] = eps
		}
	}
	return out
}

// Len is the number of instances remembered.
func (h *History) Len() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.entries) + len(h.calm)
}

// lookup is key's series, a calm one loaded into a copy; nil when unknown.
func (h *History) lookup(key string) *series {
	if s := h.entries[key]; s != nil {
		return s
	}
	if i, ok := h.calm[key]; ok {
		s := &series{}
		h.calmVals[i].load(s)
		return s
	}
	return nil
}

// ring is a bounded ring of samples. It grows as samples arrive instead of
// being allocated whole: at 50,000 servers, preallocating every ring cost
// start-up time and memory before the first screen.
type ring struct {
	buf   []float32
	start int
	max   int
}

func (r *ring) init(capacity int) { r.max = capacity }

func (r *ring) push(x float32) {
	if len(r.buf) < r.max {
		r.buf = append(r.buf, x)
		return
	}
	r.buf[r.start] = x
	r.start = (r.start + 1) % len(r.buf)
}

func (r *ring) slice() []float64 {
	out := make([]float64, 0, len(r.buf))
	for i := 0; i < len(r.buf); i++ {
		out = append(out, float64(r.buf[(r.start+i)%len(r.buf)]))
	}
	return out
}
