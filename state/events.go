package state

import (
	"slices"
	"strconv"
	"strings"
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
	d := newDiffer(prev, next)
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
		if ps != nil && sameInstances(ps.Instances, ns.Instances) {
			continue // a service the join reused (Joiner): nothing moved
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
	d.attribute()
	return d.out
}

// sameInstances reports whether a and b are the same instances in memory,
// which differ in nothing.
func sameInstances(a, b []Instance) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
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
	// The views' socket labels, one per View.HAProxy (and Instance.HAProxy).
	prevLabels, nextLabels []string
	sameLabels             bool
	next                   *View
	regKnown               bool            // the registry is current in both views
	reloaded               map[string]bool // sockets whose HAProxy process changed (a reload)
	out                    []Event
	members                map[string]*sources.Member // next's Serf members by name, built on first use
	// Synapse's own moves seen in this diff, by service and socket, and
	// the events that a move there explains (see attribute).
	moves  map[string]bool
	undone []undone
}

// undone is an event of a registered server leaving DRAIN or MAINT that a
// Synapse reconfigure in the same diff explains.
type undone struct {
	event    int
	where    string // service + "|" + socket
	from, to string
}

func newDiffer(prev, next *View) *differ {
	d := &differ{at: next.At, prevRead: readableLabels(prev), nextRead: readableLabels(next), next: next,
		regKnown: prev.Registry != nil && next.Registry != nil && !prev.Registry.Stale() && !next.Registry.Stale(),
		reloaded: reloads(prev, next), prevLabels: prev.socketLabels(), nextLabels: next.socketLabels()}
	d.sameLabels = slices.Equal(d.prevLabels, d.nextLabels)
	return d
}

// reloads returns the sockets whose HAProxy pid differs between the views.
func reloads(prev, next *View) map[string]bool {
	var out map[string]bool
	for _, n := range next.HAProxy {
		if n == nil || n.Info == nil || n.Err != nil {
			continue
		}
		for _, p := range prev.HAProxy {
			if p != nil && p.Label == n.Label && p.Info != nil && p.Info.PID != n.Info.PID {
				if out == nil {
					out = map[string]bool{}
				}
				out[n.Label] = true
			}
		}
	}
	return out
}

// member returns next's Serf member of that name, nil when not listed.
func (d *differ) member(name string) *sources.Member {
	if d.members == nil {
		d.members = map[string]*sources.Member{}
		if r := d.next.Registry; r != nil {
			for i := range r.Members {
				d.members[r.Members[i].Name] = &r.Members[i]
			}
		}
	}
	return d.members[name]
}

// attribute names Synapse as the one that undid an operator's DRAIN or
// MAINT when, in the same diff, it moved another server of that service on
// that socket: a reconfigure enables every registered server (smartstack.md
// section 7).
func (d *differ) attribute() {
	for _, u := range d.undone {
		if !d.moves[u.where] {
			continue
		}
		e := &d.out[u.event]
		what := "drain"
		if classWord(u.from) == "MAINT" {
			what = "maintenance"
		}
		e.Text = strings.TrimSuffix(e.Text, ".") + ": Synapse undid the operator's " + what +
			" at its reconfigure (it enables every registered server when the service's registrations change)."
	}
}

// classWord is the status word of a status ("UP 1/2" -> "UP").
func classWord(status string) string {
	r := haproxy.Row{}.WithString(haproxy.ColStatus, status)
	return r.StatusWord()
}

