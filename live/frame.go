package live

import (
	"fmt"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

// Change says what a frame brings, as flags.
type Change uint8

// What can change between two frames.
const (
	// ChangeView: a new join; instances and diagnoses may have moved.
	ChangeView Change = 1 << iota
	// ChangeRows: a socket has new rows (a new read, or servers whose state
	// moved merged in): lists of HAProxy rows must be rebuilt.
	ChangeRows
	// ChangeTraffic: counters moved without a new read (a light poll, a new
	// `show info`); the view's traffic figures are redone without a join
	// and the rows read since are drawn through Frame.Newest.
	ChangeTraffic
	// ChangeSources: a source's connection state, error or level changed.
	ChangeSources
	// ChangeFleet: a new fleet view.
	ChangeFleet
)

// Frame is one consistent picture the pipeline publishes. It is immutable:
// consumers must not modify anything it points to.
type Frame struct {
	// Seq counts the frames published, from 1.
	Seq uint64
	// At is when the frame was made, by the pipeline's clock: the trace's
	// in a replay.
	At time.Time
	// View is the latest joined view (nil before the first join).
	View *state.View
	// Registry is the registry's latest snapshot, nil when none is
	// configured. It may be newer than View.Registry while a join waits.
	Registry *sources.Snapshot
	// Maintenance is this host's durable maintenance as last read, nil when
	// no reader is configured or nothing was read yet.
	Maintenance *sources.Maintenance
	// HAProxy is every socket's latest snapshot in configured order, with
	// Stats the socket's one consistent set of rows and Watched folded in.
	HAProxy []*haproxy.Snapshot
	// Events are the events since the subscriber's previous frame, oldest
	// first; never dropped.
	Events []state.Event
	// Changed is everything that changed since the subscriber's previous frame.
	Changed Change
	// Ready: View has every source's first complete reading, or its error
	// (and with a fleet, Fleet has every host's).
	Ready bool
	// Fleet is the latest fleet view (--fleet): every host's HAProxy joined
	// with the registry; nil before the first one or without a fleet.
	// FleetWanted says a fleet is configured.
	Fleet       *state.FleetView
	FleetWanted bool
	// History is the per-instance history behind View (flapping, sparklines).
	History *state.History
	// Replay is the replay's position; nil when live.
	Replay *ReplayStatus
	// Reset: the timeline starts again (a replay went back): Events are
	// every event up to this frame, and a consumer drops those it had.
	Reset bool

	newer []newerRows // per socket: rows read after its Stats
}

// ReplayStatus is where a replay stands.
type ReplayStatus struct {
	File       string
	Start, End time.Time // the trace's first and last instants (End zero: not known yet)
	Line       int       // the last trace line applied
	Lines      int       // how many lines the trace has (0: not known yet)
	Speed      float64   // 1 is as recorded
	Paused     bool
	Done       bool // the whole trace is applied
}

// Newest is the newest version of socket sock's row r: a row a light poll
// re-read after the socket's Stats, else r itself.
func (f *Frame) Newest(sock int, r *haproxy.Row) *haproxy.Row {
	if r == nil || sock < 0 || sock >= len(f.newer) || f.newer[sock] == nil {
		return r
	}
	if n := f.newer[sock][rowKey{r.Proxy, r.Name()}]; n != nil {
		return n
	}
	return r
}

// NewestSeen is the newest version of the row s, an instance of f.View
// at its socket si (Instance.HAProxy[si]).
func (f *Frame) NewestSeen(si int, s *state.Seen) *haproxy.Row {
	if f.View == nil || si < 0 || si >= len(f.View.HAProxy) {
		return s.Row
	}
	l := f.View.SocketLabel(si)
	for i, h := range f.HAProxy {
		if h != nil && label(h) == l {
			return f.Newest(i, s.Row)
		}
	}
	return s.Row
}

func label(h *haproxy.Snapshot) string {
	if h.Label != "" {
		return h.Label
	}
	return h.Address
}

// SourceHealth is one source's state in words, for headers, one-shot
// commands and exit codes.
type SourceHealth struct {
	Kind    string // "zookeeper", "serf" or "haproxy"
	Label   string // the socket's label; the registry's address
	Address string
	// State is the registry's connection state, or for a socket
	// "connecting", "up" or "unreachable".
	State string
	// OK: read completely, and reachable now.
	OK       bool
	Err      string
	LastGood time.Time
	// Age is how old what is shown is: since LastGood, at the frame's time.
	Age time.Duration
}

// Sources describes every source's health at the frame's time: the
// registry first, then the sockets in configured order.
func (f *Frame) Sources() []SourceHealth {
	var out []SourceHealth
	if r := f.Registry; r != nil {
		h := SourceHealth{Kind: string(r.Kind), Label: r.Address, Address: r.Address, State: string(r.State),
			OK: r.State == sources.StateConnected && r.Synced, Err: r.Err, LastGood: r.LastGood}
		if !r.LastGood.IsZero() {
			h.Age = max(f.At.Sub(r.LastGood), 0)
		}
		out = append(out, h)
	}
	for _, s := range f.HAProxy {
		if s == nil {
			continue
		}
		h := SourceHealth{Kind: "haproxy", Label: label(s), Address: s.Address, State: "up", OK: s.Err == nil && s.Stats != nil,
			LastGood: s.LastGood}
		switch {
		case s.Err != nil:
			h.State, h.Err = "unreachable", s.Err.Error()
		case s.Stats == nil:
			h.State = "connecting"
		}
		if !s.LastGood.IsZero() {
			h.Age = max(f.At.Sub(s.LastGood), 0)
		}
		out = append(out, h)
	}
	return out
}

// Failures lists, in words, every source that could not be read
// completely: what `snapshot` and `check` report and exit on. A fleet
// fails only as a whole (no host read, or not every host tried yet): a
// dead fleet host is a row of the fleet view, not a failed source.
func (f *Frame) Failures() []string {
	var out []string
	for _, h := range f.Sources() {
		if h.OK {
			continue
		}
		msg := h.Err
		if msg == "" {
			msg = h.State
		}
		if h.Kind == "haproxy" {
			out = append(out, fmt.Sprintf("haproxy %s: %s", h.Label, msg))
		} else {
			out = append(out, fmt.Sprintf("%s %s: %s", h.Kind, h.Address, msg))
		}
	}
	if f.FleetWanted {
		switch v := f.Fleet; {
		case v == nil:
			out = append(out, "fleet: not read yet")
		case len(v.Hosts) == 0:
			out = append(out, "fleet: no hosts (give --fleet-hosts, or a registry whose registrations name hosts)")
		case v.Reachable == 0 && v.Hosts[0].Err != "":
			out = append(out, fmt.Sprintf("fleet: none of the %d hosts could be read (%s: %s)", len(v.Hosts), v.Hosts[0].Name, v.Hosts[0].Err))
		case v.Reachable == 0:
			out = append(out, fmt.Sprintf("fleet: none of the %d hosts read yet", len(v.Hosts)))
		}
	}
	return out
}
