package cmd

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/stacktui/stacktui/internal/app"
	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/report"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/sources/fleet"
)

// openSources reads secrets from the environment or files (never argv) and
// opens the configured sources.
func openSources(ctx context.Context, c *Config, log *slog.Logger) (*app.Sources, error) {
	zkAuth, err := app.ReadSecret("STACKTUI_ZK_AUTH", c.ZKAuthFile)
	if err != nil {
		return nil, usagef("--zk-auth-file: %v", err)
	}
	serfAuth, err := app.ReadSecret("SERF_RPC_AUTH", c.SerfAuthFile)
	if err != nil {
		return nil, usagef("--serf-auth-file: %v", err)
	}
	var fs *app.FleetSettings
	if c.Fleet {
		auth, err := app.ReadSecret("STACKTUI_FLEET_AUTH", c.FleetAuthFile)
		if err != nil {
			return nil, usagef("--%s: %v", keyFleetAuthFile, err)
		}
		if auth != "" && !strings.Contains(auth, ":") {
			return nil, usagef("the stats pages' login ($STACKTUI_FLEET_AUTH or --%s) must be user:password", keyFleetAuthFile)
		}
		fs = &app.FleetSettings{HostsFile: c.FleetHosts, Hosts: c.FleetHostList, URL: c.FleetURL, Auth: auth, Concurrency: c.FleetConcurrency,
			Timeout: c.FleetTimeout, Refresh: max(c.Refresh, fleet.DefaultRefresh), Grace: c.FleetGrace, Logger: log}
	}
	src, err := app.Open(ctx, app.Settings{
		ZK: c.ZK, ZKPath: c.ZKPath, ZKAuth: zkAuth, Serf: c.Serf, SerfAuth: serfAuth,
		HAProxy: c.HAProxy, SynapseConfig: c.Synapse, NerveConfig: c.Nerve,
		ReadOnly: c.ReadOnly, Refresh: c.Refresh, ReloadCmd: c.ReloadCmd, RestartCmd: c.RestartCmd, Logger: log,
		HacheckSpool: c.HacheckSpool, SerfMemberRPC: c.SerfMemberRPC, NervePIDFile: c.NervePIDFile, NervePIDCmd: c.NervePIDCmd,
		SSH: c.SSH, SSHConfig: c.SSHConfig, Fleet: fs,
		IgnoreHostFiles: c.ignoreHostFiles, OneShot: c.oneShot,
	})
	var reach *app.ReachError
	switch {
	case errors.As(err, &reach):
		return nil, err // the host, not the settings: exit 1 (check: UNKNOWN)
	case err != nil:
		return nil, usageError{err}
	}
	for _, w := range src.Warnings {
		log.Warn("configuration", "warning", w)
	}
	return src, nil
}

// withSources opens the sources for cfg, runs f on them and closes them.
func withSources(ctx context.Context, cfg *Config, log *slog.Logger, f func(*app.Sources) error) error {
	src, err := openSources(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer src.Close()
	return f(src)
}

// newPipeline builds the live pipeline on the open sources, with o's
// pacing (live.DefaultPace for the console, 0 for the one-shot commands:
// every input joined at once, they want the newest view), tap and ending.
func newPipeline(src *app.Sources, log *slog.Logger, o live.Options) *live.Pipeline {
	o.State, o.Logger = src.StateConfig, log
	if src.Registry != nil {
		o.Registry = src.Registry
	}
	if src.Poller != nil {
		o.HAProxy = src.Poller
	}
	if src.Maintenance != nil {
		o.Maintenance = src.Maintenance.Read
	}
	if src.Fleet != nil {
		o.Fleet = src.Fleet
	}
	return live.New(o)
}

// runPipeline runs p until ctx ends; the returned stop cancels it and waits.
func runPipeline(ctx context.Context, p *live.Pipeline) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	go p.Run(ctx)
	return func() { cancel(); <-p.Done() }
}

// readyFrame runs the pipeline on src until a frame has every source's
// first reading (or its error), or d has passed, and returns the newest
// frame: what `snapshot` and `check` report.
func readyFrame(ctx context.Context, src *app.Sources, d time.Duration, log *slog.Logger) live.Frame {
	return watchFrames(ctx, src, d, 0, log)
}

// watchFrames is readyFrame, then watches the fleet for watch more (from
// its first settled view) and returns the first frame whose fleet view is
// that much newer: a single read cannot tell since when a host disagrees
// with the registry, a watch of the grace period can (check --fleet). The
// whole wait is bounded by d + watch + a minute.
func watchFrames(ctx context.Context, src *app.Sources, d, watch time.Duration, log *slog.Logger) live.Frame {
	p := newPipeline(src, log, live.Options{UntilReady: watch <= 0})
	sub := p.Subscribe()
	defer sub.Close()
	defer runPipeline(ctx, p)()
	readyCtx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var last live.Frame
	for !last.Ready {
		f, ok := sub.Next(readyCtx)
		if !ok {
			return last
		}
		last = f
	}
	if watch <= 0 || last.Fleet == nil {
		return last
	}
	from := last.Fleet.At
	watchCtx, cancel := context.WithTimeout(ctx, watch+time.Minute)
	defer cancel()
	for last.Fleet.At.Sub(from) <= watch {
		f, ok := sub.Next(watchCtx)
		if !ok {
			return last
		}
		last = f
	}
	return last
}

// sourceStatuses describes every source for snapshot and check output.
func sourceStatuses(f live.Frame) []report.SourceStatus {
	var out []report.SourceStatus
	for _, h := range f.Sources() {
		st := report.SourceStatus{Kind: h.Kind, Address: h.Address, State: h.State, Error: h.Err}
		if h.Kind == "haproxy" {
			// The schema's states are the registry's words.
			st.State = string(sources.StateConnected)
			if !h.OK {
				st.State = string(sources.StateDisconnected)
			}
		}
		out = append(out, st)
	}
	return out
}
