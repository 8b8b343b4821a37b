package actions

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stacktui/stacktui/actions/hacheck"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/sources/config"
)

// Durable is how durable maintenance (M and U) works on the host actions
// work on (this machine, or the --ssh host): which host that is, its Nerve
// config (which checks go through hacheck, and its service_conf_dir), its
// hacheck spool, and how to find Nerve's pid.
type Durable struct {
	Where Where
	// Nerve is the host's Nerve config; nil when none was read, and
	// NerveNote then says why (shown in plans). With NervePath set it is
	// read again at each plan: the toggle moves files in service_conf_dir.
	Nerve     *config.Nerve
	NervePath string
	NerveNote string
	SpoolDir  string
	NervePID  PIDSource // nil: Nerve cannot be signalled from here
}

// Instance is one instance a durable action is asked for.
type Instance struct {
	Service string // the Synapse (registry) service
	Name    string // the registered instance name (Nerve instance_id, Serf member); "" when unknown
	Host    string
	Port    int
}

func (in Instance) addr() string { return net.JoinHostPort(in.Host, strconv.Itoa(in.Port)) }

// String names the instance: "svc_a 10.0.0.5:8080 (web-1)".
func (in Instance) String() string {
	s := in.Service + " " + in.addr()
	if in.Name != "" {
		s += " (" + in.Name + ")"
	}
	return s
}

// Method is how durable maintenance takes an instance out on this host.
type Method int

// The durable methods.
const (
	MethodHacheck     Method = iota + 1 // a spool file hacheck answers 503 for
	MethodNerveToggle                   // the service's file moved out of service_conf_dir, SIGHUP to Nerve
)

// Method says how Down would take in out here, or why it cannot: an
// *ElsewhereError for an instance of another host, or an error that says
// what would work with this Nerve.
func (d Durable) Method(in Instance) (Method, error) {
	d = d.fresh()
	ns, err := d.local(in, false)
	if err != nil {
		return 0, err
	}
	if ns == nil || len(ns.Hacheck()) > 0 {
		return MethodHacheck, nil
	}
	if err := d.canToggle(in, ns); err != nil {
		return 0, err
	}
	return MethodNerveToggle, nil
}

// Down plans taking in out durably the way that works with this host's
// Nerve: a hacheck spool file (reason and expiry kept in it, with who
// acted) when Nerve checks it through hacheck, else the service_conf_dir
// toggle. It refuses what would not take effect, and instances of other
// hosts (with the command to run there).
func (d Durable) Down(in Instance, reason string, expiry time.Duration) (Action, error) {
	d = d.fresh()
	m, err := d.Method(in)
	if err != nil {
		return nil, err
	}
	ns, _ := d.local(in, false)
	if m == MethodNerveToggle {
		a, err := NewNerveToggle(d.Where, d.Nerve.ConfDir(), ns.Name, true, d.NervePID)
		if err != nil {
			return nil, err
		}
		t := a.(*nerveToggle)
		t.plan.Title = "Maintenance: stop registering " + in.String() + " on " + d.Where.here() + " (Nerve service_conf_dir)"
		t.plan.Targets = append([]string{"instance " + in.String() + d.Where.on()}, t.plan.Targets...)
		t.plan.Warning = "Nerve checks " + in.Service + " directly (" + checksText(ns) + "), not through hacheck, so a hacheck spool file would change nothing: this moves its service file aside instead. " +
			t.plan.Warning + " The toggle keeps no reason: this action's audit record does."
		t.plan.Undo = "press " + Key("end-durable") + " to register it again (moves " + filepath.Base(t.to) + " back and sends Nerve SIGHUP)"
		return t, nil
	}
	reason = strings.TrimSpace(reason)
	if err := validReason(reason); err != nil {
		return nil, err
	}
	by := reason + " (by " + whoAmI().user + ")"
	svc, port := in.Service, in.Port
	via := "no Nerve config was read (" + d.nerveNote() + "), so whether Nerve checks " + in.Service + " through hacheck is unknown: if it does not, this file changes nothing (the row then says the instance is still registered)."
	if ns != nil {
		rt := ns.Hacheck()[0]
		svc, port = rt.Service, rt.Port
		via = "Nerve checks " + ns.Name + " through hacheck (" + rt.Check + "): hacheck answers 503 while this file exists, Nerve's check fails and Nerve deregisters it."
	}
	a, err := NewMaintenance(d.Where, d.SpoolDir, svc, port, by, expiry)
	if err != nil {
		return nil, err
	}
	mt := a.(*maintenance)
	mt.plan.Title = "Maintenance: take " + in.String() + " down on " + d.Where.here() + " (hacheck)"
	mt.plan.Targets = append([]string{"instance " + in.String() + d.Where.on()}, mt.plan.Targets...)
	mt.plan.Warning = via + " Not at once: after its fall count of failed checks (hacheck caches answers for up to 10 s)."
	return mt, nil
}

