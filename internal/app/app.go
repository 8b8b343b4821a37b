// Package app wires stacktui's parts from a resolved configuration: the
// registry source (ZooKeeper or Serf), the HAProxy poller, the host's Synapse
// config, the fleet, the SSH connection everything goes through with --ssh,
// and — only in read-write mode — the write handles the executor uses.
// It owns the order of opening and closing, nothing else.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/internal/sshconn"
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
	// NervePIDFile and NervePIDCmd find Nerve's pid for the toggle's
	// SIGHUP (on the SSH host with SSH); at most one is set.
	NervePIDFile, NervePIDCmd string
	// SSH is --ssh [user@]host[:port]: every connection goes through one
	// SSH connection to that host, its files are read there, and actions
	// act there; "" works on this machine. SSHConfig is --ssh-config
	// ("" is ~/.ssh/config).
	SSH, SSHConfig string
	// Fleet, when set, reads many hosts' HAProxy (--fleet).
	Fleet  *FleetSettings
	Logger *slog.Logger
	// IgnoreHostFiles skips $SYNAPSE_CONFIG, /etc/synapse.conf.json and the
	// Nerve equivalents (the demo must not mix in the host's SmartStack).
	IgnoreHostFiles bool
	// OneShot: the caller reads once and exits (snapshot, check). It waits
	// for HAProxy's full read anyway, so no preview is read before it (at
	// 50,000 servers `show servers state` and the proxy rows cost HAProxy a
	// third of the full read, and stacktui their parse and a join).
	OneShot bool
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
	// Where is the host the console works on (this machine, or the SSH
	// host: its name, addresses, how it is reached and its files), and
	// Maintenance reads its durable maintenance in force (spool files,
	// moved-aside Nerve services).
	Where       actions.Where
	Maintenance *maint.Reader
	// NervePID finds Nerve's pid on that host; nil when not configured.
	NervePID actions.PIDSource
	// SSH is the connection everything goes through (--ssh); nil without.
	SSH *sshconn.Conn
	// Fleet reads many hosts' HAProxy (--fleet); nil without.
	Fleet         *Fleet
	StateConfig   state.Config
	ReloadCommand string
	// RestartCommand restarts Synapse: Settings.RestartCmd, else
	// "systemctl restart synapse" when that unit is installed, else "".
	RestartCommand string
	ZKServers      []string
	HAProxyOpts    []client.Options
	Warnings       []string // configuration findings to show the user
	settings       Settings
	// dial opens connections: through SSH, or nil (directly). serfAddr and
	// memberAddrs are where the Serf clients connect: a local forward to
	// the agent with SSH.
	dial        func(context.Context, string, string) (net.Conn, error)
	serfAddr    string
	memberAddrs map[string]string
	once        sync.Once
}

// Open resolves the host's SmartStack files and opens every source. Sources
// connect in the background: a dead ZooKeeper or socket is a state shown in
// the UI, not an error here. Errors are configuration errors — and, with
// --ssh, a host that cannot be reached or whose key is refused
// (*sshconn.HostKeyError): nothing is opened then.
func Open(ctx context.Context, s Settings) (_ *Sources, err error) {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	src := &Sources{settings: s, StateConfig: state.Config{Backends: map[string]string{}}}
	defer func() {
		if err != nil {
			src.Close()
		}
	}()
	fsys := config.Local
	findSynapse, findNerve := config.FindSynapse, config.FindNerve
	src.Where.Host = maint.LocalHost()
	if s.SSH != "" {
		c, err := sshconn.Dial(ctx, sshconn.Options{Target: s.SSH, Files: sshconn.Files{UserConfig: s.SSHConfig}, Logger: s.Logger})
		if err != nil {
			return nil, &ReachError{err}
		}
		src.SSH, src.dial, fsys = c, c.DialContext, c
		host, warning := remoteHost(c)
		if warning != "" {
			src.Warnings = append(src.Warnings, warning)
		}
		src.Where = actions.Where{Host: host, Via: "SSH " + c.Host(), FS: c}
		// The host's own files in the usual places; no environment of ours.
		findSynapse = func(flag string) string { return config.FindIn(c, flag, config.DefaultSynapsePath) }
		findNerve = func(flag string) string { return config.FindIn(c, flag, config.DefaultNervePath) }
	}
	if s.IgnoreHostFiles {
		findSynapse, findNerve = explicitOnly, explicitOnly
	}
	if src.Synapse, src.SynapsePath, err = loadHostFile(findSynapse, s.SynapseConfig, fsys, config.LoadSynapseFS, &src.Warnings); err != nil {
		return nil, err
	}
	warned := len(src.Warnings)
	if src.Nerve, src.NervePath, err = loadHostFile(findNerve, s.NerveConfig, fsys, config.LoadNerveFS, &src.Warnings); err != nil {
		return nil, err
	}
	src.Maintenance = &maint.Reader{Host: src.Where.Host, FS: src.Where.FS, SpoolDir: s.HacheckSpool}
	switch {
	case src.Nerve != nil:
		src.Maintenance.NervePath = src.Nerve.Path
	case len(src.Warnings) > warned:
		src.NerveNote = src.Warnings[len(src.Warnings)-1]
	default:
		src.NerveNote = "no Nerve config found: pass --nerve-config, or set $NERVE_CONFIG; " + config.DefaultNervePath + " is not there"
		if src.SSH != nil {
			src.NerveNote = "no Nerve config found on " + src.Where.Host.Name + ": pass --nerve-config with its path there; " + config.DefaultNervePath + " is not there"
		}
	}
	src.NervePID = src.nervePID(s.NervePIDFile, s.NervePIDCmd)

	zkServers, zkPaths := s.ZK, map[string]string(nil)
	socketSpecs := s.HAProxy
	src.ReloadCommand = s.ReloadCmd
	src.RestartCommand = s.RestartCmd
	if src.RestartCommand == "" && !s.IgnoreHostFiles {
		src.RestartCommand = systemdRestart(fsys, "synapse")
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
		src.HAProxyOpts = append(src.HAProxyOpts, client.Options{Label: label, Address: addr, ReadOnly: s.ReadOnly, Timeout: 5 * time.Second, Dial: src.dial})
	}
	if err := src.forwardSerf(); err != nil {
		return nil, err
	}

	switch {
	case len(zkServers) > 0:
		z, err := zookeeper.Open(ctx, zookeeper.Options{
			Servers: zkServers, Root: s.ZKPath, Paths: zkPaths, Auth: []byte(s.ZKAuth), Logger: s.Logger, Dial: src.dial,
			// A fleet check watches its hosts for a grace period and the
			// registry with them; every other one-shot reads it once.
			Once: s.OneShot && s.Fleet == nil,
		})
		if err != nil {
			return nil, err
		}
		src.Registry, src.Browser, src.ZKServers = z, z, zkServers
	case s.Serf != "":
		sf, err := serf.Open(ctx, serf.Options{Addr: src.serfAddr, Label: s.Serf, AuthKey: s.SerfAuth, Logger: s.Logger})
		if err != nil {
			return nil, err
		}
		src.Registry = sf
	}
	if len(src.HAProxyOpts) > 0 {
		src.Poller = hapoll.New(src.HAProxyOpts, s.Refresh)
		if s.OneShot {
			src.Poller.Strategy.PreviewServers = 0
		}
		src.Poller.Start(ctx)
	}
	if s.Fleet != nil {
		fs := *s.Fleet
		if fs.Logger == nil {
			fs.Logger = s.Logger
		}
		if src.Fleet, err = OpenFleet(ctx, fs, src.Registry, src.StateConfig.Backends, src.dial); err != nil {
			return nil, err
		}
	}
	if src.Registry == nil && src.Poller == nil && src.Fleet == nil {
		return nil, errors.New("nothing to show: give --zk or --serf and/or --haproxy (or a Synapse config with --synapse-config), or the fleet's hosts (--fleet-hosts FILE, --fleet-host HOST); to look around first, run `stacktui demo`")
	}
	return src, nil
}

