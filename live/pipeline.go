package live

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

// HAProxyFeed is the polled sockets as the pipeline reads them
// (sources/hapoll's Poller).
type HAProxyFeed interface {
	// Updates delivers one socket's newest snapshot per message.
	Updates() <-chan haproxy.Snapshot
	// Current returns every socket's latest snapshot, in configured order.
	Current() []*haproxy.Snapshot
	// Refresh asks for a poll now.
	Refresh()
	// Watch names the backends whose servers are on screen, re-read at
	// every poll; nil when none are.
	Watch(backends []string)
	// Joined says that a preview (haproxy.Snapshot.Preview) taken from
	// Updates is joined, with the registry's first reading when there is
	// a registry: the poller holds its first full read until then.
	Joined()
}

// FleetFeed is the fleet (--fleet) as the pipeline reads it: many hosts'
// HAProxy, joined with the registry (internal/app's Fleet).
type FleetFeed interface {
	// Updates delivers a value each time hosts were read anew; it is
	// closed when the fleet stops.
	Updates() <-chan *sources.FleetSnapshot
	// View joins the fleet's latest reading with reg (nil without a
	// registry) at now, and records it in the fleet's history (since when
	// each host disagrees). It may take tens of milliseconds at 200 hosts:
	// the pipeline calls it on a goroutine of its own.
	View(reg *sources.Snapshot, now time.Time) *state.FleetView
	// Settled reports whether v has every host's first reading (or its
	// error), for hosts found in the registry those its snapshot names.
	Settled(v *state.FleetView) bool
}

// Options configure a live Pipeline.
type Options struct {
	Registry sources.Registry // nil: no registry
	HAProxy  HAProxyFeed      // nil: no HAProxy
	// Fleet, when set, is joined with each registry snapshot and each
	// fleet reading off the pipeline's goroutine; every frame carries the
	// latest fleet view.
	Fleet FleetFeed
	// State is the join's configuration (Now and History are the pipeline's).
	State state.Config
	// Pace bounds large joins' share of the CPU: from PacedRows rows, a join
	// that took c waits until Pace*c after the previous one started (50,000
	// servers at a 1 s refresh would otherwise keep a core busy with joins).
	// Registry changes and Refresh skip the wait. 0 joins every input at
	// once: the one-shot commands, which want the newest view.
	Pace int
	// UntilReady: the caller stops the pipeline at the first ready frame
	// (snapshot, check), so that frame's view is not recorded in the
	// history, which no later join would read: at 50,000 servers recording
	// took 25 ms between the frame and the exit.
	UntilReady bool
	// HistorySamples per instance; 0 is DefaultHistorySamples.
	HistorySamples int
	Logger         *slog.Logger
	// Tap, when set, sees every input in order, on the pipeline's goroutine,
	// before it is applied. It must not block (a recorder queues).
	Tap func(Input)
	// Maintenance, when set, reads this host's durable maintenance in
	// force (spool files, moved-aside Nerve services): at the start, every
	// MaintenanceEvery and after Refresh, on a goroutine of its own.
	Maintenance      func(now time.Time) *sources.Maintenance
	MaintenanceEvery time.Duration // 0 is DefaultMaintenanceEvery
}

// DefaultMaintenanceEvery is how often durable maintenance is re-read; an
// action that changes it calls Refresh, which reads it at once.
const DefaultMaintenanceEvery = 5 * time.Second

// DefaultPace is the console's pacing: joins take at most a tenth of a core.
const DefaultPace = 10

// PacedRows is the size (HAProxy rows plus registrations) from which joins
// are paced; smaller joins cost well under a millisecond.
const PacedRows = 5000

