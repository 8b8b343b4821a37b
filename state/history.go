package state

import (
	"sync"
	"time"
)

// DefaultForget is how long History keeps a server it no longer sees.
const DefaultForget = 10 * time.Minute

// History keeps, per instance key, bounded rings of the numbers the UI plots
// (current sessions, request rate, 5xx responses per second, each summed over
// the readable sockets) and the times of its state changes, for flapping.
// Memory is bounded: capacity samples per ring (float32, so about
// 12*capacity bytes per instance) and instances unseen for Forget are dropped
// (within another Forget/8).
// It is safe for concurrent use.
type History struct {
	// Forget drops an instance not seen for this long; zero uses DefaultForget.
	Forget time.Duration

	mu       sync.RWMutex
	capacity int
	entries  map[string]*series
	changed  map[string]*series // the entries with a state change recorded
	swept    time.Time          // when forgotten entries were last dropped
}

// series is one instance's history.
type series struct {
	scur, req, e5 ring
	changes       timeRing
	sig           string // registration presence + status per socket
	last5xx       int64
	lastAt        time.Time
	seen          time.Time
	primed        bool
}

// NewHistory returns a History keeping capacity samples per ring (at least 2).
func NewHistory(capacity int) *History {
	if capacity < 2 {
		capacity = 2
	}
	return &History{capacity: capacity, entries: map[string]*series{}, changed: map[string]*series{}}
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
		if now.Sub(s.seen) > forget {
			delete(h.entries, k)
			delete(h.changed, k)
		}
	}
}

func (h *History) observe(in *Instance, readable []bool, now time.Time) {
	s := h.entries[in.Key]
	if s == nil {
		s = &series{}
		s.scur.init(h.capacity)
		s.req.init(h.capacity)
		s.e5.init(h.capacity)
		s.changes.init(h.capacity)
		h.entries[in.Key] = s
	}
	var scur, req, e5 int64
	sig := make([]byte, 0, 16)
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
	rate := 0.0
	if s.primed && now.After(s.lastAt) && e5 >= s.last5xx {
		rate = float64(e5-s.last5xx) / now.Sub(s.lastAt).Seconds()
	}
	s.scur.push(float32(scur))
	s.req.push(float32(req))
	s.e5.push(float32(rate))
	if s.primed && string(sig) != s.sig {
		s.changes.push(now)
		h.changed[in.Key] = s
	}
	if !s.primed || string(sig) != s.sig {
		s.sig = string(sig)
	}
	s.last5xx, s.lastAt, s.seen, s.primed = e5, now, now, true
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

// Flaps counts key's state changes (registered or not, or any socket's
// status word) in the window ending at now.
func (h *History) Flaps(key string, window time.Duration, now time.Time) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	s := h.entries[key]
	if s == nil {
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