func readableLabels(v *View) map[string]bool {
	m := make(map[string]bool, len(v.HAProxy))
	for _, s := range v.HAProxy {
		if s == nil {
			continue
		}
		m[labelOf(s)] = s.Stats != nil
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
		d.add(EventDeregistered, svc, name, "", pr.ID(), "", svc+" "+name+" deregistered ("+d.goneWords(pr)+")")
	case pr != nil && pr != nr && pr.ID() != nr.ID():
		d.add(EventRegistered, svc, name, "", pr.ID(), nr.ID(), svc+" "+name+" re-registered as "+regName(nr)+" (was "+regName(pr)+")")
	case pr != nil && nr != nil && live(pr) && !live(nr):
		d.add(EventDeregistered, svc, name, "", pr.MemberStatus, nr.MemberStatus, svc+" "+name+": member "+nr.Member+" is "+nr.MemberStatus+
			" (its agent stopped answering or left): Synapse ignores members that are not alive, so it is no longer registered for Synapse")
	case pr != nil && nr != nil && !live(pr) && live(nr):
		d.add(EventRegistered, svc, name, "", pr.MemberStatus, nr.MemberStatus, svc+" "+name+": member "+nr.Member+" is alive again (was "+pr.MemberStatus+
			"), so Synapse takes its registration again")
	}
	if pr != nil && nr != nil && (pr.HasWeight != nr.HasWeight || pr.Weight != nr.Weight) {
		f, t := weightWord(pr), weightWord(nr)
		var text string
		switch {
		case nr.Member != "" && !nr.HasWeight:
			text = "member " + nr.Member + "'s " + serfWeightTag + " tag removed (was " + f + ")"
		case nr.Member != "":
			text = "member " + nr.Member + " set " + serfWeightTag + "=" + t + " (was " + f + ")"
		default:
			text = "registry weight " + f + " -> " + t
		}
		if !nr.HasWeight {
			t = ""
		}
		if !pr.HasWeight {
			f = ""
		}
		d.add(EventWeight, svc, name, "", f, t, svc+" "+name+" "+text)
	}
	var ps, ns []Seen
	if p != nil {
		ps = p.HAProxy
	}
	if n != nil {
		ns = n.HAProxy
	}
	c := seenCtx{svc: svc, name: name, regd: nr != nil && live(nr), wasRegd: pr != nil && live(pr)}
	if n != nil {
		c.regChanged = n.RegChanged()
	}
	if d.sameLabels && len(ps) == len(ns) { // the usual case: no list to build
		for k := range ns {
			d.seen(c, d.nextLabels[k], ps[k].Row, ns[k].Row)
		}
		return
	}
	// Sockets by label: the --haproxy list may change between Views.
	labels := make([]string, 0, len(ns)+len(ps))
	labels = append(labels, d.nextLabels[:min(len(ns), len(d.nextLabels))]...)
	for _, l := range d.prevLabels[:min(len(ps), len(d.prevLabels))] {
		if !slices.Contains(labels, l) {
			labels = append(labels, l)
		}
	}
	for _, l := range labels {
		d.seen(c, l, rowAt(ps, d.prevLabels, l), rowAt(ns, d.nextLabels, l))
	}
}

// goneWords says what became of a registration that is gone.
func (d *differ) goneWords(r *sources.Registration) string {
	if r.Member == "" {
		return regName(r) + " is gone"
	}
	m := d.member(r.Member)
	switch {
	case m == nil:
		return "member " + r.Member + " is no longer listed"
	case m.Status != "alive":
		return "member " + r.Member + " is " + m.Status
	}
	return "tag " + r.Tag + " removed from member " + r.Member + ", which is still alive: its Nerve withdrew it, as it does when the health check fails or the service is taken out"
}

// weightWord is a registration's weight for events: "50", or "none".
func weightWord(r *sources.Registration) string {
	if !r.HasWeight {
		return "none"
	}
	return strconv.Itoa(int(r.Weight))
}

// seenCtx is what an instance's HAProxy events need to know of it.
type seenCtx struct {
	svc, name     string
	regd, wasRegd bool      // registered (and taken by Synapse) in next, in prev
	regChanged    time.Time // when History saw its registration last change
}

