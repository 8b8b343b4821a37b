package state

import (
	"maps"
	"strconv"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// Event kinds about the sources themselves, and notes. With the kinds Diff
// produces they are the one vocabulary every consumer shows.
const (
	EventConnection = "connection" // a source was reached, lost, or reached again
	EventReload     = "reload"     // a new HAProxy process answers on the socket (its pid changed)
	EventMember     = "member"     // a Serf member appeared, changed status or tags, or was reaped
	EventUser       = "user_event" // a Serf user event or query, which no snapshot shows
	EventNote       = "note"       // a note of a trace: what was done, never input to a diagnosis
)

// Event sources besides the registry kinds ("zookeeper", "serf").
const (
	SourceHAProxy = "haproxy"
	SourceNote    = "note"
)

// Events derives the events that lead from prev to next: Diff's, each with
// its Source. The join that brings the registry's first complete read
// brings no events: before it no service of the registry was known, so
// every registration and every server in their backends would look new.
func Events(prev, next *View) []Event {
	if prev == nil || next == nil || next.Registry != nil && (prev.Registry == nil || !prev.Registry.Synced) {
		return nil
	}
	evs := Diff(prev, next)
	regSource := ""
	if next.Registry != nil {
		regSource = string(next.Registry.Kind)
	}
	for i := range evs {
		if evs[i].Socket != "" {
			evs[i].Source = SourceHAProxy
		} else {
			evs[i].Source = regSource
		}
	}
	return evs
}

// RegistryEvents derives the registry's own events between two of its
// snapshots (prev nil: none before): its connection changing state, and,
// for Serf, members appearing, changing status or tags, or going away.
// Registrations are left to Events, which sees them joined with HAProxy.
func RegistryEvents(prev, next *sources.Snapshot) []Event {
	if next == nil {
		return nil
	}
	name := registryName(next.Kind) + " " + next.Address
	src := string(next.Kind)
	ev := func(kind, inst, from, to, text string) Event {
		return Event{At: next.At, Kind: kind, Source: src, Instance: inst, From: from, To: to, Text: fullStop(text)}
	}
	var out []Event
	var prevState sources.ConnState
	if prev != nil {
		prevState = prev.State
	}
	if next.State != prevState {
		from, to := string(prevState), string(next.State)
		switch {
		case next.State == sources.StateConnected && (prev == nil || prev.LastGood.IsZero()):
			out = append(out, ev(EventConnection, "", from, to, "connected to "+name))
		case next.State == sources.StateConnected:
			out = append(out, ev(EventConnection, "", from, to, name+" reachable again after "+age(next.At.Sub(prev.LastGood))+
				" ("+string(prevState)+"); registrations re-read"))
		case prevState == sources.StateConnected:
			t := "lost " + name + " (" + to + ")"
			if next.Err != "" {
				t += ": " + next.Err
			}
			out = append(out, ev(EventConnection, "", from, to, t+"; showing the last known registrations"))
		case prev == nil && next.State == sources.StateConnecting:
			// Connecting at start is not news; the header says it.
		case retrying(prevState) && retrying(next.State):
			// The client flips between disconnected and (re)connecting at
			// every retry: one outage is one event.
		default:
			t := name + " " + to
			if next.Err != "" {
				t += ": " + next.Err
			}
			out = append(out, ev(EventConnection, "", from, to, t))
		}
	}
	if prev != nil && prev.Synced && next.Synced && next.Kind == sources.KindSerf {
		out = append(out, memberEvents(prev.Members, next.Members, ev)...)
	}
	return out
}

// retrying reports whether a registry state is part of an outage the
// client is retrying through.
func retrying(st sources.ConnState) bool {
	switch st {
	case sources.StateDisconnected, sources.StateReconnecting, sources.StateConnecting:
		return true
	}
	return false
}

// memberEvents compares two Serf member lists by name.
func memberEvents(prev, next []sources.Member, ev func(kind, inst, from, to, text string) Event) []Event {
	before := make(map[string]*sources.Member, len(prev))
	for i := range prev {
		before[prev[i].Name] = &prev[i]
	}
	var out []Event
	seen := make(map[string]bool, len(next))
	for i := range next {
		n := &next[i]
		seen[n.Name] = true
		o := before[n.Name]
		who := "member " + n.Name + " (" + n.Addr + ")"
		switch {
		case o == nil:
			out = append(out, ev(EventMember, n.Name, "", n.Status, who+" appeared, "+n.Status))
		case o.Status != n.Status:
			out = append(out, ev(EventMember, n.Name, o.Status, n.Status, who+" is now "+n.Status+" (was "+o.Status+")"))
		}
		if o != nil && !maps.Equal(o.Tags, n.Tags) {
			out = append(out, ev(EventMember, n.Name, "", "", who+" tags: "+sources.TagChanges(o.Tags, n.Tags)))
		}
	}
	for i := range prev {
		if o := &prev[i]; !seen[o.Name] {
			out = append(out, ev(EventMember, o.Name, o.Status, "", "member "+o.Name+" ("+o.Addr+") is no longer listed (was "+o.Status+")"))
		}
	}
	return out
}

// HAProxyEvents derives one socket's own events between two of its
// snapshots (prev nil: never polled): first reached, lost, reached again,
// and reloaded (a new pid, also across an outage: an unreachable snapshot
// keeps the last good `show info`). An error that only changes its wording
// is not news.
func HAProxyEvents(prev, next *haproxy.Snapshot) []Event {
	if next == nil {
		return nil
	}
	label := next.Label
	if label == "" {
		label = next.Address
	}
	name := "HAProxy " + label
	ev := func(kind, from, to, text string) Event {
		return Event{At: next.At, Kind: kind, Source: SourceHAProxy, Socket: label, From: from, To: to, Text: fullStop(text)}
	}
	var prevErr error
	var prevInfo *haproxy.Info
	var prevGood time.Time
	if prev != nil {
		prevErr, prevInfo, prevGood = prev.Err, prev.Info, prev.LastGood
	}
	read := prevInfo != nil || prev != nil && prev.Stats != nil // anything was ever read
	var out []Event
	switch {
	case next.Err != nil && prevErr != nil:
		// Still unreachable: not news, whatever the error says now.
	case next.Err != nil && read:
		out = append(out, ev(EventConnection, "up", "unreachable", "lost "+name+": "+next.Err.Error()+"; showing its last known state"))
	case next.Err != nil:
		out = append(out, ev(EventConnection, "", "unreachable", name+" unreachable: "+next.Err.Error()))
	case next.Info == nil && next.Stats == nil:
		// Not polled yet.
	case prevErr != nil && !prevGood.IsZero():
		out = append(out, ev(EventConnection, "unreachable", "up", name+" reachable again after "+age(next.At.Sub(prevGood))))
	case prevErr != nil || !read:
		t := "connected to " + name
		if next.Address != "" && next.Address != label {
			t += " (" + next.Address + ")"
		}
		if i := next.Info; i != nil {
			t += ": HAProxy " + i.Version + ", pid " + strconv.Itoa(i.PID)
		}
		out = append(out, ev(EventConnection, "", "up", t))
	}
	if next.Err == nil && next.Info != nil && prevInfo != nil && prevInfo.PID != next.Info.PID {
		f, t := strconv.Itoa(prevInfo.PID), strconv.Itoa(next.Info.PID)
		out = append(out, ev(EventReload, f, t, name+" reloaded: pid "+f+" -> "+t+" (a new process: counters restart, weights and states set at runtime are reset)"))
	}
	return out
}

// NoteEvent is a trace's note as an event.
func NoteEvent(at time.Time, text string) Event {
	return Event{At: at, Kind: EventNote, Source: SourceNote, Text: text}
}

// SourceEvent converts an event only a registry's stream knows — a Serf
// user event or query — into this vocabulary. ok is false for every other
// kind: those are derived from snapshots (RegistryEvents, Events).
func SourceEvent(e sources.Event) (Event, bool) {
	if e.Kind != sources.EventUser {
		return Event{}, false
	}
	return Event{At: e.At, Kind: EventUser, Source: string(e.Source), Service: e.Service, Text: fullStop(e.Message)}, true
}

// registryName is a registry kind as people write it.
func registryName(k sources.Kind) string {
	switch k {
	case sources.KindZooKeeper:
		return "ZooKeeper"
	case sources.KindSerf:
		return "the Serf agent at"
	}
	return "the registry"
}
