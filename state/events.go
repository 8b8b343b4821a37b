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
	// Source is what saw the change: the registry kind ("zookeeper",
	// "serf"), "haproxy" or "note". Diff leaves it empty; Events sets it.
	Source string
}

// Diff derives the events that lead from prev to next, stamped next.At, in
// next's service and instance order, then instances that vanished. A nil prev
// (the first View) yields no events: everything would be "new".
//
// Instances are matched by Key. Both Views list services by name and, from
// one poll to the next, almost always the same instances in the same order,
// so each service is matched position by position; only the instances that
// do not line up go through a map (at 50,000 servers a map of everything
// cost more than the join itself).
func Diff(prev, next *View) []Event {
	if prev == nil || next == nil {
		return nil
	}
	d := differ{at: next.At, prevRead: readableLabels(prev), nextRead: readableLabels(next)}
	var gone map[string]*Instance // prev instances not lined up, by key
	var goneOrder []string        // their keys, in prev's order
	var goneSvc map[string]string // their service names
	addGone := func(svc string, in *Instance) {
		if gone == nil {
			gone, goneSvc = map[string]*Instance{}, map[string]string{}
		}
		gone[in.Key] = in
		goneSvc[in.Key] = svc
		goneOrder = append(goneOrder, in.Key)
	}
	// The events come out in next's order: pair the services first, then
	// diff once every instance that did not line up is in gone.
	type aligned struct{ ps, ns *Service }
	var pairs []aligned
	pi := 0
	for ni := range next.Services {
		ns := &next.Services[ni]
		for pi < len(prev.Services) && prev.Services[pi].Name < ns.Name {
			for ii := range prev.Services[pi].Instances {
				addGone(prev.Services[pi].Name, &prev.Services[pi].Instances[ii])
			}
			pi++
		}
		var ps *Service
		if pi < len(prev.Services) && prev.Services[pi].Name == ns.Name {
			ps = &prev.Services[pi]
			pi++
		}
		pairs = append(pairs, aligned{ps, ns})
		if ps != nil && sameKeys(ps.Instances, ns.Instances) {
			continue
		}
		if ps != nil {
			for ii := range ps.Instances {
				addGone(ps.Name, &ps.Instances[ii])
			}
		}
	}
	for ; pi < len(prev.Services); pi++ {
		for ii := range prev.Services[pi].Instances {
			addGone(prev.Services[pi].Name, &prev.Services[pi].Instances[ii])
		}
	}
	for _, pr := range pairs {
		ns := pr.ns
		if pr.ps != nil && sameKeys(pr.ps.Instances, ns.Instances) {
			for ii := range ns.Instances {
				d.instance(ns.Name, &pr.ps.Instances[ii], &ns.Instances[ii])
			}
			continue
		}
		for ii := range ns.Instances {
			in := &ns.Instances[ii]
			p := gone[in.Key]
			if p != nil {
				delete(gone, in.Key)
			}
			d.instance(ns.Name, p, in)
		}
	}
	for _, k := range goneOrder {
		if in, ok := gone[k]; ok {
			d.instance(goneSvc[k], in, nil)
		}
	}
	return d.out
}

// sameKeys reports whether two instance lists hold the same keys in the
// same order.
func sameKeys(a, b []Instance) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key {
			return false
		}
	}
	return true
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
	var pr, nr = regOf(p), regOf(n)
	switch {
	case pr == nil && nr != nil:
		d.add(EventRegistered, svc, name, "", "", nr.ID(), svc+" "+name+" registered ("+regName(nr)+")")
	case pr != nil && nr == nil:
		d.add(EventDeregistered, svc, name, "", pr.ID(), "", svc+" "+name+" deregistered ("+regName(pr)+" is gone)")
	case pr != nil && pr != nr && pr.ID() != nr.ID():
		d.add(EventRegistered, svc, name, "", pr.ID(), nr.ID(), svc+" "+name+" re-registered as "+regName(nr)+" (was "+regName(pr)+")")
	}
	if pr != nil && nr != nil && (pr.HasWeight || nr.HasWeight) && pr.Weight != nr.Weight {
		f, t := strconv.Itoa(pr.Weight), strconv.Itoa(nr.Weight)
		d.add(EventWeight, svc, name, "", f, t, svc+" "+name+" registry weight "+f+" -> "+t)
	}
	var ps, ns []Seen
	if p != nil {
		ps = p.HAProxy
	}
	if n != nil {
		ns = n.HAProxy
	}
	if sameSockets(ps, ns) { // the usual case: no list to build
		for k := range ns {
			d.seen(svc, name, ns[k].Socket, ps[k].Row, ns[k].Row)
		}
		return
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
		d.seen(svc, name, l, rowOf(findSeen(ps, l)), rowOf(findSeen(ns, l)))
	}
}

// sameSockets reports whether both instances list the same sockets in the
// same order.
func sameSockets(a, b []Seen) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Socket != b[i].Socket {
			return false
		}
	}
	return true
}

// seen diffs one socket's row of an instance; either row may be nil.
func (d *differ) seen(svc, name, l string, prow, nrow *haproxy.Row) {
	if prow == nrow || !d.prevRead[l] || !d.nextRead[l] {
		return // the same row, or nothing comparable was read on one side
	}
	at := func() string { return svc + " " + name + " at " + l + ": " }
	switch {
	case prow == nil:
		d.add(EventState, svc, name, l, "absent", nrow.Status, at()+"added to HAProxy as "+nrow.Status)
	case nrow == nil:
		d.add(EventState, svc, name, l, prow.Status, "absent", at()+"removed from HAProxy (was "+prow.Status+")")
	case prow.Preview || nrow.Preview:
		// A preview row knows the kind of state, not the "x/y" of settling
		// checks, the check details or a slow start's weight: compare what
		// it knows, so the full read that follows raises no false changes.
		if classify(prow) != classify(nrow) {
			d.add(EventState, svc, name, l, prow.Status, nrow.Status, at()+prow.Status+" -> "+nrow.Status)
		}
	default:
		if prow.Status != nrow.Status {
			t := at() + prow.Status + " -> " + nrow.Status
			if nrow.CheckStatus != "" {
				t += " (check " + nrow.CheckStatus + ")"
			}
			d.add(EventState, svc, name, l, prow.Status, nrow.Status, t)
		} else if prow.CheckStatus != nrow.CheckStatus {
			d.add(EventCheck, svc, name, l, prow.CheckStatus, nrow.CheckStatus, at()+"health check "+orNone(prow.CheckStatus)+" -> "+orNone(nrow.CheckStatus))
		}
		if prow.Weight != nrow.Weight {
			f, t := strconv.Itoa(prow.Weight), strconv.Itoa(nrow.Weight)
			d.add(EventWeight, svc, name, l, f, t, at()+"weight "+f+" -> "+t)
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
