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
	// HostsFile is --fleet-hosts (one host per line); "" discovers the
	// hosts from the registry.
	HostsFile string
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
	reg     sources.Registry
	cfg     state.FleetConfig
	history *state.FleetHistory
	hosts   []string // the discovered hosts last given to the poller

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// OpenFleet starts reading the fleet. reg is the registry (nil without one:
// then a hosts file is required), backends Synapse's service -> backend
// names, dial the SSH transport's dialer (nil: direct). Errors are
// configuration errors: an unreadable hosts file, a bad template.
func OpenFleet(ctx context.Context, fs FleetSettings, reg sources.Registry, backends map[string]string, dial fleet.DialFunc) (*Fleet, error) {
	tmpl, err := fleet.ParseTemplate(fs.URL)
	if err != nil {
		return nil, fmt.Errorf("--fleet-url: %w", err)
	}
	f := &Fleet{tmpl: tmpl, reg: reg, history: state.NewFleetHistory(), done: make(chan struct{}),
		cfg: state.FleetConfig{Backends: backends, Grace: fs.Grace}}
	var targets []fleet.Target
	switch {
	case fs.HostsFile != "":
		data, err := os.ReadFile(fs.HostsFile)
		if err != nil {
			return nil, fmt.Errorf("--fleet-hosts: %w", err)
		}
		entries, err := fleet.ParseHosts(data)
		if err != nil {
			return nil, fmt.Errorf("--fleet-hosts %s: %w", fs.HostsFile, err)
		}
		if len(entries) == 0 {
			return nil, fmt.Errorf("--fleet-hosts %s lists no host", fs.HostsFile)
		}
		if targets, err = fleet.Targets(entries, tmpl); err != nil {
			return nil, fmt.Errorf("--fleet-hosts %s: %w", fs.HostsFile, err)
		}
	case reg == nil:
		return nil, fmt.Errorf("--fleet needs the hosts: give --fleet-hosts FILE, or a registry (--zk or --serf) whose registrations name them")
	default:
		f.Discovered = true
	}
	f.Poller = fleet.New(fleet.Options{Targets: targets, Refresh: fs.Refresh, Timeout: fs.Timeout,
		Concurrency: fs.Concurrency, Dial: dial, Auth: fs.Auth, Logger: fs.Logger})
	ctx, f.cancel = context.WithCancel(ctx)
	f.Poller.Start(ctx)
	if f.Discovered {
		f.follow()
		go f.discover(ctx, max(fs.Refresh, 200*time.Millisecond))
	} else {
		close(f.done)
	}
	return f, nil
}

// discover keeps the poller's hosts in step with the registry: every host
// that registers something, checked at each refresh (a cheap walk of the
// current snapshot; the registry's update channel belongs to the pipeline).
func (f *Fleet) discover(ctx context.Context, every time.Duration) {
	defer close(f.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f.follow()
		}
	}
}

// follow gives the poller the registry's hosts when they changed. A
// registry that is not read completely keeps the hosts it had: a
// reconnecting ZooKeeper must not empty the fleet.
func (f *Fleet) follow() {
	snap := f.reg.Current()
	if !snap.Synced || snap.State != sources.StateConnected {
		return
	}
	hosts := fleet.Discover(&snap)
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
// history, so that later views know since when hosts disagree.
func (f *Fleet) View(reg *sources.Snapshot, now time.Time) *state.FleetView {
	cfg := f.cfg
	cfg.Now, cfg.History = now, f.history
	v := state.JoinFleet(reg, f.Poller.Current(), cfg)
	f.history.Observe(v)
	return v
}

// Close stops reading the fleet.
func (f *Fleet) Close() {
	f.cancel()
	<-f.done
	f.Poller.Close()
}
