// Package maint reads the durable maintenance in force on a host — its
// hacheck spool files and the Nerve service files moved aside in
// service_conf_dir — and says which registry instances each one takes down:
// this machine's, or with --ssh the SSH host's, through a config.FS. It
// only reads; actions writes them.
package maint

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stacktui/stacktui/actions/hacheck"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/sources/config"
)

// LocalHost is this host: its name and the addresses of its interfaces.
func LocalHost() sources.Host {
	h := sources.Host{}
	h.Name, _ = os.Hostname()
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok {
			h.Addrs = append(h.Addrs, ipn.IP.String())
		}
	}
	return h
}

// Reader reads a host's durable maintenance.
type Reader struct {
	Host sources.Host
	// FS is the host's file system; nil is this machine's.
	FS       config.FS
	SpoolDir string // the hacheck spool; "" for none
	// NervePath is the Nerve config, re-read at every Read (the toggle moves
	// files in its service_conf_dir); "" uses Nerve as given.
	NervePath string
	Nerve     *config.Nerve
}

// byUser is how stacktui appends who acted to a spool reason.
var byUser = regexp.MustCompile(`\s*\(by ([^()]+)\)$`)

// Read reads the spool and the Nerve config now. What cannot be read is
// said in Err; what could be read is still returned.
func (r *Reader) Read(now time.Time) *sources.Maintenance {
	m := &sources.Maintenance{At: now, Host: r.Host}
	var errs []string
	fsys := r.FS
	if fsys == nil {
		fsys = config.Local
	}
	nerve := r.Nerve
	if r.NervePath != "" {
		n, err := config.LoadNerveFS(fsys, r.NervePath)
		if err != nil {
			errs = append(errs, err.Error())
		} else {
			nerve = n
		}
	}
	if nerve != nil {
		m.InstanceID = nerve.InstanceID
	}
	if r.SpoolDir != "" {
		spool, err := hacheck.ListFS(fsys, r.SpoolDir)
		if err != nil {
			errs = append(errs, err.Error())
		}
		for _, e := range spool {
			m.Entries = append(m.Entries, spoolEntries(r.SpoolDir, e, nerve)...)
		}
	}
	if nerve != nil {
		for _, name := range sortedKeys(nerve.Disabled) {
			ns := nerve.Disabled[name]
			e := sources.MaintenanceEntry{Kind: sources.MaintNerve, File: ns.File, Service: registryService(ns),
				Port: ns.Port, Addr: net.JoinHostPort(ns.Host, strconv.Itoa(ns.Port)),
				Reason: "Nerve service file moved aside: Nerve no longer registers " + ns.Name}
			if ns.Host == "" || ns.Port == 0 {
				e.Addr = ""
			}
			if st, err := fsys.Stat(ns.File); err == nil {
				e.Since = changed(st)
			}
			m.Entries = append(m.Entries, e)
		}
	}
	m.Err = strings.Join(errs, "; ")
	return m
}

// spoolEntries resolves one spool file to the registry instances it takes
// down: with a Nerve config, those of the Nerve services whose hacheck
// checks consult this file; otherwise by name (hacheck's service name is
// usually the registry's).
func spoolEntries(dir string, e hacheck.Entry, nerve *config.Nerve) []sources.MaintenanceEntry {
	base := sources.MaintenanceEntry{Kind: sources.MaintHacheck, File: filepath.Join(dir, e.File), Reason: e.Reason,
		Since: e.Creation, Until: e.Expiration, Problem: e.Problem}
	if m := byUser.FindStringSubmatch(e.Reason); m != nil {
		base.Reason, base.By = strings.TrimSpace(e.Reason[:len(e.Reason)-len(m[0])]), m[1]
	}
	if nerve == nil {
		out := base
		out.Port = e.Port
		if e.Service != hacheck.All {
			out.Service = e.Service
		}
		return []sources.MaintenanceEntry{out}
	}
	var out []sources.MaintenanceEntry
	for _, name := range sortedKeys(nerve.Services) {
		ns := nerve.Services[name]
		for _, rt := range ns.Hacheck() {
			if e.Service != hacheck.All && (rt.Service != e.Service || e.Port != 0 && e.Port != rt.Port) {
				continue
			}
			x := base
			x.Service, x.Port = registryService(ns), ns.Port
			if ns.Host != "" {
				x.Addr = net.JoinHostPort(ns.Host, strconv.Itoa(ns.Port))
			}
			out = append(out, x)
			break
		}
	}
	if len(out) == 0 {
		// No check of this host's Nerve consults the file: shown, and the
		// diagnosis says it takes nothing down.
		x := base
		x.Port = e.Port
		if e.Service != hacheck.All {
			x.Service = e.Service
		}
		x.Problem = strings.TrimPrefix(x.Problem+"; no Nerve check on this host goes through hacheck for it ("+nerve.Path+"), so it takes nothing down", "; ")
		out = append(out, x)
	}
	return out
}

// registryService is the service name a Nerve service registers under: its
// ZooKeeper path's service, else its key (the Serf reporter's smart:<key>).
func registryService(ns config.NerveService) string {
	if s := ns.RegistryService(); s != "" {
		return s
	}
	return ns.Name
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
