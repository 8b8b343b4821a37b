package state

import (
	"sort"
	"strconv"
	"strings"

	"github.com/stacktui/stacktui/sources"
)

// findSuspects finds each service's duplicate registrations (two or more for
// one host:port) and the ZooKeeper sessions that hold the older side of a
// duplicate: a restarted Nerve's old session, whose every registration is a
// leftover until the session expires.
func (j *joiner) findSuspects(builds []*svcBuild) {
	type found struct {
		b *svcBuild
		g []*sources.Registration
	}
	var groups []found
	olderDups := map[int64]int{} // owner -> its registrations that are an older duplicate
	for _, b := range builds {
		for _, g := range dupGroups(b.regs) {
			groups = append(groups, found{b, g})
			newest := g[0]
			for _, r := range g[1:] {
				if r.Owner == 0 || r.Owner == newest.Owner {
					continue
				}
				olderDups[r.Owner]++
				if j.suspects == nil {
					j.suspects = map[int64]string{}
				}
				if _, ok := j.suspects[r.Owner]; !ok {
					j.suspects[r.Owner] = session(r.Owner) + ", which also holds " + regName(r) +
						", an older duplicate of " + regName(newest) + " (" + session(newest.Owner) + ")"
				}
			}
		}
	}
	// A suspect session that holds nothing but older duplicates is surely a
	// restarted Nerve's old session.
	onlyDups := map[int64]bool{}
	if len(olderDups) > 0 {
		total := map[int64]int{}
		for _, b := range builds {
			for _, r := range b.regs {
				if _, ok := olderDups[r.Owner]; ok {
					total[r.Owner]++
				}
			}
		}
		for o, n := range olderDups {
			onlyDups[o] = total[o] == n
		}
	}
	for _, f := range groups {
		text := dupText(f.g, onlyDups)
		if f.b.dups == nil {
			f.b.dups = map[*sources.Registration]string{}
		}
		for _, r := range f.g {
			f.b.dups[r] = text
		}
	}
}

// dupGroups returns the groups of well-formed registrations sharing a
// host:port, each ordered newest first; nil when there are none.
func dupGroups(regs []*sources.Registration) [][]*sources.Registration {
	if len(regs) < 2 {
		return nil
	}
	type hostPort struct {
		host string
		port int
	}
	first := make(map[hostPort]int, len(regs))
	var groups map[int][]*sources.Registration
	for i, r := range regs {
		if r.Malformed != "" {
			continue
		}
		a := hostPort{r.Host, r.Port}
		f, ok := first[a]
		if !ok {
			first[a] = i
			continue
		}
		if groups == nil {
			groups = map[int][]*sources.Registration{}
		}
		if groups[f] == nil {
			groups[f] = []*sources.Registration{regs[f]}
		}
		groups[f] = append(groups[f], r)
	}
	if groups == nil {
		return nil
	}
	keys := make([]int, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	out := make([][]*sources.Registration, 0, len(keys))
	for _, k := range keys {
		g := groups[k]
		sort.SliceStable(g, func(a, b int) bool { return newer(g[a], g[b]) })
		out = append(out, g)
	}
	return out
}

// dupText says who holds a duplicate group and what that means.
func dupText(g []*sources.Registration, onlyDups map[int64]bool) string {
	var b strings.Builder
	b.WriteString("registered ")
	b.WriteString(strconv.Itoa(len(g)))
	b.WriteString(" times for ")
	b.WriteString(g[0].Host + ":" + strconv.Itoa(g[0].Port))
	b.WriteString(": ")
	for i, r := range g {
		if i > 0 {
			if i == len(g)-1 {
				b.WriteString(" and ")
			} else {
				b.WriteString(", ")
			}
		}
		b.WriteString(regName(r))
		if r.Owner != 0 {
			b.WriteString(" (" + session(r.Owner))
			if i == 0 {
				b.WriteString(", the newest")
			}
			b.WriteString(")")
		} else if i == 0 {
			b.WriteString(" (the newest)")
		}
	}
	newest := g[0]
	older, leftover := false, int64(0)
	for _, r := range g[1:] {
		if r.Owner != 0 && r.Owner != newest.Owner {
			older = true
			if onlyDups[r.Owner] {
				leftover = r.Owner
			}
		}
	}
	switch {
	case leftover != 0:
		b.WriteString("; " + session(leftover) + " holds nothing but older duplicates of newer registrations: a restarted Nerve's old session, whose registrations vanish when it expires (about 30 s after that Nerve stopped)")
	case older:
		b.WriteString("; the older session's registration is a dead or restarted Nerve's leftover that vanishes when that session expires (about 30 s after that Nerve stopped); if it stays, two live Nerves register this host:port")
	case newest.Owner != 0:
		b.WriteString("; all belong to " + session(newest.Owner) + ": one Nerve registers this host:port more than once (two services in its config with the same host and port?)")
	case newest.Member != "":
		b.WriteString("; several Serf members (or tags) announce the same host:port: check which host really serves it")
	default:
		b.WriteString("; check which registration is current and remove the other")
	}
	return b.String()
}

// staleSessionText explains a registration owned by a suspect session.
func staleSessionText(why string) string {
	return "registered by " + why + ": most likely a dead Nerve's leftover; this registration vanishes when that session expires (about 30 s), and Synapse then disables its server (MAINT)"
}

// regName names a registration for sentences: its znode, or its Serf member.
func regName(r *sources.Registration) string {
	switch {
	case r.Node != "":
		return r.Node
	case r.Member != "":
		return "member " + r.Member
	case r.Path != "":
		return r.Path
	}
	return r.ID()
}

// session renders a ZooKeeper session id as ZooKeeper tools print it.
func session(owner int64) string {
	return "session 0x" + strconv.FormatUint(uint64(owner), 16)
}
