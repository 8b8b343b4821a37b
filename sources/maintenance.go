package sources

import (
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Host is the host stacktui runs on, as far as it can tell: what tells its
// own instances (whose spool and Nerve config are here) from other hosts'.
type Host struct {
	Name  string   // the hostname
	Addrs []string // its interface addresses (IPs, loopback included)
}

// Has reports whether host, an address or name as a registration gives it,
// is this host: one of its addresses, or its name (or its short name).
func (h Host) Has(host string) bool {
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if host == "" {
		return false
	}
	if ip := net.ParseIP(host); ip != nil {
		for _, a := range h.Addrs {
			if other := net.ParseIP(a); other != nil && other.Equal(ip) {
				return true
			}
		}
		return false
	}
	name := strings.ToLower(h.Name)
	host = strings.ToLower(host)
	short, _, _ := strings.Cut(name, ".")
	return host == "localhost" || name != "" && (host == name || host == short)
}

// Maintenance kinds: how a durable maintenance is in force.
const (
	MaintHacheck = "hacheck" // a hacheck spool file
	MaintNerve   = "nerve"   // a Nerve service file moved aside in service_conf_dir
)

// Maintenance is the durable maintenance in force on this host: its hacheck
// spool files and the Nerve service files moved aside, read at At.
type Maintenance struct {
	At   time.Time
	Host Host
	// InstanceID is this host's Nerve instance_id ("" without a Nerve config):
	// the name its instances register under.
	InstanceID string
	Entries    []MaintenanceEntry
	// Err says what could not be read (the spool or the Nerve config), or "".
	Err string
}

// MaintenanceEntry is one spool file or moved-aside Nerve service file, and
// the instances of this host it takes down.
type MaintenanceEntry struct {
	Kind string // MaintHacheck or MaintNerve
	File string // its full path
	// Service is the registry service it takes down ("" for every service:
	// hacheck's "all"); Port the instance port (0: every port). Addr, when
	// the Nerve config names it, is the one instance's host:port.
	Service string
	Port    int
	Addr    string
	Reason  string
	By      string    // who, when the reason says (stacktui writes "(by <user>)")
	Since   time.Time // creation (spool) or when the file was moved aside; zero: unknown
	Until   time.Time // expiration; zero: none
	// Problem describes content hacheck would misread, or "".
	Problem string
}

// Expired reports whether the entry's expiry has passed at now. hacheck
// deletes such a file only the next time a check asks about it, so until
// then it is still there, and still shown.
func (e MaintenanceEntry) Expired(now time.Time) bool {
	return !e.Until.IsZero() && now.After(e.Until)
}

// Applies reports whether the entry takes down the instance of service
// (or of its registry key, e.g. a Serf "svc_a_24001") at host:port, given
// that the entry belongs to host h.
func (e MaintenanceEntry) Applies(h Host, services []string, host string, port int) bool {
	if e.Service != "" && !slices.Contains(services, e.Service) {
		return false
	}
	if e.Port != 0 && e.Port != port {
		return false
	}
	if e.Addr != "" {
		eh, ep, err := net.SplitHostPort(e.Addr)
		return err == nil && ep == strconv.Itoa(port) && (eh == host || h.Has(eh) && h.Has(host))
	}
	return h.Has(host)
}