// Pipeline runs the live sources through an Engine on a goroutine of its
// own and publishes frames to its subscribers.
type Pipeline struct {
	Hub
	o       Options
	eng     *Engine
	urge    atomic.Bool   // Refresh was called: the next join must not wait
	notes   chan Input    // notes and maintenance readings
	reMaint chan struct{} // Refresh asks for a maintenance reading
	// fleetReg holds the newest registry snapshot for the fleet join (the
	// older one is replaced, never queued); fleetIn carries its views.
	fleetReg chan *sources.Snapshot
	fleetIn  chan fleetJoined
	done     chan struct{}

	joinStart time.Time
	joinCost  time.Duration
	preview   bool // a preview was applied and not joined yet
}

// New builds the pipeline on its sources with nothing read yet, joins that
// once and publishes the first frame; Run starts it. What a source has
// read so far waits in its channel (each source keeps its latest update
// there until it is taken), so every reading goes through Apply, is tapped
// (a recording starts with it) and makes its events.
func New(o Options) *Pipeline {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	eo := EngineOptions{State: o.State, HistorySamples: o.HistorySamples, Maintenance: o.Maintenance != nil, Fleet: o.Fleet != nil}
	if o.Registry != nil {
		cur := o.Registry.Current()
		eo.Registry = &sources.Snapshot{Kind: cur.Kind, Address: cur.Address, State: sources.StateConnecting}
	}
	if o.HAProxy != nil {
		for _, h := range o.HAProxy.Current() {
			if h != nil {
				eo.HAProxy = append(eo.HAProxy, &haproxy.Snapshot{Label: h.Label, Address: h.Address})
			}
		}
	}
	p := &Pipeline{o: o, eng: NewEngine(eo), notes: make(chan Input, 64), reMaint: make(chan struct{}, 1), done: make(chan struct{}),
		fleetReg: make(chan *sources.Snapshot, 1), fleetIn: make(chan fleetJoined)}
	if eo.Registry != nil {
		p.fleetReg <- eo.Registry // the fleet is compared with a registry not read yet
	}
	p.eng.Join(time.Now())
	p.Publish(p.eng.Frame(time.Now()))
	p.eng.Observe()
	return p
}

// Refresh asks the poller for a poll now, re-reads this host's durable
// maintenance, and joins what they bring at once: a key or an action wants
// to see its effect.
func (p *Pipeline) Refresh() {
	p.urge.Store(true) // before the poll it asks for can arrive
	if p.o.HAProxy != nil {
		p.o.HAProxy.Refresh()
	}
	select {
	case p.reMaint <- struct{}{}:
	default:
	}
}

