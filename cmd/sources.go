package cmd

import (
	"context"
	"log/slog"
	"time"

	"github.com/stacktui/stacktui/internal/app"
	"github.com/stacktui/stacktui/report"
	"github.com/stacktui/stacktui/sources"
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
	src, err := app.Open(ctx, app.Settings{
		ZK: c.ZK, ZKPath: c.ZKPath, ZKAuth: zkAuth, Serf: c.Serf, SerfAuth: serfAuth,
		HAProxy: c.HAProxy, SynapseConfig: c.Synapse, NerveConfig: c.Nerve,
		ReadOnly: c.ReadOnly, Refresh: c.Refresh, ReloadCmd: c.ReloadCmd, RestartCmd: c.RestartCmd, Logger: log,
		HacheckSpool: c.HacheckSpool, SerfMemberRPC: c.SerfMemberRPC,
		IgnoreHostFiles: c.ignoreHostFiles,
	})
	if err != nil {
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

// waitReady gives every source up to d for its first read.
func waitReady(ctx context.Context, src *app.Sources, d time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	src.WaitReady(ctx)
}

// sourceStatuses describes every source for snapshot and check output.
func sourceStatuses(src *app.Sources) []report.SourceStatus {
	var out []report.SourceStatus
	if src.Registry != nil {
		s := src.Registry.Current()
		out = append(out, report.SourceStatus{Kind: string(s.Kind), Address: s.Address, State: string(s.State), Error: s.Err})
	}
	for _, h := range src.HAProxySnapshots() {
		st := report.SourceStatus{Kind: "haproxy", Address: h.Address, State: string(sources.StateConnected)}
		if h.Err != nil {
			st.State, st.Error = string(sources.StateDisconnected), h.Err.Error()
		}
		out = append(out, st)
	}
	return out
}
