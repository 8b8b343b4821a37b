package state

import (
	"sync"
	"time"
)

// DefaultForget is how long History keeps a server it no longer sees.
const DefaultForget = 10 * time.Minute

// History keeps, per instance key, bounded rings of the numbers the UI plots
// (current sessions, request rate, 5xx responses per second, each summed over
// the sockets read successfully) and its episodes (see Episode), for
// flapping and the history people read. Memory is bounded: capacity samples
// per ring (float32, so about 12*capacity bytes per instance), maxEpisodes
// episodes, and instances unseen for Forget are dropped (within another
// Forget/8). A failed read records no sample: its figures are old.
// It is safe for concurrent use.
type History struct {
	// Forget drops an instance not seen for this long; zero uses DefaultForget.
	Forget time.Duration

	mu       sync.RWMutex
	capacity int
	entries  map[string]*series
	troubled map[string]*series // the entries with an episode recorded
	swept    time.Time          // when forgotten entries were last dropped
}

// series is one instance's history.
type series struct {
	scur, req, e5 ring
	eps           *episodes // nil until the first episode
	last5xx       int64
	lastAt        time.Time // when the counters were last sampled
	seen          time.Time
	primed        bool // the counters were sampled once
	judged        bool // an episode verdict was made once
	// The registration's presence as last seen with the registry current,
	// and when it last changed (zero: never seen changing).
	reg, regSeen bool
	regAt        time.Time
}

// NewHistory returns a History keeping capacity samples per ring (at least 2).
func NewHistory(capacity int) *History {
	if capacity < 2 {
		capacity = 2
	}
	return &History{capacity: capacity, entries: map[string]*series{}, troubled: map[string]*series{}}
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
	for si := range v.Services {
		for ii := range v.Services[si].Instances {
			in := &v.Services[si].Instances[ii]
			h.observe(in, readable, registry, regKnown, now)
		}
	}
	forget := h.Forget
	if forget <= 0 {
		forget = DefaultForget
	}
	// Sweeping walks every entry: do it a few times per Forget, not on every
	// poll (at 50,000 servers the walk was a quarter of Observe).
	if now.Sub(h.swept) < forget/8 {
		return
	}
	h.swept = now
	for k, s := range h.entries {
		if now.Sub(s.seen) > forget {
			delete(h.entries, k)
			delete(h.troubled, k)
		}
	}
}

func (h *History) observe(in *Instance, readable []bool, registry, regKnown bool, now time.Time) {
	s := h.entries[in.Key]
	if s == nil {
		s = &series{}
		s.scur.init(h.capacity)
		s.req.init(h.capacity)
		s.e5.init(h.capacity)
		h.entries[in.Key] = s
	}
	s.seen = now
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
		h.troubled[in.Key] = s
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
		scur += seen.Row.SCur
		req += seen.Row.ReqRate
		e5 += seen.Row.Hrsp5xx
	}
	if !sampled {
		return // no current figures: a gap, not a repeat of the last ones
	}
	rate := 0.0
	if s.primed && now.After(s.lastAt) && e5 >= s.last5xx {
		rate = float64(e5-s.last5xx) / now.Sub(s.lastAt).Seconds()
	}
	s.scur.push(float32(scur))
	s.req.push(float32(req))
	s.e5.push(float32(rate))
	s.last5xx, s.lastAt, s.primed = e5, now, true
}

// Series returns copies of key's rings, oldest first: current sessions,
// request rate (per second) and 5xx responses per second. All nil when the
// key is unknown.
func (h *History) Series(key string) (scur, reqRate, hrsp5xx []float64) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	s := h.entries[key]
	if s == nil {
		return nil, nil, nil
	}
	return s.scur.slice(), s.req.slice(), s.e5.slice()
}

// RegistrationChanged is when key was last seen being registered or
// deregistered, given whether it is registered now: now itself when that
// differs from what History last saw (it changed since), zero when History
// never saw it change.
func (h *History) RegistrationChanged(key string, registered bool, now time.Time) time.Time {
	h.mu.RLock()
	defer h.mu.RUnlock()
	s := h.entries[key]
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
	for k, s := range h.troubled {
		if eps := s.eps.failuresSince(from); len(eps) >= min {
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
	return len(h.entries)
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
