// Package app wires stacktui's parts from a resolved configuration: the
// registry source (ZooKeeper or Serf), the HAProxy poller, the host's Synapse
// config, and — only in read-write mode — the write handles the executor uses.
// It owns the order of opening and closing, nothing else.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/sources/config"
	"github.com/stacktui/stacktui/sources/hapoll"
	"github.com/stacktui/stacktui/sources/maint"
	"github.com/stacktui/stacktui/sources/serf"
	"github.com/stacktui/stacktui/sources/zookeeper"
	"github.com/stacktui/stacktui/state"
)

// Settings is what the command line resolved. Secrets are already read from
// their files or environment; they never come from argv.
type Settings struct {
	ZK            []string
	ZKPath        string
	ZKAuth        string // digest user:password
	Serf          string
	SerfAuth      string
	HAProxy       []string // label=ADDR specs
	SynapseConfig string   // explicit --synapse-config; "" looks in $SYNAPSE_CONFIG and /etc
	NerveConfig   string
	ReadOnly      bool
	Refresh       time.Duration
	ReloadCmd     string
	RestartCmd    string            // restarts Synapse; "" looks for a systemd unit
	HacheckSpool  string            // the hacheck spool, read for maintenance in force
	SerfMemberRPC map[string]string // other members' own agents' RPC addresses, by member
	Logger        *slog.Logger
	// IgnoreHostFiles skips $SYNAPSE_CONFIG, /etc/synapse.conf.json and the
	// Nerve equivalents (the demo must not mix in the host's SmartStack).
	IgnoreHostFiles bool
}

// Sources are the open read handles.
type Sources struct {
	Registry sources.Registry // nil when no registry is configured
	Browser  sources.Browser  // the ZooKeeper tree; nil otherwise
	Poller   *hapoll.Poller   // nil when no HAProxy socket is configured
	Synapse  *config.Synapse  // nil when none was found
	Nerve    *config.Nerve
	// SynapsePath and NervePath are the files they were read from ("" when
	// none), for a recording's header.
	SynapsePath, NervePath string
	// NerveNote says why Nerve is nil: none found, or it could not be read.
	NerveNote string
	// Host is this host (name, addresses), and Maintenance reads its durable
	// maintenance in force (spool files, moved-aside Nerve services).
	Host          sources.Host
	Maintenance   *maint.Reader
	StateConfig   state.Config
	ReloadCommand string
	// RestartCommand restarts Synapse: Settings.RestartCmd, else
	// "systemctl restart synapse" when that unit is installed, else "".
	RestartCommand string
	ZKServers      []string
	HAProxyOpts    []client.Options
	Warnings       []string // configuration findings to show the user
	settings       Settings
	once           sync.Once
}

