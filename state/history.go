package state

import (
	"strings"
	"sync"
	"time"
)

// DefaultForget is how long History keeps a server it no longer sees.
const DefaultForget = 10 * time.Minute

// History keeps, per instance key, bounded rings of the numbers the UI plots
// (current sessions, request rate, 5xx responses per second, each summed over
// the readable sockets) and the times of its state changes, for flapping.
// Memory is bounded: capacity samples per ring (float32, so about
// 12*capacity bytes per instance that ever had a non-zero number; an
// instance whose numbers were all zero so far keeps only their count) and
// instances unseen for Forget are dropped (within another Forget/8).
// It is safe for concurrent use.
type History struct {
	// Forget drops an instance not seen for this long; zero uses DefaultForget.
	Forget time.Duration

	mu       sync.RWMutex
	capacity int
	entries  map[string]*series
	changed  map[string]*series // the entries with a state change recorded
	sigs     map[string]string  // the state signatures, stored once
	sig      []byte             // scratch for one instance's signature
	swept    time.Time          // when forgotten entries were last dropped
}

// series is one instance's history.
type series struct {
	key     string    // its own copy: a view's keys share blocks the view frees
	rings   *rings    // nil while every sample was zero
	zeros   int       // samples so far, while rings is nil
	changes *timeRing // nil until the first state change
	sig     string    // registration presence + status per socket (from History.sigs)
	last5xx int64
	lastAt  int64 // unix nanoseconds of the last sample
	seen    int64 // unix nanoseconds it was last seen
}

// rings are the three rings of an instance with a non-zero number.
type rings struct{ scur, req, e5 ring }

// NewHistory returns a History keeping capacity samples per ring (at least 2).
func NewHistory(capacity int) *History {
	if capacity < 2 {
		capacity = 2
	}
	return &History{capacity: capacity, entries: map[string]*series{}, changed: map[string]*series{}, sigs: map[string]string{}}
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
	readable := make([]bool, len(v.HAProxy))
	for i, s := range v.HAProxy {
		if s != nil && s.Preview {
			return // its counters are not read: the full read follows within a second
		}
		readable[i] = s != nil && s.Stats != nil
	}
	for si := range v.Services {
		for ii := range v.Services[si].Instances {
			in := &v.Services[si].Instances[ii]
			h.observe(in, readable, now)
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
		if now.Sub(time.Unix(0, s.seen)) > forget {
			delete(h.entries, k)
			delete(h.changed, k)
		}
	}
	for k := range h.sigs { // a bound on the table: entries keep their own
		if len(h.sigs) < 1024 {
			break
		}
		delete(h.sigs, k)
	}
}

func (h *History) observe(in *Instance, readable []bool, now time.Time) {
	s := h.entries[in.Key]
	if s == nil {
		s = &series{key: strings.Clone(in.Key)}
		h.entries[s.key] = s
	}
	var scur, req, e5 int64
	sig := h.sig[:0]
	if in.Registration != nil {
		sig = append(sig, 'R')
	}
	for i, seen := range in.HAProxy {
		sig = append(sig, '|')
		if i >= len(readable) || !readable[i] || seen.Row == nil {
			continue
		}
		scur += seen.Row.SCur()
		req += seen.Row.ReqRate()
		e5 += seen.Row.Hrsp5xx()
		sig = append(sig, seen.Row.StatusWord()...)
	}
	h.sig = sig
	primed := s.sig != "" || s.lastAt != 0
	rate := 0.0
	at := now.UnixNano()
	if primed && at > s.lastAt && e5 >= s.last5xx {
		rate = float64(e5-s.last5xx) / (float64(at-s.lastAt) / 1e9)
	}
	s.push(h.capacity, float32(scur), float32(req), float32(rate))
	if string(sig) != s.sig {
		if primed {
			if s.changes == nil {
				s.changes = &timeRing{}
				s.changes.init(h.capacity)
			}
			s.changes.push(now)
			h.changed[s.key] = s
		}
		st, ok := h.sigs[string(sig)]
		if !ok {
			st = string(sig)
			h.sigs[st] = st
		}
		s.sig = st
	}
	s.last5xx, s.lastAt, s.seen = e5, at, at
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
	s := h.entries[key]
	if s == nil {
		return nil, nil, nil
	}
	if s.rings == nil {
		return make([]float64, s.zeros), make([]float64, s.zeros), make([]float64, s.zeros)
	}
	return s.rings.scur.slice(), s.rings.req.slice(), s.rings.e5.slice()
}

// Flaps counts key's state changes (registered or not, or any socket's
// status word) in the window ending at now.
func (h *History) Flaps(key string, window time.Duration, now time.Time) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	s := h.entries[key]
	if s == nil || s.changes == nil {
		return 0
	}
	return s.changes.count(now.Add(-window), now)
}

// FlapCounts returns the instances with more than changes state changes in
// the window ending at now, with their counts: what Flaps says of each key,
// in one pass over the few instances that ever changed (a join asks for
// every instance, and at 50,000 a lookup each cost more than the rest of
// the flapping check).
func (h *History) FlapCounts(window time.Duration, now time.Time, changes int) map[string]int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out map[string]int
	from := now.Add(-window)
	for k, s := range h.changed {
		if n := s.changes.count(from, now); n > changes {
			if out == nil {
				out = map[string]int{}
			}
			out[k] = n
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

// timeRing is a bounded ring of change times, allocated on the first change:
// most instances never change.
type timeRing struct {
	buf   []time.Time
	start int
	max   int
}

func (r *timeRing) init(capacity int) { r.max = min(capacity, 64) }

func (r *timeRing) push(t time.Time) {
	if len(r.buf) < r.max {
		r.buf = append(r.buf, t)
		return
	}
	r.buf[r.start] = t
	r.start = (r.start + 1) % len(r.buf)
}

// count is the number of times in (from, to].
func (r *timeRing) count(from, to time.Time) int {
	n := 0
	for _, t := range r.buf {
		if t.After(from) && !t.After(to) {
			n++
		}
	}
	return n
}