// Up plans ending the durable maintenance that keeps in out on the host:
// moving its Nerve service file back, or removing every spool file that
// applies to it ("all" and the service without port included, with a
// warning naming what else comes back).
func (d Durable) Up(in Instance) (Action, error) {
	d = d.fresh()
	ns, err := d.local(in, true)
	if err != nil {
		return nil, err
	}
	if ns != nil && strings.HasSuffix(ns.File, DisabledSuffix) {
		if d.NervePID == nil {
			return nil, d.noPID(in, ns.File, strings.TrimSuffix(ns.File, DisabledSuffix))
		}
		a, err := NewNerveToggle(d.Where, d.Nerve.ConfDir(), ns.Name, false, d.NervePID)
		if err != nil {
			return nil, err
		}
		t := a.(*nerveToggle)
		t.plan.Title = "End maintenance: register " + in.String() + " on " + d.Where.here() + " again (Nerve service_conf_dir)"
		t.plan.Undo = "press " + Key("durable") + " to take it out again"
		t.plan.Targets = append([]string{"instance " + in.String() + d.Where.on()}, t.plan.Targets...)
		return t, nil
	}
	svc, port := in.Service, in.Port
	if ns != nil {
		if rts := ns.Hacheck(); len(rts) > 0 {
			svc, port = rts[0].Service, rts[0].Port
		}
	}
	if d.SpoolDir == "" {
		return nil, errors.New("maintenance: no hacheck spool directory: set --hacheck-spool")
	}
	var paths, wider []string
	for _, f := range []struct {
		service string
		port    int
		what    string
	}{{svc, port, ""}, {svc, 0, "every instance of " + svc + " on " + d.Where.here()}, {hacheck.All, 0, "EVERY service checked through hacheck on " + d.Where.here()}} {
		name, err := hacheck.FileName(f.service, f.port)
		if err != nil {
			return nil, fmt.Errorf("maintenance: %w", err)
		}
		p := filepath.Join(filepath.Clean(d.SpoolDir), name)
		if _, err := d.Where.fs().Stat(p); err == nil {
			paths = append(paths, p)
			if f.what != "" {
				wider = append(wider, name+" ("+f.what+")")
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("maintenance: check spool file %s: %w", p, err)
		}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("maintenance: %s is not in durable maintenance on %s: no spool file %s, %s or all in %s, and no moved-aside Nerve service file", in, d.Where.here(), svc+":"+strconv.Itoa(port), svc, d.SpoolDir)
	}
	m := &maintenance{paths: paths, remove: true}
	m.plan = Plan{
		Kind:     KindMaintenance,
		Title:    "End maintenance: bring " + in.String() + " back on " + d.Where.here() + " (hacheck)",
		Targets:  []string{"instance " + in.String() + d.Where.on()},
		Durable:  true,
		Undo:     "press " + Key("durable") + " to put it in maintenance again",
		Warning:  "Nerve registers it again once its check passes (after its rise count; hacheck caches answers for up to 10 s).",
		Commands: nil,
	}
	for _, p := range paths {
		m.plan.Targets = append(m.plan.Targets, "hacheck spool file "+p)
		m.plan.Commands = append(m.plan.Commands, "remove "+p)
	}
	if len(wider) > 0 {
		m.plan.Warning = "This also brings back what these take down: " + strings.Join(wider, ", ") + ". " + m.plan.Warning
	}
	return m, nil
}

// fresh is d with its Nerve config as it is on the host's disk now, when it
// has a path (a config that cannot be read now keeps the last one, and says
// so).
func (d Durable) fresh() Durable {
	if d.NervePath == "" {
		return d
	}
	n, err := config.LoadNerveFS(d.Where.fs(), d.NervePath)
	if err != nil {
		d.NerveNote = err.Error()
		return d
	}
	d.Nerve, d.NervePath = n, ""
	return d
}

// local checks that in runs on the host and returns the host's Nerve
// service for it (nil without a Nerve config). withDisabled also finds
// services moved aside by the toggle.
func (d Durable) local(in Instance, withDisabled bool) (*config.NerveService, error) {
	if in.Port <= 0 || in.Host == "" {
		return nil, fmt.Errorf("maintenance: %s has no host:port to act on", in.Service)
	}
	if !d.Where.Host.Has(in.Host) {
		return nil, d.elsewhere(in, "it runs on "+in.Host+", which is not an address of "+d.Where.here()+" ("+hostWords(d.Where.Host)+")")
	}
	if d.Nerve == nil {
		return nil, nil
	}
	pools := []map[string]config.NerveService{d.Nerve.Services}
	if withDisabled {
		pools = append(pools, d.Nerve.Disabled)
	}
	var found []config.NerveService
	for _, pool := range pools {
		for _, ns := range pool {
			if ns.Port == in.Port && (ns.Host == "" || ns.Host == in.Host || d.Where.Host.Has(ns.Host)) {
				found = append(found, ns)
			}
		}
	}
	slices.SortFunc(found, func(a, b config.NerveService) int { return strings.Compare(a.Name, b.Name) })
	// Prefer the one registering this service, when several share a port.
	for _, ns := range found {
		if ns.RegistryService() == in.Service || ns.Name == in.Service {
			return &ns, nil
		}
	}
	if len(found) > 0 {
		return &found[0], nil
	}
	why := d.Where.Name() + "'s Nerve (" + d.Nerve.Path + ", instance_id " + strconv.Quote(d.Nerve.InstanceID) + ") registers nothing on port " + strconv.Itoa(in.Port)
	if in.Name != "" && in.Name != d.Nerve.InstanceID {
		why += ", and the instance is registered as " + strconv.Quote(in.Name) + ": another Nerve registers it"
	}
	return nil, fmt.Errorf("maintenance: cannot take %s out from %s: %s; a spool file or Nerve toggle on %[2]s would not touch it", in, d.Where.here(), why)
}

// canToggle says whether the service_conf_dir toggle can take ns out.
func (d Durable) canToggle(in Instance, ns *config.NerveService) error {
	direct := "Nerve checks " + in.Service + " directly (" + checksText(ns) + "), not through hacheck, so a hacheck spool file would change nothing"
	if d.Nerve.ServiceConfDir == "" || ns.File == "" {
		return fmt.Errorf("maintenance: %s; and %s is defined in %s itself, not in a service_conf_dir file, so it cannot be toggled either: to take it out durably, remove it from that file and send Nerve SIGHUP (or check it through hacheck)", direct, ns.Name, d.Nerve.Path)
	}
	if d.NervePID == nil {
		return d.noPID(in, ns.File, ns.File+DisabledSuffix)
	}
	return nil
}

// noPID refuses the toggle when Nerve's pid cannot be found, with the
// commands that do it by hand.
func (d Durable) noPID(in Instance, from, to string) error {
	return fmt.Errorf("maintenance: %s is toggled with Nerve's service_conf_dir (Nerve does not check it through hacheck), which needs Nerve's pid for SIGHUP: pass --nerve-pid-file or --nerve-pid-cmd; by hand: mv %s %s && kill -HUP <nerve pid>",
		in, from, to)
}

// elsewhere is the refusal for an instance of another host, with what to
// run on that host.
func (d Durable) elsewhere(in Instance, why string) error {
	return &ElsewhereError{
		What:     "put " + in.String() + " in durable maintenance",
		Why:      why + "; a spool file or Nerve toggle on " + d.Where.here() + " would take down its own instance, if any",
		Where:    "the host of " + in.addr(),
		Commands: []string{"hadown -r " + shellQuote("<reason>") + " " + shellWord(in.Service)},
		Note:     "if that host's Nerve checks " + in.Service + " through hacheck; hadown takes every port of the service down, haup brings it back; or run stacktui there",
	}
}

func (d Durable) nerveNote() string {
	if d.NerveNote != "" {
		return d.NerveNote
	}
	return "pass --nerve-config"
}

// hostWords names a host and its addresses for a refusal.
func hostWords(h sources.Host) string {
	s := h.Name
	if s == "" {
		s = "this host"
	}
	if len(h.Addrs) > 0 {
		s += ": " + strings.Join(h.Addrs, ", ")
	}
	return s
}

// checksText lists a Nerve service's checks for a sentence.
func checksText(ns *config.NerveService) string {
	if len(ns.Checks) == 0 {
		return "no checks configured"
	}
	var cs []string
	for _, c := range ns.Checks {
		cs = append(cs, c.Type+" "+c.Where(*ns))
	}
	return "check " + strings.Join(cs, ", ")
}

// Alternative is the durable way to take in out, in words for a dialog's
// "durable alternative" line, as it exists in this registry flavour and on
// this host; "" when there is none from stacktui.
func (d Durable) Alternative(flavour sources.Kind, in Instance) string {
	switch flavour {
	case sources.KindSerf:
		return "t on the member: smart:serverweight=0 (weight 0 in every Synapse that applies it, until its agent's next SIGHUP); lasting: take the smart: tag out of its Nerve (Serf reporter) configuration"
	case sources.KindZooKeeper:
	default:
		return ""
	}
	m, err := d.Method(in)
	var ew *ElsewhereError
	switch {
	case errors.As(err, &ew):
		return "durable maintenance on the instance's own host (" + ew.Commands[0] + " there, if its Nerve checks through hacheck)"
	case err != nil:
		return "none from here: " + strings.TrimPrefix(err.Error(), "maintenance: ")
	case m == MethodNerveToggle:
		return Key("durable") + ": move " + in.Service + "'s Nerve service file aside and SIGHUP Nerve (durable: Nerve deregisters it)"
	}
	return Key("durable") + ": a hacheck spool file for " + in.Service + " on " + d.Where.here() + " (durable: Nerve's check fails and it deregisters)"
}
