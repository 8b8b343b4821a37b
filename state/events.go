package state

import (
	"strconv"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// Event kinds produced by Diff.
const (
	EventRegistered   = "registered"
	EventDeregistered = "deregistered"
	EventState        = "state"
	EventWeight       = "weight"
	EventCheck        = "check"
)

// Event is one change between two successive Views: an instance registered or
// deregistered, or one socket's view of a server changing state, weight or
// health-check result. Socket is "" for registry events.
type Event struct {
	At       time.Time
	Kind     string
	Service  string
	Instance string // the HAProxy server name
	Socket   string
	From, To string
	Text     string // one plain sentence
}

// Diff derives the events that lead from prev to next, stamped next.At, in
// next's service and instance order, then instances that vanished. A nil prev
// (the first View) yields no events: everything would be "new".
func Diff(prev, next *View) []Event {
	if prev == nil || next == nil {
		return nil
	}
	type old struct {
		svc string
		in  *Instance
	}
	before := make(map[string]old)
	for si := range prev.Services {
		for ii := range prev.Services[si].Instances {
			in := &prev.Services[si].Instances[ii]
			before[in.Key] = old{prev.Services[si].Name, in}
		}
	}
	d := differ{at: next.At, prevRead: readableLabels(prev), nextRead: readableLabels(next)}
	matched := make(map[string]bool, len(before))
	for si := range next.Services {
		svc := next.Services[si].Name
		for ii := range next.Services[si].Instances {
			in := &next.Services[si].Instances[ii]
			o, ok := before[in.Key]
			if ok {
				matched[in.Key] = true
			}
			d.instance(svc, o.in, in)
		}
	}
	for si := range prev.Services {
		for ii := range prev.Services[si].Instances {
			in := &prev.Services[si].Instances[ii]
			if !matched[in.Key] {
				d.instance(prev.Services[si].Name, in, nil)
			}
		}
	}
	return d.out
}

// differ accumulates events.
type differ struct {
	at                 time.Time
	prevRead, nextRead map[string]bool
	out                []Event
}

func readableLabels(v *View) map[string]bool {
	m := make(map[string]bool, len(v.HAProxy))
	for _, s := range v.HAProxy {
		if s == nil {
			continue
		}
		l := s.Label
		if l == "" {
			l = s.Address
		}
		m[l] = s.Stats != nil
	}
	return m
}

func (d *differ) add(kind, svc, inst, sock, from, to, text string) {
	d.out = append(d.out, Event{At: d.at, Kind: kind, Service: svc, Instance: inst, Socket: sock, From: from, To: to, Text: fullStop(text)})
}

// instance diffs one instance; p or n is nil when it did not exist.
func (d *differ) instance(svc string, p, n *Instance) {
	name := ""
	if n != nil {
		name = n.Server
	} else {
		name = p.Server
	}
	who := svc + " " + name
	var pr, nr = regOf(p), regOf(n)
	switch {
	case pr == nil && nr != nil:
		d.add(EventRegistered, svc, name, "", "", nr.ID(), who+" registered ("+regName(nr)+")")
	case pr != nil && nr == nil:
		d.add(EventDeregistered, svc, name, "", pr.ID(), "", who+" deregistered ("+regName(pr)+" is gone)")
	case pr != nil && pr.ID() != nr.ID():
		d.add(EventRegistered, svc, name, "", pr.ID(), nr.ID(), who+" re-registered as "+regName(nr)+" (was "+regName(pr)+")")
	}
	if pr != nil && nr != nil && (pr.HasWeight || nr.HasWeight) && pr.Weight != nr.Weight {
		f, t := strconv.Itoa(pr.Weight), strconv.Itoa(nr.Weight)
		d.add(EventWeight, svc, name, "", f, t, who+" registry weight "+f+" -> "+t)
	}
	var ps, ns []Seen
	if p != nil {
		ps = p.HAProxy
	}
	if n != nil {
		ns = n.HAProxy
	}
	// Sockets by label: the --haproxy list may change between Views.
	labels := make([]string, 0, len(ns)+len(ps))
	for _, s := range ns {
		labels = append(labels, s.Socket)
	}
	for _, s := range ps {
		if findSeen(ns, s.Socket) == nil {
			labels = append(labels, s.Socket)
		}
	}
	for _, l := range labels {
		if !d.prevRead[l] || !d.nextRead[l] {
			continue // nothing comparable was read on one side
		}
		var prow, nrow = rowOf(findSeen(ps, l)), rowOf(findSeen(ns, l))
		at := who + " at " + l + ": "
		switch {
		case prow == nil && nrow == nil:
		case prow == nil:
			d.add(EventState, svc, name, l, "absent", nrow.Status, at+"added to HAProxy as "+nrow.Status)
		case nrow == nil:
			d.add(EventState, svc, name, l, prow.Status, "absent", at+"removed from HAProxy (was "+prow.Status+")")
		default:
			if prow.Status != nrow.Status {
				t := at + prow.Status + " -> " + nrow.Status
				if nrow.CheckStatus != "" {
					t += " (check " + nrow.CheckStatus + ")"
				}
				d.add(EventState, svc, name, l, prow.Status, nrow.Status, t)
			} else if prow.CheckStatus != nrow.CheckStatus {
				d.add(EventCheck, svc, name, l, prow.CheckStatus, nrow.CheckStatus, at+"health check "+orNone(prow.CheckStatus)+" -> "+orNone(nrow.CheckStatus))
			}
			if prow.Weight != nrow.Weight {
				f, t := strconv.Itoa(prow.Weight), strconv.Itoa(nrow.Weight)
				d.add(EventWeight, svc, name, l, f, t, at+"weight "+f+" -> "+t)
			}
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func regOf(in *Instance) *sources.Registration {
	if in == nil {
		return nil
	}
	return in.Registration
}

func findSeen(ss []Seen, label string) *Seen {
	for i := range ss {
		if ss[i].Socket == label {
			return &ss[i]
		}
	}
	return nil
}

func rowOf(s *Seen) *haproxy.Row {
	if s == nil {
		return nil
	}
	return s.Row
}

// fullStop ends s with a full stop; event texts start with the service name,
// so they are not capitalised.
func fullStop(s string) string {
	if s == "" || s[len(s)-1] == '.' {
		return s
	}
	return s + "."
}
