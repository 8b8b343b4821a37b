package zookeeper

import (
	"bytes"
	"fmt"
	"sort"
	"time"

	"github.com/stacktui/stacktui/sources"
)

// diffRegs derives registered/deregistered/changed events between two
// versions of one service's registrations (keyed by node name), ordered by
// path so the result is deterministic.
func diffRegs(old, cur map[string]sources.Registration, now time.Time) []sources.Event {
	var evs []sources.Event
	for node, r := range old {
		if _, ok := cur[node]; !ok {
			evs = append(evs, regEvent(sources.EventDeregistered, r, now))
		}
	}
	for node, r := range cur {
		o, ok := old[node]
		switch {
		case !ok:
			evs = append(evs, regEvent(sources.EventRegistered, r, now))
		case !sameReg(o, r):
			evs = append(evs, regEvent(sources.EventChanged, r, now))
		}
	}
	sort.SliceStable(evs, func(i, j int) bool {
		return evs[i].Registration.Path < evs[j].Registration.Path
	})
	return evs
}

// sameReg reports whether a re-read registration is unchanged.
func sameReg(a, b sources.Registration) bool {
	return a.DataLen == b.DataLen && bytes.Equal(a.Raw, b.Raw) && a.Mtime.Equal(b.Mtime) &&
		a.Owner == b.Owner && a.Malformed == b.Malformed && a.Host == b.Host && a.Port == b.Port
}

// regEvent describes one registration change in a plain sentence.
func regEvent(kind sources.EventKind, r sources.Registration, now time.Time) sources.Event {
	rc := r
	who := r.Name
	if who == "" {
		who = r.Node
	}
	var msg string
	switch {
	case r.Malformed != "" && kind != sources.EventDeregistered:
		msg = fmt.Sprintf("%s: malformed registration %s %s: %s", r.Service, r.Node, kind, r.Malformed)
	case kind == sources.EventRegistered:
		msg = fmt.Sprintf("%s: %s registered %s (%s)", r.Service, who, r.Addr(), r.Node)
	case kind == sources.EventDeregistered:
		msg = fmt.Sprintf("%s: %s deregistered %s (%s)", r.Service, who, r.Addr(), r.Node)
	default:
		msg = fmt.Sprintf("%s: %s changed, now %s%s (%s)", r.Service, who, r.Addr(), weightText(r), r.Node)
	}
	return sources.Event{At: now, Kind: kind, Source: sources.KindZooKeeper, Service: r.Service, Registration: &rc, Message: msg}
}

func weightText(r sources.Registration) string {
	if !r.HasWeight {
		return ""
	}
	return fmt.Sprintf(" weight %d", r.Weight)
}