// readMaintenance reads this host's durable maintenance until ctx ends and
// hands each reading to the pipeline as an input.
func (p *Pipeline) readMaintenance(ctx context.Context) {
	every := p.o.MaintenanceEvery
	if every <= 0 {
		every = DefaultMaintenanceEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if m := p.o.Maintenance(time.Now()); m != nil {
			select {
			case p.notes <- Input{At: m.At, Maintenance: m}:
			case <-ctx.Done():
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.reMaint:
		}
	}
}

// Watch passes the backends on screen to the poller (see HAProxyFeed).
func (p *Pipeline) Watch(backends []string) {
	if p.o.HAProxy != nil {
		p.o.HAProxy.Watch(backends)
	}
}

// Note adds a note to the timeline (and to a recording), stamped now. It
// never blocks; past 64 unread notes it drops and reports false.
func (p *Pipeline) Note(text string) bool {
	select {
	case p.notes <- Input{At: time.Now(), Note: text}:
		return true
	default:
		return false
	}
}

// Done is closed when Run has returned.
func (p *Pipeline) Done() <-chan struct{} { return p.done }

// Run applies the sources' updates until ctx ends or every source has
// closed its channel, then closes every subscription.
func (p *Pipeline) Run(ctx context.Context) {
	defer close(p.done)
	defer p.CloseAll()
	var regC <-chan sources.Update
	if p.o.Registry != nil {
		regC = p.o.Registry.Updates()
	}
	var hapC <-chan haproxy.Snapshot
	if p.o.HAProxy != nil {
		hapC = p.o.HAProxy.Updates()
	}
	if p.o.Maintenance != nil {
		mctx, stop := context.WithCancel(ctx)
		defer stop()
		go p.readMaintenance(mctx)
	}
	var fleetEnded chan struct{} // closed when the fleet stopped
	if p.o.Fleet != nil {
		fctx, stop := context.WithCancel(ctx)
		fleetEnded = make(chan struct{})
		defer func() { <-fleetEnded }()
		defer stop()
		go func() {
			defer close(fleetEnded)
			p.joinFleet(fctx)
		}()
	}
	timer := time.NewTimer(time.Hour) // a paced join's wait
	timer.Stop()
	fleetC := fleetEnded // nil once the fleet stopped
	for regC != nil || hapC != nil || fleetC != nil {
		select {
		case <-ctx.Done():
			return
		case u, ok := <-regC:
			if !ok {
				regC = nil
				p.closed("the registry source")
				break
			}
			p.apply(Input{Registry: &u.Snapshot, RegistryEvents: u.Events})
			if p.o.Fleet != nil {
				p.tellFleet(&u.Snapshot)
			}
		case s, ok := <-hapC:
			if !ok {
				hapC = nil
				p.closed("the HAProxy poller")
				break
			}
			p.preview = p.preview || s.Preview
			p.apply(Input{HAProxy: &s})
		case in := <-p.notes:
			p.apply(in)
		case <-fleetC:
			fleetC = nil
			p.closed("the fleet")
		case j := <-p.fleetIn:
			if j.panic != "" {
				p.eng.Report(state.Event{At: time.Now(), Kind: "error", Source: "stacktui",
					Text: "internal error while joining the fleet: " + j.panic + " (details in the log file); showing the last good fleet view."})
				break
			}
			p.apply(j.in)
		case <-timer.C:
		}
		if wait := p.step(); wait > 0 {
			timer.Reset(wait)
		} else {
			timer.Stop()
		}
	}
}

// tellFleet hands the fleet join the newest registry snapshot, replacing
// one it has not taken yet.
func (p *Pipeline) tellFleet(s *sources.Snapshot) {
	for {
		select {
		case p.fleetReg <- s:
			return
		default:
		}
		select {
		case <-p.fleetReg:
		default:
		}
	}
}

// joinFleet joins the fleet with the registry whenever either moved, until
// ctx ends, and hands each view to the pipeline as an input. It runs on a
// goroutine of its own: at 200 hosts a join takes tens of milliseconds,
// which registry and HAProxy frames must not wait for. While the pipeline
// has not taken a view, newer readings coalesce upstream (the poller and
// fleetReg keep only the latest).
func (p *Pipeline) joinFleet(ctx context.Context) {
	var reg *sources.Snapshot
	updates := p.o.Fleet.Updates()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-updates:
			if !ok {
				return
			}
		case reg = <-p.fleetReg:
		}
		select {
		case p.fleetIn <- p.fleetView(reg):
		case <-ctx.Done():
			return
		}
	}
}

// fleetJoined is a fleet join's outcome: the input, or the panic it
// recovered from (reported on the pipeline's goroutine, which owns the
// engine).
type fleetJoined struct {
	in    Input
	panic string
}

