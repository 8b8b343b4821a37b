package replay

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/state"
	"github.com/stacktui/stacktui/trace"
)

// Replayer runs a trace through a live.Engine input by input, as fast as it
// can, the way the live pipeline runs the sources: each input applied,
// joined when it calls for a join, its events derived. The one-shot
// commands use it directly; Console drives one with a clock.
type Replayer struct {
	r        *trace.Reader
	p        *trace.Player
	eng      *live.Engine
	start    time.Time
	peeked   *live.Input
	line     int       // the last line applied
	at       time.Time // the trace's clock: the last input applied
	notes    int       // notes applied
	lastNote time.Time // when the last of them was written
}

// Open opens a trace file (plain or gzip) for replay. A file that is
// not a trace, or a trace this version cannot read, is an error naming the
// line.
func Open(path string) (*Replayer, error) {
	r, err := trace.Open(path)
	if err != nil {
		return nil, err
	}
	p := trace.NewPlayer(r)
	rp := &Replayer{r: r, p: p}
	reg, haps := p.Baseline()
	rp.eng = live.NewEngine(live.EngineOptions{State: p.StateConfig(), Registry: reg, HAProxy: haps})
	// The start is the header's, else the first line's.
	rp.start = p.Header().Started
	in, err := rp.Peek()
	switch {
	case errors.Is(err, io.EOF):
	case err != nil:
		r.Close()
		return nil, err
	case rp.start.IsZero() || in.At.Before(rp.start):
		rp.start = in.At
	}
	rp.at = rp.start
	rp.eng.Join(rp.start)
	return rp, nil
}

// Close releases the file.
func (rp *Replayer) Close() error { return rp.r.Close() }

// Start is when the trace starts: its header's time, else its first line's.
func (rp *Replayer) Start() time.Time { return rp.start }

// Clock is the trace's time after the last input applied.
func (rp *Replayer) Clock() time.Time { return rp.at }

// Line is the last trace line applied (0: none).
func (rp *Replayer) Line() int { return rp.line }

// Warnings are what the trace reader and player skipped, with their lines.
func (rp *Replayer) Warnings() []*trace.Error { return rp.p.Warnings() }

// Peek returns the next input without applying it; io.EOF at the end.
func (rp *Replayer) Peek() (live.Input, error) {
	if rp.peeked != nil {
		return *rp.peeked, nil
	}
	ti, err := rp.p.Next()
	if err != nil {
		return live.Input{}, err
	}
	in := live.Input{At: ti.At, Line: ti.Line, Registry: ti.Registry, HAProxy: ti.HAProxy, Note: ti.Note}
	rp.peeked = &in
	return in, nil
}

// Step applies the next input: the engine joins when it calls for one
// (every input is joined at once, as the live pipeline does below
// live.PacedRows) and records the view in the history; its events wait for the
// next Frame. It returns the input, io.EOF at the end.
func (rp *Replayer) Step() (live.Input, error) {
	in, err := rp.Peek()
	if err != nil {
		return in, err
	}
	rp.peeked = nil
	rp.eng.Advance(in)
	rp.line = in.Line
	if in.At.After(rp.at) {
		rp.at = in.At
	}
	if in.Note != "" {
		rp.notes++
		rp.lastNote = in.At
	}
	return in, nil
}

// Events replays the rest of the trace as fast as it can, handing each
// input's events to emit, in order.
func (rp *Replayer) Events(emit func([]state.Event) error) error {
	for {
		_, err := rp.Step()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if rp.Pending() {
			if err := emit(rp.Frame().Events); err != nil {
				return err
			}
		}
	}
}

// JoinAt joins what was applied at t, as a snapshot taken then would.
func (rp *Replayer) JoinAt(t time.Time) {
	rp.eng.Join(t)
	rp.at = t
}

// Frame makes the frame at the trace's clock with the events since the
// last one.
func (rp *Replayer) Frame() live.Frame { return rp.eng.Frame(rp.at) }

// Pending reports whether the inputs applied since the last frame brought
// events.
func (rp *Replayer) Pending() bool { return rp.eng.Pending() }

// At says which instant of a trace a one-shot replay stops at: At
// itself (RFC 3339), or Offset from the trace's start, or with Note > 0
// Offset after the Note-th note.
type At struct {
	Abs    time.Time
	Offset time.Duration
	Note   int
	Set    bool
}

// ParseAt reads --at: an RFC 3339 time, or "+12.5s" (any Go duration after
// a "+") from the start, or from note afterNote when it is above 0.
func ParseAt(spec string, afterNote int) (At, error) {
	a := At{Note: afterNote, Set: spec != "" || afterNote > 0}
	switch {
	case spec == "":
	case spec[0] == '+':
		d, err := time.ParseDuration(spec[1:])
		if err != nil || d < 0 {
			return At{}, fmt.Errorf("%q is neither an RFC 3339 time nor +DURATION (e.g. +12.5s)", spec)
		}
		a.Offset = d
	default:
		if afterNote > 0 {
			return At{}, fmt.Errorf("--after-note takes an offset (+0s, +2.5s), not the time %q", spec)
		}
		t, err := time.Parse(time.RFC3339Nano, spec)
		if err != nil {
			return At{}, fmt.Errorf("%q is neither an RFC 3339 time (2026-12-02T02:45:30Z) nor +DURATION (e.g. +12.5s)", spec)
		}
		a.Abs = t
	}
	return a, nil
}

// Until applies every input up to the instant a names (the whole trace
// when a is not set) and joins at that instant, as a snapshot taken then
// would: the returned frame has the view at that instant and every event
// up to it. An instant before the start or after the end of the trace, or
// a note the trace does not have, is an error.
func (rp *Replayer) Until(a At) (live.Frame, error) {
	target := time.Time{}
	switch {
	case !a.Set:
	case a.Note > 0:
	case !a.Abs.IsZero():
		target = a.Abs
	default:
		target = rp.start.Add(a.Offset)
	}
	if !target.IsZero() && target.Before(rp.start) {
		return live.Frame{}, fmt.Errorf("%s is before the trace starts (%s)", stamp(target), stamp(rp.start))
	}
	for {
		if a.Set && a.Note > 0 && target.IsZero() && rp.notes >= a.Note {
			target = rp.lastNote.Add(a.Offset)
		}
		in, err := rp.Peek()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return live.Frame{}, err
		}
		if !target.IsZero() && in.At.After(target) {
			rp.JoinAt(target)
			return rp.Frame(), nil
		}
		if _, err := rp.Step(); err != nil {
			return live.Frame{}, err
		}
	}
	switch {
	case a.Set && a.Note > 0 && target.IsZero():
		return live.Frame{}, fmt.Errorf("the trace has %d notes, not %d", rp.notes, a.Note)
	case !target.IsZero() && target.After(rp.at):
		return live.Frame{}, fmt.Errorf("%s is after the trace ends (%s, +%.1fs)", stamp(target), stamp(rp.at), rp.at.Sub(rp.start).Seconds())
	case !target.IsZero():
		rp.JoinAt(target)
	}
	return rp.Frame(), nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
