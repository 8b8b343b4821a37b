package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/sources/fleet"
	"github.com/stacktui/stacktui/state"
)

// FleetSettings is what --fleet and its flags resolved.
type FleetSettings struct {
	// HostsFile is --fleet-hosts (one host per line) and Hosts the hosts
	// named by --fleet-host; with neither, the hosts are discovered from the
	// registry.
	HostsFile string
	Hosts     []string
	// URL is the endpoint template (--fleet-url); "" is fleet.DefaultTemplate.
	URL string
	// Auth is the stats pages' "user:password", read from the environment
	// or a file (never argv), or "".
	Auth        string
	Concurrency int
	Timeout     time.Duration
	Refresh     time.Duration
	// Grace is how long a host may disagree before it counts (--fleet-grace).
	Grace  time.Duration
	Logger *slog.Logger
}

// Fleet is the open fleet: the poller, and — when hosts come from the
// registry — what keeps its targets in step with the registry.
type Fleet struct {
	Poller *fleet.Poller
	// Discovered: the hosts follow the registry (no hosts file).
	Discovered bool

	tmpl    fleet.Template
	cfg     state.FleetConfig
	history *state.FleetHistory

	mu     sync.Mutex
	hosts  []string // the discovered hosts last given to the poller
	cancel context.CancelFunc
}

// OpenFleet starts reading the fleet. reg is the registry (nil without one:
// then a hosts file is required; with one and no hosts file, the hosts are
// those its registrations name, as View is given them), backends Synapse's
// service -> backend names, dial the SSH transport's dialer (nil: direct).
// Errors are configuration errors: an unreadable hosts file, a bad
// template.
func OpenFleet(ctx context.Context, fs FleetSettings, reg sources.Registry, backends map[string]string, dial fleet.DialFunc) (*Fleet, error) {
	tmpl, err := fleet.ParseTemplate(fs.URL)
	if err != nil {
		return nil, fmt.Errorf("--fleet-url: %w", err)
	}
	f := &Fleet{tmpl: tmpl, history: state.NewFleetHistory(),
		cfg: state.FleetConfig{Backends: backends, Grace: fs.Grace}}
	var targets []fleet.Target
	switch {
	case fs.HostsFile != "" || len(fs.Hosts) > 0:
		var entries []fleet.HostEntry
		where := "--fleet-host"
		if fs.HostsFile != "" {
			where = "--fleet-hosts " + fs.HostsFile
			data, err := os.ReadFile(fs.HostsFile)
			if err != nil {
				return nil, fmt.Errorf("--fleet-hosts: %w", err)
			}
			if entries, err = fleet.ParseHosts(data); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
		}
		entries, err := fleet.AddHosts(entries, fs.Hosts)
		if err != nil {
			return nil, fmt.Errorf("--fleet-host: %w", err)
		}
		if len(entries) == 0 {
			return nil, fmt.Errorf("%s lists no host", where)
		}
		if targets, err = fleet.Targets(entries, tmpl); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
	case reg == nil:
		return nil, fmt.Errorf("--fleet needs the hosts: give --fleet-hosts FILE or --fleet-host HOST, or a registry (--zk or --serf) whose registrations name them")
	default:
		f.Discovered = true
	}
	f.Poller = fleet.New(fleet.Options{Targets: targets, Refresh: fs.Refresh, Timeout: fs.Timeout,
		Concurrency: fs.Concurrency, Dial: dial, Auth: fs.Auth, Logger: fs.Logger})
	ctx, f.cancel = context.WithCancel(ctx)
	f.Poller.Start(ctx)
	if f.Discovered {
		cur := reg.Current()
		f.follow(&cur)
	}
	return f, nil
}

// follow gives the poller the hosts snap names when they changed. A
// registry that is not read completely keeps the hosts it had: a
// reconnecting ZooKeeper must not empty the fleet.
func (f *Fleet) follow(snap *sources.Snapshot) {
	if snap == nil || !snap.Synced || snap.State != sources.StateConnected {
		return
	}
	hosts := fleet.Discover(snap)
	f.mu.Lock()
	defer f.mu.Unlock()
	if slices.Equal(hosts, f.hosts) {
		return
	}
	f.hosts = hosts
	targets := make([]fleet.Target, 0, len(hosts))
	for _, h := range hosts {
		if t, err := f.tmpl.For(h); err == nil { // Discover returns only valid host names
			targets = append(targets, t)
		}
	}
	f.Poller.SetTargets(targets)
}

// View joins the fleet's latest snapshot with reg (the snapshot the caller
// joins with, nil without a registry) and records it in the fleet's
// history, so that later views know since when hosts disagree. For a
// fleet discovered from the registry it first gives the poller the hosts
// reg names: hosts that start registering are read from the next round.
func (f *Fleet) View(reg *sources.Snapshot, now time.Time) *state.FleetView {
	if f.Discovered {
		f.follow(reg)
	}
	cfg := f.cfg
	cfg.Now, cfg.History = now, f.history
	v := state.JoinFleet(reg, f.Poller.Current(), cfg)
	f.history.Observe(v)
	return v
}

// Updates delivers the poller's snapshots (live.FleetFeed).
func (f *Fleet) Updates() <-chan *sources.FleetSnapshot { return f.Poller.Updates() }

// Settled reports whether v has every host's first reading or its error,
// joined with the registry's first complete reading (or its error): for a
// fleet discovered from the registry, once v has exactly the hosts the
// registry names.
func (f *Fleet) Settled(v *state.FleetView) bool {
	if r := v.Registry; r != nil && !r.Synced && r.Err == "" {
		return false
	}
	if f.Discovered {
		if v.Registry == nil || !v.Registry.Synced {
			return false
		}
		f.mu.Lock()
		hosts := f.hosts
		f.mu.Unlock()
		if !slices.EqualFunc(hosts, v.Hosts, func(h string, fh state.FleetHost) bool { return h == fh.Name }) {
			return false
		}
	}
	for i := range v.Hosts {
		if h := &v.Hosts[i]; !h.Reachable && h.Err == "" {
			return false
		}
	}
	return true
}

// Close stops reading the fleet.
func (f *Fleet) Close() {
	f.cancel()
	f.Poller.Close()
}