// fleetView joins the fleet, recovering from a panic: a bad stats page
// must not stop the console.
func (p *Pipeline) fleetView(reg *sources.Snapshot) (j fleetJoined) {
	defer func() {
		if r := recover(); r != nil {
			p.o.Logger.Error("panic in the fleet join", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			j = fleetJoined{panic: fmt.Sprint(r)}
		}
	}()
	v := p.o.Fleet.View(reg, time.Now())
	return fleetJoined{in: Input{At: v.At, Fleet: v, FleetSettled: p.o.Fleet.Settled(v)}}
}

// apply taps and applies one input, recovering from a panic in either: one
// bad snapshot must not stop the console.
func (p *Pipeline) apply(in Input) {
	defer p.recover("applying an input")
	if p.o.Tap != nil {
		p.o.Tap(in)
	}
	p.eng.Apply(in)
}

// closed notes that a source's channel closed.
func (p *Pipeline) closed(what string) {
	p.eng.Report(state.Event{At: time.Now(), Kind: state.EventConnection, Source: "stacktui", To: "closed",
		Text: what + " stopped: showing the last known state."})
}

// step joins when a join is due and allowed, publishes a frame when there
// is news, and returns how long a paced join must still wait (0: none).
func (p *Pipeline) step() (wait time.Duration) {
	defer p.recover("joining")
	now := time.Now()
	if p.urge.Swap(false) {
		p.eng.Urge()
	}
	due, urgent := p.eng.Due()
	if due && !urgent && p.o.Pace > 0 && p.eng.Size() >= PacedRows {
		wait = time.Until(p.joinStart.Add(p.joinCost * time.Duration(p.o.Pace)))
	}
	join := due && wait <= 0
	f, ok := p.eng.Step(now, join)
	if took := time.Since(now); join && (!urgent || took > p.joinCost) {
		// An urgent join of the few services a registry change touched
		// costs a fraction of a full one: it must not shorten the wait of
		// the next paced join, which is full.
		p.joinStart, p.joinCost = now, took
	}
	if join && p.preview && (p.o.Registry == nil || registryRead(f.View)) {
		// The poller holds its first full read until now, so that HAProxy
		// writing it and our parsing it leave the CPU to the preview's
		// join and to the registry's first reading: with 10,000 ZooKeeper
		// registrations and 50,000 servers on two cores, the registry on
		// screen 0.86-0.90 -> 0.64-0.67 s after the start, every counter
		// about 0.15 s later (1.0 s).
		p.preview = false
		p.o.HAProxy.Joined()
	}
	if ok {
		p.Publish(f)
	}
	if f.Changed&ChangeView != 0 && !(p.o.UntilReady && f.Ready) {
		// The view is on its way to the screen; record it in the history
		// now (the next join reads it for flapping).
		p.eng.Observe()
	}
	return wait
}

func (p *Pipeline) recover(doing string) {
	if r := recover(); r != nil {
		p.o.Logger.Error("panic in the pipeline", "doing", doing, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		p.eng.Report(state.Event{At: time.Now(), Kind: "error", Source: "stacktui",
			Text: fmt.Sprintf("internal error while %s: %v (details in the log file); showing the last good view.", doing, r)})
	}
}

// Hub is a set of subscribers and the last frame, to start new ones from:
// what a feed of frames (the pipeline, a replay) publishes through.
type Hub struct {
	mu     sync.Mutex
	subs   []*Subscription
	latest Frame
	ended  bool
}

// Subscribe returns a new subscription holding the latest frame (without
// its events: those went to the subscribers of the time) and every frame
// after it.
func (h *Hub) Subscribe() *Subscription {
	s := NewSubscription()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ended {
		s.Publish(h.latest)
		s.closed = true
		return s
	}
	s.drop = h.drop
	if h.latest.Seq > 0 {
		s.Publish(h.latest)
	}
	h.subs = append(h.subs, s)
	return s
}

func (h *Hub) drop(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs = slices.DeleteFunc(h.subs, func(x *Subscription) bool { return x == s })
}

// Publish hands f to every subscriber without waiting for any.
func (h *Hub) Publish(f Frame) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.subs {
		s.Publish(f)
	}
	f.Events = nil
	f.Changed = ChangeView | ChangeRows | ChangeTraffic | ChangeSources | ChangeFleet
	h.latest = f
}

// CloseAll closes every subscription: no frame follows.
func (h *Hub) CloseAll() {
	h.mu.Lock()
	subs := h.subs
	h.subs, h.ended = nil, true
	h.mu.Unlock()
	for _, s := range subs {
		s.Close()
	}
}
