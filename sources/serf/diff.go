package serf

import (
	"fmt"
	"maps"
	"sort"
	"time"

	"github.com/stacktui/stacktui/sources"
)

// diffServices derives registered/deregistered/changed events between two
// decoded registries, ordered by service then registration ID.
func diffServices(before, after []sources.Service, at time.Time) []sources.Event {
	old := index(before)
	cur := index(after)
	ids := make([]string, 0, len(old)+len(cur))
	for id := range old {
		ids = append(ids, id)
	}
	for id := range cur {
		if _, ok := old[id]; !ok {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := pick(old, cur, ids[i]), pick(old, cur, ids[j])
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		return ids[i] < ids[j]
	})
	var events []sources.Event
	for _, id := range ids {
		o, hadOld := old[id]
		n, hasNew := cur[id]
		switch {
		case !hadOld:
			r := n
			events = append(events, regEvent(at, sources.EventRegistered, &r,
				fmt.Sprintf("%s registered %s for %s%s", r.Member, r.Addr(), r.Service, statusNote(r))))
		case !hasNew:
			r := o
			events = append(events, regEvent(at, sources.EventDeregistered, &r,
				fmt.Sprintf("%s deregistered %s from %s (tag %s gone)", r.Member, r.Addr(), r.Service, r.Tag)))
		default:
			if what := changes(o, n); what != "" {
				r := n
				events = append(events, regEvent(at, sources.EventChanged, &r,
					fmt.Sprintf("%s %s for %s: %s", r.Member, r.Addr(), r.Service, what)))
			}
		}
	}
	return events
}

func statusNote(r sources.Registration) string {
	if r.MemberStatus != "" && r.MemberStatus != "alive" {
		return " (member " + r.MemberStatus + ")"
	}
	if r.Malformed != "" {
		return " (malformed: " + r.Malformed + ")"
	}
	return ""
}

// changes says in words what differs between two versions of a registration.
func changes(o, n sources.Registration) string {
	var parts []string
	if o.Host != n.Host || o.Port != n.Port {
		parts = append(parts, fmt.Sprintf("address %s -> %s", o.Addr(), n.Addr()))
	}
	if o.MemberStatus != n.MemberStatus {
		parts = append(parts, fmt.Sprintf("member %s -> %s", o.MemberStatus, n.MemberStatus))
	}
	if o.HasWeight != n.HasWeight || o.Weight != n.Weight {
		parts = append(parts, fmt.Sprintf("weight %s -> %s", weightWord(o), weightWord(n)))
	}
	if o.Malformed != n.Malformed {
		if n.Malformed == "" {
			parts = append(parts, "now well-formed")
		} else {
			parts = append(parts, "malformed: "+n.Malformed)
		}
	}
	if o.MemberAddr != n.MemberAddr {
		parts = append(parts, fmt.Sprintf("member address %s -> %s", o.MemberAddr, n.MemberAddr))
	}
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += ", "
		}
		out += p
	}
	return out
}

func weightWord(r sources.Registration) string {
	if !r.HasWeight {
		return "unset"
	}
	return fmt.Sprint(r.Weight)
}

func regEvent(at time.Time, kind sources.EventKind, r *sources.Registration, msg string) sources.Event {
	return sources.Event{At: at, Kind: kind, Source: sources.KindSerf, Service: r.Service, Registration: r, Message: msg}
}

func index(svcs []sources.Service) map[string]sources.Registration {
	out := map[string]sources.Registration{}
	for _, s := range svcs {
		for _, r := range s.Registrations {
			out[r.ID()] = r
		}
	}
	return out
}

func pick(a, b map[string]sources.Registration, id string) sources.Registration {
	if r, ok := a[id]; ok {
		return r
	}
	return b[id]
}

// diffMembers derives member events between two member lists (used on
// resync, when no stream event told us what happened).
func diffMembers(before, after map[string]sources.Member, at time.Time) []sources.Event {
	names := make([]string, 0, len(after))
	for n := range before {
		names = append(names, n)
	}
	for n := range after {
		if _, ok := before[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var events []sources.Event
	for _, name := range names {
		o, hadOld := before[name]
		n, hasNew := after[name]
		var msg string
		switch {
		case !hadOld:
			msg = fmt.Sprintf("member %s (%s) appeared, %s", name, n.Addr, n.Status)
		case !hasNew:
			msg = fmt.Sprintf("member %s (%s) is no longer listed", name, o.Addr)
		case o.Status != n.Status:
			msg = fmt.Sprintf("member %s (%s) is now %s (was %s)", name, n.Addr, n.Status, o.Status)
		case o.Addr != n.Addr || !maps.Equal(o.Tags, n.Tags):
			msg = fmt.Sprintf("member %s (%s) changed its tags", name, n.Addr)
		default:
			continue
		}
		events = append(events, sources.Event{At: at, Kind: sources.EventMember, Source: sources.KindSerf, Message: msg})
	}
	return events
}
