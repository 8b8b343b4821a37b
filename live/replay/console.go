package replay

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
	"github.com/stacktui/stacktui/trace"
)

// Replay speeds: the slowest and fastest the keys reach.
const (
	MinSpeed = 1.0 / 16
	MaxSpeed = 64.0
)

// Options configure a console replay.
type Options struct {
	Speed  float64 // 1 (the default) is as recorded
	Paused bool    // start paused at the trace's start
	Logger *slog.Logger
}

// Console plays a trace for the console on the trace's own clock, scaled by
// the speed: it publishes a frame when a line's time comes, as the live
// pipeline does when a source publishes, and takes the replay keys'
// controls. It is read-only by construction: it has nothing to write to,
// and the console gets no executor.
type Console struct {
	live.Hub
	path   string
	log    *slog.Logger
	rp     *Replayer
	ctl    chan func()
	done   chan struct{}
	reg    atomic.Pointer[sources.Snapshot] // the registry as of the last frame, for Browser
	kind   sources.Kind                     // the trace's registry
	zkRoot string                           // and its ZooKeeper path

	// Owned by Run's goroutine.
	speed      float64
	paused     bool
	finished   bool      // every line applied
	pos        time.Time // the trace's clock when paused, or at anchorWall
	anchorWall time.Time
	changes    []int // lines whose input brought events, ascending
	lines      int   // from the prescan; 0 until it is done
	end        time.Time
}

// NewConsole opens the trace and publishes its first frame (nothing read
// yet, at the trace's start); Run plays it. A file that is not a trace is
// an error naming the line.
func NewConsole(path string, o Options) (*Console, error) {
	rp, err := Open(path)
	if err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Console{path: path, log: o.Logger, rp: rp, ctl: make(chan func(), 16), done: make(chan struct{}),
		speed: clampSpeed(o.Speed), paused: o.Paused, pos: rp.Start(), anchorWall: time.Now(),
		kind: rp.p.RegistryKind(), zkRoot: rp.p.Header().ZKPath}
	if r.zkRoot == "" {
		r.zkRoot = "/nerve/services"
	}
	r.emit(false)
	return r, nil
}

func clampSpeed(s float64) float64 {
	if s <= 0 {
		return 1
	}
	return min(max(s, MinSpeed), MaxSpeed)
}

// Refresh does nothing: a trace has nothing to poll.
func (r *Console) Refresh() {}

// Watch does nothing: every line of a trace is read whole.
func (r *Console) Watch([]string) {}

// Done is closed when Run has returned.
func (r *Console) Done() <-chan struct{} { return r.done }

// TogglePause pauses or resumes the trace's clock.
func (r *Console) TogglePause() {
	r.control(func() {
		if r.finished {
			return
		}
		r.pos, r.anchorWall = r.clock(), time.Now()
		r.paused = !r.paused
		r.emit(false)
	})
}

// Speed multiplies the speed by f, within MinSpeed and MaxSpeed.
func (r *Console) Speed(f float64) {
	r.control(func() {
		r.pos, r.anchorWall = r.clock(), time.Now()
		r.speed = clampSpeed(r.speed * f)
		r.emit(false)
	})
}

// Step pauses and moves to the next (dir > 0) or the previous (dir < 0)
// change: a line that brought events (a note is one).
func (r *Console) Step(dir int) {
	r.control(func() {
		r.paused = true
		if dir > 0 {
			r.stepForward()
		} else {
			r.stepBack()
		}
	})
}

// control hands f to Run's goroutine without waiting; a flood of keys
// beyond 16 waiting controls is dropped.
func (r *Console) control(f func()) {
	select {
	case r.ctl <- f:
	default:
	}
}

// clock is the trace's time now.
func (r *Console) clock() time.Time {
	if r.paused || r.finished {
		return r.pos
	}
	return r.pos.Add(time.Duration(float64(time.Since(r.anchorWall)) * r.speed))
}

// Run plays the trace until ctx ends, then closes every subscription. At
// the end of the trace it stays on the last frame.
func (r *Console) Run(ctx context.Context) {
	defer close(r.done)
	defer r.CloseAll()
	defer r.rp.Close()
	go r.prescan(ctx)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		wait := time.Duration(-1)
		if !r.paused && !r.finished {
			wait = r.playDue()
		}
		if wait >= 0 {
			timer.Reset(wait)
		} else {
			timer.Stop()
		}
		select {
		case <-ctx.Done():
			return
		case f := <-r.ctl:
			f()
		case <-timer.C:
			r.emit(false) // the clock moved
		}
	}
}