// seen diffs one socket's row of an instance; either row may be nil.
func (d *differ) seen(c seenCtx, l string, prow, nrow *haproxy.Row) {
	if prow == nrow || !d.prevRead[l] || !d.nextRead[l] {
		return // the same row, or nothing comparable was read on one side
	}
	at := func() string { return c.svc + " " + c.name + " at " + l + ": " }
	svc, name := c.svc, c.name
	switch {
	case prow == nil:
		d.add(EventState, svc, name, l, "absent", nrow.Status(), at()+"added to HAProxy as "+nrow.Status()+d.reloadWords(l))
	case nrow == nil:
		d.add(EventState, svc, name, l, prow.Status(), "absent", at()+"removed from HAProxy (was "+prow.Status()+")"+d.reloadWords(l))
	case prow.Preview || nrow.Preview:
		// A preview row knows the kind of state, not the "x/y" of settling
		// checks, the check details or a slow start's weight: compare what
		// it knows, so the full read that follows raises no false changes.
		if classify(prow) != classify(nrow) {
			d.add(EventState, svc, name, l, prow.Status(), nrow.Status(), at()+prow.Status()+" -> "+nrow.Status())
		}
	default:
		restart := d.restartArtifact(l, prow, nrow) // part of a reload, or its first check confirming what it was
		if prow.Status() != nrow.Status() && !restart {
			t := at() + prow.Status() + " -> " + nrow.Status()
			if nrow.CheckStatus() != "" {
				t += " (check " + nrow.CheckStatus() + ")"
			}
			t += d.moveWords(c, l, prow, nrow)
			d.add(EventState, svc, name, l, prow.Status(), nrow.Status(), t)
		} else if prow.Status() == nrow.Status() && prow.CheckStatus() != nrow.CheckStatus() && !restart {
			d.add(EventCheck, svc, name, l, prow.CheckStatus(), nrow.CheckStatus(), at()+"health check "+orNone(prow.CheckStatus())+" -> "+orNone(nrow.CheckStatus()))
		}
		if prow.Weight != nrow.Weight {
			f, t := strconv.Itoa(int(prow.Weight)), strconv.Itoa(int(nrow.Weight))
			d.add(EventWeight, svc, name, l, f, t, at()+"weight "+f+" -> "+t+d.reloadWords(l))
		}
	}
}

// reloadWords says that a change came with a reload of the socket's HAProxy.
func (d *differ) reloadWords(l string) string {
	if d.reloaded[l] {
		return " (at the reload of HAProxy " + l + ")"
	}
	return ""
}

// restartArtifact reports whether a server's change is the restart of its
// checks by a new HAProxy process, not news: at a reload every server comes
// back "UP 1/2" with no check done yet (INI), and its first check then
// takes it to UP. A server whose first check fails is news.
func (d *differ) restartArtifact(l string, prow, nrow *haproxy.Row) bool {
	switch {
	case d.reloaded[l] && nrow.CheckStatus() == "INI":
		return true
	case prow.CheckStatus() == "INI" && classify(prow) == classUp && classify(nrow) == classUp:
		return true
	}
	return false
}

// moveWords names Synapse when a state change is its own doing: disabling
// a server no longer registered, enabling one registered again. It notes
// the moves and the operator states a move may have undone (attribute).
func (d *differ) moveWords(c seenCtx, l string, prow, nrow *haproxy.Row) string {
	if !d.regKnown {
		return ""
	}
	from, to := classify(prow), classify(nrow)
	where := c.svc + "|" + l
	move := func() {
		if d.moves == nil {
			d.moves = map[string]bool{}
		}
		d.moves[where] = true
	}
	switch {
	case !c.regd && from != classMaint && to == classMaint:
		move()
		return ": Synapse disabled it (it is no longer registered)"
	case c.regd && from == classMaint && to != classMaint && (!c.wasRegd || d.recent(c.regChanged)):
		move()
		return ": Synapse enabled it (registered again)"
	case c.regd && c.wasRegd && (from == classDrain || from == classMaint) && to == classUp:
		d.undone = append(d.undone, undone{event: len(d.out), where: where, from: prow.Status(), to: nrow.Status()})
	}
	return ""
}

// recent reports whether t is within recentChange of the diff.
func (d *differ) recent(t time.Time) bool {
	return !t.IsZero() && d.at.Sub(t) <= recentChange
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

// rowAt returns the row of ss (an instance's HAProxy, in the order of
// labels) at the socket labelled l; nil when there is none.
func rowAt(ss []Seen, labels []string, l string) *haproxy.Row {
	if i := slices.Index(labels, l); i >= 0 && i < len(ss) {
		return ss[i].Row
	}
	return nil
}

// fullStop ends s with a full stop; event texts start with the service name,
// so they are not capitalised.
func fullStop(s string) string {
	if s == "" || s[len(s)-1] == '.' {
		return s
	}
	return s + "."
}
