package state

import (
	"slices"
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
		g, ok := j.prev.groups(b)
		if !ok {
			g = dupGroups(b.regs)
		}
		b.groups = g
		for _, g := range b.groups {
			groups = append(groups, found{b, g})
			alive := 0
			for _, r := range g {
				if live(r) {
					alive++
				}
			}
			b.extra += max(alive-1, 0)
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
	j.onlyDups = onlyDups
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
	// Sort a copy by address so duplicates are neighbours: no map needed.
	byAddr := make([]*sources.Registration, 0, len(regs))
	for _, r := range regs {
		if r.Malformed == "" {
			byAddr = append(byAddr, r)
		}
	}
	slices.SortFunc(byAddr, func(a, b *sources.Registration) int {
		if c := strings.Compare(a.Host, b.Host); c != 0 {
			return c
		}
		return a.Port - b.Port
	})
	var out [][]*sources.Registration
	for i := 0; i < len(byAddr); {
		k := i + 1
		for k < len(byAddr) && byAddr[k].Host == byAddr[i].Host && byAddr[k].Port == byAddr[i].Port {
			k++
		}
		if k-i > 1 {
			g := append([]*sources.Registration(nil), byAddr[i:k]...)
			slices.SortStableFunc(g, func(a, b *sources.Registration) int {
				switch {
				case newer(a, b):
					return -1
				case newer(b, a):
					return 1
				}
				return 0
			})
			out = append(out, g)
		}
		i = k
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
