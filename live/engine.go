package live

import (
	"reflect"
	"slices"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

// Input is one thing a source produced, as the pipeline takes it: exactly
// one of Registry, HAProxy, Maintenance, Fleet and Note is set.
type Input struct {
	// At is when it was taken; a note's time. Zero: the snapshot's own At.
	At time.Time
	// Registry is a new registry snapshot; RegistryEvents are what the
	// source's stream said with it. Only the events no snapshot shows (Serf
	// user events) are kept: the others are derived from the snapshots.
	Registry       *sources.Snapshot
	RegistryEvents []sources.Event
	// HAProxy is one socket's new snapshot, matched to a socket by Label.
	HAProxy *haproxy.Snapshot
	// Maintenance is a reading of this host's durable maintenance in force.
	Maintenance *sources.Maintenance
	// Fleet is a new fleet view (--fleet), joined off the pipeline's
	// goroutine; FleetSettled says it has every host's first reading. A
	// trace does not record it.
	Fleet        *state.FleetView
	FleetSettled bool
	// Note is a trace's note: ground truth for a reader, shown as an event.
	Note string
	// Line is the trace line the input came from in a replay, else 0.
	Line int
}

// DefaultHistorySamples is how many samples the history keeps per
// instance: a sparkline's worth.
const DefaultHistorySamples = 40

// Engine is the pipeline's synchronous heart: it applies inputs, joins
// when asked and makes frames. It is not safe for concurrent use: the
// Pipeline drives it from one goroutine, a replay from its own.
type Engine struct {
	cfg   state.Config
	hist  *state.History
	reg   *sources.Snapshot
	socks []*socket
	// maint is this host's durable maintenance as last read; maintWanted
	// says a reader is configured (the view is not ready without a reading).
	maint       *sources.Maintenance
	maintWanted bool
	// fleet is the latest fleet view; fleetWanted says one is configured
	// (the frame is not ready until it is settled).
	fleet        *state.FleetView
	fleetSettled bool
	fleetWanted  bool

	joiner state.Joiner // joins again only the services whose inputs changed
	view   *state.View
	ready  bool

	events []state.Event // derived since the last frame
	change Change        // since the last frame
	join   bool          // inputs since the last join need one
	urgent bool          // and it must not wait for pacing
	seq    uint64
	last   time.Time // the latest input's time
}

// EngineOptions configure an Engine.
type EngineOptions struct {
	// State is the join's configuration; its Now and History are the
	// engine's own and ignored here.
	State state.Config
	// Registry is the registry's snapshot to start from, nil when no
	// registry is configured; HAProxy are the sockets' (their labels fix the
	// order). These are a baseline: they derive no events.
	Registry *sources.Snapshot
	HAProxy  []*haproxy.Snapshot
	// HistorySamples per instance; 0 is DefaultHistorySamples.
	HistorySamples int
	// Maintenance: a reader of this host's durable maintenance is
	// configured, and the view waits for its first reading to be ready.
	Maintenance bool
	// Fleet: a fleet is configured, and frames are not ready until its
	// view is settled.
	Fleet bool
}

// NewEngine returns an engine at its baseline, not joined yet.
func NewEngine(o EngineOptions) *Engine {
	n := o.HistorySamples
	if n <= 0 {
		n = DefaultHistorySamples
	}
	e := &Engine{cfg: o.State, hist: state.NewHistory(n), reg: o.Registry, join: true, maintWanted: o.Maintenance, fleetWanted: o.Fleet}
	e.cfg.History = e.hist
	for _, h := range o.HAProxy {
		if h == nil {
			continue
		}
		k := &socket{label: label(h)}
		k.apply(h)
		e.socks = append(e.socks, k)
	}
	return e
}

// History is the engine's per-instance history.
func (e *Engine) History() *state.History { return e.hist }

// Apply takes one input: it stores it, derives the events it alone shows
// (connections, reloads, members, notes) and notes whether a join is due.
func (e *Engine) Apply(in Input) {
	switch {
	case in.Registry != nil:
		at := in.At
		if at.IsZero() {
			at = in.Registry.At
		}
		e.stamp(at)
		e.events = append(e.events, state.RegistryEvents(e.reg, in.Registry)...)
		for _, se := range in.RegistryEvents {
			if ev, ok := state.SourceEvent(se); ok {
				e.events = append(e.events, ev)
			}
		}
		e.reg = shareUnchanged(e.reg, in.Registry)
		e.change |= ChangeSources
		// A registration change is news: it skips the pacing of large polls.
		e.join, e.urgent = true, true
	case in.HAProxy != nil:
		s := in.HAProxy
		at := in.At
		if at.IsZero() {
			at = s.At
		}
		e.stamp(at)
		k := e.socket(label(s))
		e.events = append(e.events, state.HAProxyEvents(k.last, s)...)
		ch, join := k.apply(s)
		e.change |= ch
		e.join = e.join || join
	case in.Maintenance != nil:
		m := in.Maintenance
		changed := e.maint == nil || !slices.EqualFunc(e.maint.Entries, m.Entries, sameEntry) || e.maint.Err != m.Err
		e.maint = m
		// Joined when it changed, and while any is in force: an expiry may
		// pass between two readings. Like a registry change, it is news.
		if changed || len(m.Entries) > 0 {
			e.join, e.urgent = true, true
		}
		e.change |= ChangeSources
	case in.Fleet != nil:
		e.fleet, e.fleetSettled = in.Fleet, in.FleetSettled
		e.change |= ChangeFleet
	case in.Note != "":
		e.stamp(in.At)
		e.events = append(e.events, state.NoteEvent(in.At, in.Note))
	}
}

// shareUnchanged returns next with each service whose registrations equal
// prev's holding prev's Registrations array: the join reuses a service by
// the identity of its array (state.Joiner). The ZooKeeper source already
// publishes a new array only for a service that changed; a Serf source or a
// trace's decoded snapshot makes every array anew. next is not modified.
func shareUnchanged(prev, next *sources.Snapshot) *sources.Snapshot {
	if prev == nil || len(prev.Services) == 0 || len(next.Services) == 0 {
		return next
	}
	before := make(map[string]*sources.Service, len(prev.Services))
	for i := range prev.Services {
		before[prev.Services[i].Name] = &prev.Services[i]
	}
	var out []sources.Service // next's services, copied at the first one shared
	for i := range next.Services {
		s, p := &next.Services[i], before[next.Services[i].Name]
		if p == nil || len(p.Registrations) != len(s.Registrations) || len(s.Registrations) == 0 ||
			&p.Registrations[0] == &s.Registrations[0] || !reflect.DeepEqual(p.Registrations, s.Registrations) {
			continue
		}
		if out == nil {
			out = slices.Clone(next.Services)
		}
		out[i].Registrations = p.Registrations
	}
	if out == nil {
		return next
	}
	c := *next
	c.Services = out
	return &c
}

// sameEntry compares two readings of one maintenance entry.
func sameEntry(a, b sources.MaintenanceEntry) bool { return reflect.DeepEqual(a, b) }

func (e *Engine) stamp(at time.Time) {
	if at.After(e.last) {
		e.last = at
	}
}

// socket finds a socket by label, adding it after the known ones.
func (e *Engine) socket(l string) *socket {
	for _, k := range e.socks {
		if k.label == l {
			return k
		}
	}
	k := &socket{label: l}
	e.socks = append(e.socks, k)
	return k
}

// Urge makes the next join skip the pacing (after a key, an action).
func (e *Engine) Urge() { e.urgent = true }

// Due reports whether a join is due, and whether it must not wait.
func (e *Engine) Due() (join, urgent bool) { return e.join, e.join && e.urgent }

// News reports whether a frame would bring anything.
func (e *Engine) News() bool { return e.change != 0 || len(e.events) > 0 }

// Size is the number of HAProxy rows and registrations a join works on.
func (e *Engine) Size() int {
	n := 0
	for _, k := range e.socks {
		if k.cur != nil && k.cur.Stats != nil {
			n += len(k.cur.Stats.Rows)
		}
	}
	if e.reg != nil {
		for i := range e.reg.Services {
			n += len(e.reg.Services[i].Registrations)
		}
	}
	return n
}

// snapshots are the sockets' consistent snapshots, in order.
func (e *Engine) snapshots() []*haproxy.Snapshot {
	out := make([]*haproxy.Snapshot, 0, len(e.socks))
	for _, k := range e.socks {
		if k.cur != nil {
			out = append(out, k.cur)
		}
	}
	return out
}

// Join joins the stored snapshots at now and derives the events between
// the previous view and the new one. It does not record the view in the
// history: call Observe once the frame is out (at 50,000 servers that is
// 15 ms the screen need not wait for).
func (e *Engine) Join(now time.Time) {
	cfg := e.cfg
	cfg.Now = now
	cfg.Maintenance = e.maint
	next := e.joiner.Join(e.reg, e.snapshots(), cfg)
	if e.view != nil {
		e.events = append(e.events, state.Events(e.view, next)...)
	}
	e.view = next
	e.ready = ready(next, e.reg != nil, len(e.socks)) && (!e.maintWanted || e.maint != nil)
	e.change |= ChangeView
	e.join, e.urgent = false, false
}

// Retraffic brings the view's traffic figures up to the newest proxy rows
// after a light poll, without a join (state.Retraffic). It does nothing
// when the sockets changed since the join: the next join catches up.
func (e *Engine) Retraffic(now time.Time) {
	if e.view == nil {
		return
	}
	if v := state.Retraffic(e.view, e.snapshots(), now); v != nil {
		e.view = v
	}
}

// Observe records the last joined view in the history.
func (e *Engine) Observe() {
	if e.view != nil {
		e.hist.Observe(e.view)
	}
}

// Frame makes the next frame at now and starts collecting anew.
func (e *Engine) Frame(now time.Time) Frame {
	e.seq++
	f := Frame{Seq: e.seq, At: now, View: e.view, Registry: e.reg, Maintenance: e.maint, Events: e.events,
		Changed: e.change, Ready: e.ready && (!e.fleetWanted || e.fleetSettled), History: e.hist,
		Fleet: e.fleet, FleetWanted: e.fleetWanted}
	f.HAProxy = make([]*haproxy.Snapshot, 0, len(e.socks))
	f.newer = make([]newerRows, 0, len(e.socks))
	for _, k := range e.socks {
		if k.cur == nil {
			continue
		}
		f.HAProxy = append(f.HAProxy, k.cur)
		f.newer = append(f.newer, k.newer)
	}
	e.events, e.change = nil, 0
	return f
}

// Step makes the frame the inputs since the last one call for: with join
// (the caller's pacing allows it) a join when one is due, else the traffic
// figures redone after a light poll. ok is false when there is no news.
// After a frame with ChangeView is out, call Observe.
func (e *Engine) Step(now time.Time, join bool) (f Frame, ok bool) {
	if join && e.join {
		e.Join(now)
		return e.Frame(now), true
	}
	if !e.News() {
		return Frame{}, false
	}
	if e.change&ChangeTraffic != 0 {
		e.Retraffic(now)
	}
	return e.Frame(now), true
}

// Advance applies in and does at once what the pipeline does below
// PacedRows: a join when one is due (recorded in the history), else the
// traffic figures redone. Its events and changes wait for the next Frame.
// A replay advances its engine this way, input by input.
func (e *Engine) Advance(in Input) {
	e.Apply(in)
	at := e.Last()
	if e.join {
		e.Join(at)
		e.Observe()
	} else if e.change&ChangeTraffic != 0 {
		e.Retraffic(at)
	}
}

// Pending reports whether events wait for the next Frame.
func (e *Engine) Pending() bool { return len(e.events) > 0 }

// Report adds an event of the feed's own (a trace line that could not be
// read) to the next Frame.
func (e *Engine) Report(ev state.Event) { e.events = append(e.events, ev) }

// Last is the time of the latest input applied.
func (e *Engine) Last() time.Time { return e.last }

// ready reports whether v has every source's first complete reading (a
// preview is not one) or its error.
func ready(v *state.View, registry bool, sockets int) bool {
	if registry && !registryRead(v) {
		return false
	}
	read := 0
	for _, h := range v.HAProxy {
		if h != nil && (h.Stats != nil && !h.Preview || h.Err != nil) {
			read++
		}
	}
	return read == sockets
}

// registryRead reports whether v has the registry's first complete
// reading or its error.
func registryRead(v *state.View) bool {
	return v != nil && v.Registry != nil && (v.Registry.Synced || v.Registry.Err != "")
}