// tick is how often the clock is published while playing between lines.
const tick = 500 * time.Millisecond

// playDue applies every line whose time has come and returns how long to
// wait for the next (at most a tick), or -1 at the end.
func (r *Console) playDue() time.Duration {
	for {
		in, err := r.rp.Peek()
		switch {
		case errors.Is(err, io.EOF):
			r.pos, r.finished = r.clock(), true
			if r.rp.Clock().After(r.pos) {
				r.pos = r.rp.Clock()
			}
			r.emit(false)
			return -1
		case err != nil:
			r.badLine(err)
			continue
		}
		d := time.Duration(float64(in.At.Sub(r.clock())) / r.speed)
		if d > 0 {
			return min(d, tick)
		}
		r.apply()
		r.emit(false)
	}
}

// apply applies the next line and notes it when it brought events.
func (r *Console) apply() {
	if _, err := r.rp.Step(); err != nil {
		if !errors.Is(err, io.EOF) {
			r.badLine(err)
		}
		return
	}
	if r.rp.Pending() {
		if l := r.rp.Line(); len(r.changes) == 0 || l > r.changes[len(r.changes)-1] {
			r.changes = append(r.changes, l)
		}
	}
}

// badLine shows a line the reader refused as an event and goes on with
// the next: the error says which line and why.
func (r *Console) badLine(err error) {
	r.log.Warn("replay: skipping a bad trace line", "err", err)
	r.rp.eng.Report(state.Event{At: r.rp.Clock(), Kind: "error", Source: "trace",
		Text: err.Error() + " (line skipped)."})
}

// stepForward applies lines until one brings events, and stops there.
func (r *Console) stepForward() {
	for {
		_, err := r.rp.Peek()
		if errors.Is(err, io.EOF) {
			r.finished = true
			r.pos = r.rp.Clock()
			r.emit(false)
			return
		}
		if err != nil {
			r.badLine(err)
			break
		}
		r.apply()
		if r.rp.Pending() {
			break
		}
	}
	r.pos, r.anchorWall = r.rp.Clock(), time.Now()
	r.emit(false)
}

// stepBack replays from the start to the change before the current line
// (to the start when there is none) and shows every event up to it anew.
func (r *Console) stepBack() {
	target := 0
	for _, l := range r.changes {
		if l < r.rp.Line() {
			target = l
		}
	}
	rp, err := Open(r.path)
	if err != nil {
		r.badLine(err)
		r.emit(false)
		return
	}
	r.rp.Close()
	r.rp = rp
	for r.rp.Line() < target {
		if _, err := r.rp.Peek(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			r.badLine(err)
			continue
		}
		r.apply()
	}
	r.finished = false
	r.pos, r.anchorWall = r.rp.Clock(), time.Now()
	r.emit(true)
}

// emit publishes a frame at the trace's clock with the replay's position;
// reset restarts the subscribers' timelines.
func (r *Console) emit(reset bool) {
	f := r.rp.Frame()
	f.At = r.clock()
	if f.At.Before(r.rp.Clock()) {
		f.At = r.rp.Clock()
	}
	f.Replay = &live.ReplayStatus{File: r.path, Start: r.rp.Start(), End: r.end, Line: r.rp.Line(), Lines: r.lines,
		Speed: r.speed, Paused: r.paused, Done: r.finished}
	if reset {
		f.Reset = true
		f.Changed = live.ChangeView | live.ChangeRows | live.ChangeTraffic | live.ChangeSources
	}
	r.reg.Store(f.Registry)
	r.Publish(f)
}

// prescan counts the trace's lines and finds its end, for the position
// shown; a large trace takes a while, so it runs beside the replay.
func (r *Console) prescan(ctx context.Context) {
	tr, err := trace.Open(r.path)
	if err != nil {
		return
	}
	defer tr.Close()
	var end time.Time
	for ctx.Err() == nil {
		l, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err == nil && l.T.After(end) {
			end = l.T
		}
	}
	lines := tr.Line()
	r.control(func() {
		r.lines, r.end = lines, end
		r.emit(false)
	})
}
