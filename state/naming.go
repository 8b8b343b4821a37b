package state

import (
	"strconv"
	"strings"

	"github.com/stacktui/stacktui/sources"
)

// Synapse has named HAProxy servers in two orders, and both are in
// production (smartstack.md section 3): "<name>_<host>:<port>" from 0.13.4
// on, "<host>:<port>_<name>" up to 0.13.3 and in every Serf fork. The join
// matches either, shows HAProxy's real name, and keys every instance by the
// newer order so one server keeps one identity whichever order its HAProxy
// uses and whether or not it is registered at the moment.

// ServerName is the HAProxy server name Synapse 0.13.4 and later gives a
// registration: "<name>_<host>:<port>", or "<host>:<port>" when the name is
// empty. For Serf the name is the member (node) name. It is also the order
// of every Instance.Key.
func ServerName(r *sources.Registration) string {
	name, hp := nameParts(r)
	if name == "" {
		return hp
	}
	return name + "_" + hp
}

// OldServerName is the name Synapse up to 0.13.3 and the Serf forks give a
// registration: "<host>:<port>_<name>", or "<host>:<port>" without a name.
func OldServerName(r *sources.Registration) string {
	name, hp := nameParts(r)
	if name == "" {
		return hp
	}
	return hp + "_" + name
}

// nameParts are the two parts Synapse puts in a server name: Nerve's name
// (instance_id) or the Serf member, and "<host>:<port>".
func nameParts(r *sources.Registration) (name, hostPort string) {
	name = r.Name
	if name == "" {
		name = r.Member
	}
	return name, r.Host + ":" + strconv.Itoa(r.Port)
}

// oldOrder reports whether a server row's name is in the old order: its
// address, an underscore, then the name.
func oldOrder(name, addr string) bool {
	return addr != "" && len(name) > len(addr)+1 && name[len(addr)] == '_' && strings.HasPrefix(name, addr)
}

// newOrder reports whether a server row's name is "<name>_<addr>".
func newOrder(name, addr string) bool {
	return addr != "" && len(name) > len(addr)+1 && name[len(name)-len(addr)-1] == '_' && strings.HasSuffix(name, addr)
}

// canonicalName is a server row's name in ServerName's order: an
// old-order name "<addr>_<name>" is turned around, any other is kept. It
// allocates only for old-order names.
func canonicalName(name, addr string) string {
	if !oldOrder(name, addr) {
		return name
	}
	return name[len(addr)+1:] + "_" + addr
}

// predictOldOrder says which order to expect for a registration no server
// matches yet: the order most of the backend's servers use on the readable
// sockets, else the flavour's (the Serf forks use the old one).
func (j *joiner) predictOldOrder(backend string) bool {
	old, cur := 0, 0
	for _, k := range j.socks {
		for _, idx := range k.serversOf(backend) {
			r := &k.rows[idx]
			switch {
			case oldOrder(r.Name(), r.Addr()):
				old++
			case newOrder(r.Name(), r.Addr()):
				cur++
			}
		}
	}
	if old != cur {
		return old > cur
	}
	return j.reg != nil && j.reg.Kind == sources.KindSerf
}

// bothNames renders the two names Synapse may give r, for sentences.
func bothNames(r *sources.Registration) string {
	a, b := ServerName(r), OldServerName(r)
	if a == b {
		return a
	}
	return a + " or " + b
}