// forwardSerf sets where the Serf clients connect: the agents themselves,
// or with SSH a local port forwarded to each through the host (Serf's
// client takes no dialer).
func (s *Sources) forwardSerf() error {
	s.serfAddr, s.memberAddrs = s.settings.Serf, s.settings.SerfMemberRPC
	if s.SSH == nil {
		return nil
	}
	if s.settings.Serf != "" {
		local, err := s.SSH.Forward(s.settings.Serf)
		if err != nil {
			return fmt.Errorf("forwarding the Serf agent %s through SSH: %w", s.settings.Serf, err)
		}
		s.serfAddr = local
	}
	s.memberAddrs = map[string]string{}
	for member, addr := range s.settings.SerfMemberRPC {
		local, err := s.SSH.Forward(addr)
		if err != nil {
			return fmt.Errorf("forwarding member %s's Serf agent %s through SSH: %w", member, addr, err)
		}
		s.memberAddrs[member] = local
	}
	return nil
}

// nervePID is where the Nerve toggle finds Nerve's pid on the host, or nil.
func (s *Sources) nervePID(file, command string) actions.PIDSource {
	switch {
	case file != "" && s.SSH != nil:
		return RemotePIDFile(s.SSH, file)
	case file != "":
		return actions.PIDFile(file)
	case command != "" && s.SSH != nil:
		return RemotePIDCommand(s.SSH, command)
	case command != "":
		return actions.PIDCommand(command)
	}
	return nil
}

func explicitOnly(flag string) string { return flag }

// ReachError is a --ssh host that could not be reached, or whose host key
// was refused (an *sshconn.HostKeyError inside): not a bad setting, a host
// to check.
type ReachError struct{ Err error }

func (e *ReachError) Error() string { return e.Err.Error() }
func (e *ReachError) Unwrap() error { return e.Err }

// systemdRestart is "systemctl restart <unit>" when the unit is installed
// on the host fsys is (the service manager's restart), else "".
func systemdRestart(fsys config.FS, unit string) string {
	for _, dir := range []string{"/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"} {
		if _, err := fsys.Stat(dir + "/" + unit + ".service"); err == nil {
			return "systemctl restart " + unit
		}
	}
	return ""
}

// loadHostFile loads the SmartStack file find picks for flag from fsys. A
// file named on the command line must load; one found in the default
// places only adds a warning when it is broken, so a bad /etc file never
// stops the console.
func loadHostFile[T any](find func(string) string, flag string, fsys config.FS, load func(config.FS, string) (*T, error), warnings *[]string) (*T, string, error) {
	path := find(flag)
	if path == "" {
		return nil, "", nil
	}
	v, err := load(fsys, path)
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
	return zookeeper.HealthAllVia(ctx, s.ZKServers, s.dial)
}

// Close closes every source; it is safe to call more than once.
func (s *Sources) Close() {
	s.once.Do(func() {
		if s.Fleet != nil {
			s.Fleet.Close()
		}
		if s.Poller != nil {
			s.Poller.Close()
		}
		if s.Registry != nil {
			_ = s.Registry.Close()
		}
		if s.SSH != nil {
			_ = s.SSH.Close()
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
