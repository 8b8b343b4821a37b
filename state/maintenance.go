package state

import (
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// CodeMaintenance marks an instance this host took out durably, on purpose:
// a hacheck spool file fails Nerve's check of it, or Nerve's service file was
// moved aside. It replaces "deregistered" for that instance.
const CodeMaintenance Code = "maintenance"

// maintSettle is how long after a spool file is written a still-registered
// instance is expected: Nerve needs its fall count of failed checks, and
// hacheck caches its answers for up to 10 s.
const maintSettle = 30 * time.Second

// maintenanceOf picks the maintenance entries that may concern service b:
// for every service ("all"), or named after it or one of its registry keys
// (a Serf service "svc_a" is registered as "svc_a_24001").
func (j *joiner) maintenanceOf(b *svcBuild) []sources.MaintenanceEntry {
	mt := j.cfg.Maintenance
	if mt == nil || len(mt.Entries) == 0 {
		return nil
	}
	var out []sources.MaintenanceEntry
	for _, e := range mt.Entries {
		if e.Service == "" || e.Service == b.name || e.Service == b.backend || slices.ContainsFunc(b.regs, func(r *sources.Registration) bool { return r.Service == e.Service }) {
			out = append(out, e)
		}
	}
	return out
}

// maintenanceOnly adds an instance for each entry that names one instance of
// this host (host:port from its Nerve config) that neither the registry nor
// HAProxy lists any more: in maintenance, it would otherwise vanish.
func (j *joiner) maintenanceOnly(b *svcBuild, entries []sources.MaintenanceEntry, insts []Instance) []Instance {
	mt := j.cfg.Maintenance
	for _, e := range entries {
		if e.Addr == "" {
			continue
		}
		host, port := splitHostPort(e.Addr)
		if slices.ContainsFunc(insts, func(in Instance) bool {
			h, p := instanceAddr(&in)
			return p == port && (h == host || mt.Host.Has(h) && mt.Host.Has(host))
		}) {
			continue
		}
		server := e.Addr
		if mt.InstanceID != "" {
			server = mt.InstanceID + "_" + e.Addr
		}
		seen := make([]Seen, len(j.socks))
		insts = append(insts, Instance{Key: b.backend + "/" + server, Server: server, HAProxy: seen})
	}
	return insts
}

// maintenance notes the entries that take in down: one sentence each, in
// place of "deregistered".
func (j *joiner) maintenance(b *svcBuild, entries []sources.MaintenanceEntry, in *Instance) {
	if len(entries) == 0 {
		return
	}
	mt := j.cfg.Maintenance
	host, port := instanceAddr(in)
	if port == 0 {
		return
	}
	names := []string{b.name, b.backend}
	if in.Registration != nil {
		names = append(names, in.Registration.Service)
	}
	var mine []sources.MaintenanceEntry
	for _, e := range entries {
		if e.Applies(mt.Host, names, host, port) {
			mine = append(mine, e)
		}
	}
	if len(mine) == 0 {
		return
	}
	in.rare().Maintenance = mine
	in.Diagnoses = slices.DeleteFunc(slices.Clone(in.Diagnoses), func(d Diagnosis) bool { return d.Code == CodeDeregistered })
	registered := in.Registration != nil && live(in.Registration)
	for _, e := range mine {
		in.Diagnoses = append(in.Diagnoses, Diagnosis{CodeMaintenance, sentence(maintenanceText(e, registered, j.now))})
	}
}

// MaintenanceWords describes an entry in one clause: what, why, who, since
// and until when, e.g. `hacheck spool file /var/spool/hacheck/svc_a:8080:
// "disk swap", by alice, since 02:20 (2h ago), until 04:20 (in 30m)`.
func MaintenanceWords(e sources.MaintenanceEntry, now time.Time) string {
	var b strings.Builder
	if e.Kind == sources.MaintNerve {
		b.WriteString("Nerve service file moved aside (" + e.File + ")")
	} else {
		b.WriteString("hacheck spool file " + e.File)
		if e.Reason != "" {
			b.WriteString(": " + strconv.Quote(e.Reason))
		}
	}
	if e.By != "" {
		b.WriteString(", by " + e.By)
	}
	if !e.Since.IsZero() {
		b.WriteString(", since " + clock(e.Since, now) + " (" + age(now.Sub(e.Since)) + " ago)")
	}
	switch {
	case e.Until.IsZero() && e.Kind == sources.MaintHacheck:
		b.WriteString(", no expiry")
	case e.Expired(now):
		b.WriteString(", expired at " + clock(e.Until, now) + " (" + age(now.Sub(e.Until)) + " ago) but still present")
	case !e.Until.IsZero():
		b.WriteString(", until " + clock(e.Until, now) + " (in " + age(e.Until.Sub(now)) + ")")
	}
	return b.String()
}

// maintenanceText is the diagnosis sentence for one entry on one instance.
func maintenanceText(e sources.MaintenanceEntry, registered bool, now time.Time) string {
	t := "in durable maintenance on this host: " + MaintenanceWords(e, now)
	switch {
	case e.Problem != "":
		t += "; " + e.Problem
	case e.Kind == sources.MaintNerve && registered:
		t += "; but it is still registered: Nerve has not been sent SIGHUP since, or another process registers it"
	case e.Kind == sources.MaintNerve:
		t += "; Nerve registers it again when the file is moved back and Nerve gets SIGHUP (U)"
	case e.Expired(now):
		t += "; hacheck deletes an expired file the next time Nerve's check asks, and the instance then registers again"
	case registered && !e.Since.IsZero() && now.Sub(e.Since) > maintSettle:
		t += "; but it is still registered " + age(now.Sub(e.Since)) + " after the file was written: Nerve may not check it through hacheck"
	case registered:
		t += "; Nerve deregisters it once its check through hacheck fails (after its fall count; hacheck caches answers for up to 10 s)"
	default:
		t += "; Nerve keeps it deregistered until the file is removed (U)"
	}
	return t
}

// clock is t as a time of day, with the date when it is not now's day.
func clock(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	return t.Format("Jan 2 15:04")
}

// instanceAddr is the instance's host and port: registered, else HAProxy's
// address, else its server name's.
func instanceAddr(in *Instance) (string, int) {
	if r := in.Registration; r != nil && r.Port > 0 {
		return r.Host, r.Port
	}
	for _, s := range in.HAProxy {
		if s.Row != nil && s.Row.Addr() != "" {
			return splitHostPort(s.Row.Addr())
		}
	}
	h, p, _ := haproxy.NameAddr(in.Server)
	return h, p
}

func splitHostPort(a string) (string, int) {
	h, p, err := net.SplitHostPort(a)
	if err != nil {
		return "", 0
	}
	n, _ := strconv.Atoi(p)
	return h, n
}