// Open resolves the host's SmartStack files and opens every source. Sources
// connect in the background: a dead ZooKeeper or socket is a state shown in
// the UI, not an error here. Errors are configuration errors.
func Open(ctx context.Context, s Settings) (*Sources, error) {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	src := &Sources{settings: s, StateConfig: state.Config{Backends: map[string]string{}}}
	findSynapse, findNerve := config.FindSynapse, config.FindNerve
	if s.IgnoreHostFiles {
		findSynapse, findNerve = explicitOnly, explicitOnly
	}
	var err error
	if src.Synapse, src.SynapsePath, err = loadHostFile(findSynapse, s.SynapseConfig, config.LoadSynapse, &src.Warnings); err != nil {
		return nil, err
	}
	warned := len(src.Warnings)
	if src.Nerve, src.NervePath, err = loadHostFile(findNerve, s.NerveConfig, config.LoadNerve, &src.Warnings); err != nil {
		return nil, err
	}
	src.Host = maint.LocalHost()
	src.Maintenance = &maint.Reader{Host: src.Host, SpoolDir: s.HacheckSpool}
	switch {
	case src.Nerve != nil:
		src.Maintenance.NervePath = src.Nerve.Path
	case len(src.Warnings) > warned:
		src.NerveNote = src.Warnings[len(src.Warnings)-1]
	default:
		src.NerveNote = "no Nerve config found: pass --nerve-config, or set $NERVE_CONFIG; " + config.DefaultNervePath + " is not there"
	}

	zkServers, zkPaths := s.ZK, map[string]string(nil)
	socketSpecs := s.HAProxy
	src.ReloadCommand = s.ReloadCmd
	src.RestartCommand = s.RestartCmd
	if src.RestartCommand == "" && !s.IgnoreHostFiles {
		src.RestartCommand = systemdRestart("synapse")
	}
	if syn := src.Synapse; syn != nil {
		src.StateConfig = state.FromSynapse(syn)
		if len(zkServers) == 0 && s.Serf == "" {
			zkServers = syn.ZKServers()
			zkPaths = syn.ZKPaths()
		}
		if len(socketSpecs) == 0 && syn.HAProxy.SocketFilePath != "" {
			socketSpecs = []string{syn.HAProxy.SocketFilePath}
		}
		if src.ReloadCommand == "" {
			src.ReloadCommand = syn.HAProxy.ReloadCommand
		}
	}
	for _, spec := range socketSpecs {
		label, addr, err := client.ParseAddress(spec)
		if err != nil {
			return nil, fmt.Errorf("--haproxy %q: %w", spec, err)
		}
		src.HAProxyOpts = append(src.HAProxyOpts, client.Options{Label: label, Address: addr, ReadOnly: s.ReadOnly, Timeout: 5 * time.Second})
	}

	switch {
	case len(zkServers) > 0:
		z, err := zookeeper.Open(ctx, zookeeper.Options{
			Servers: zkServers, Root: s.ZKPath, Paths: zkPaths, Auth: []byte(s.ZKAuth), Logger: s.Logger,
		})
		if err != nil {
			return nil, err
		}
		src.Registry, src.Browser, src.ZKServers = z, z, zkServers
	case s.Serf != "":
		sf, err := serf.Open(ctx, serf.Options{Addr: s.Serf, AuthKey: s.SerfAuth, Logger: s.Logger})
		if err != nil {
			return nil, err
		}
		src.Registry = sf
	}
	if len(src.HAProxyOpts) > 0 {
		src.Poller = hapoll.New(src.HAProxyOpts, s.Refresh)
		src.Poller.Start(ctx)
	}
	if src.Registry == nil && src.Poller == nil {
		src.Close()
		return nil, errors.New("nothing to show: give --zk or --serf and/or --haproxy (or a Synapse config with --synapse-config); to look around first, run `stacktui demo`")
	}
	return src, nil
}

func explicitOnly(flag string) string { return flag }

// systemdRestart is "systemctl restart <unit>" when the unit is installed
// (the service manager's restart), else "".
func systemdRestart(unit string) string {
	for _, dir := range []string{"/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"} {
		if _, err := os.Stat(dir + "/" + unit + ".service"); err == nil {
			return "systemctl restart " + unit
		}
	}
	return ""
}

// loadHostFile loads the SmartStack file find picks for flag. A file named
// on the command line must load; one found in the default places only adds
// a warning when it is broken, so a bad /etc file never stops the console.
func loadHostFile[T any](find func(string) string, flag string, load func(string) (*T, error), warnings *[]string) (*T, string, error) {
	path := find(flag)
	if path == "" {
		return nil, "", nil
	}
	v, err := load(path)
	if err != nil {
		if flag != "" {
			return nil, "", err
		}
		*warnings = append(*warnings, err.Error())
		return nil, "", nil
	}
	return v, path, nil
}

// Health reads the ZooKeeper ensemble's four-letter-word health, or nil.
func (s *Sources) Health(ctx context.Context) []sources.ServerHealth {
	if len(s.ZKServers) == 0 {
		return nil
	}
	return zookeeper.HealthAll(ctx, s.ZKServers)
}

// Close closes every source; it is safe to call more than once.
func (s *Sources) Close() {
	s.once.Do(func() {
		if s.Poller != nil {
			s.Poller.Close()
		}
		if s.Registry != nil {
			_ = s.Registry.Close()
		}
	})
}

// ReadSecret returns the secret in the environment variable env, else the
// content of file (which must not be readable by other users), else "".
func ReadSecret(env, file string) (string, error) {
	if v := strings.TrimSpace(os.Getenv(env)); v != "" && file == "" {
		return v, nil
	}
	if file == "" {
		return "", nil
	}
	fi, err := os.Stat(file)
	if err != nil {
		return "", err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s is readable by other users (mode %v): chmod 600 it", file, fi.Mode().Perm())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", fmt.Errorf("%s is empty", file)
	}
	return v, nil
}
