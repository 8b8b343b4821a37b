package cmd

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/internal/sshconn"
	"github.com/stacktui/stacktui/sources/fleet"
	"github.com/stacktui/stacktui/state"
)

// Config is every setting stacktui takes, after flags, environment and the
// config file have been merged (flag > env > file > default).
type Config struct {
	ZK           []string
	ZKPath       string
	ZKAuthFile   string
	Serf         string
	SerfAuthFile string
	HAProxy      []string
	Synapse      string
	Nerve        string
	ReadOnly     bool
	Refresh      time.Duration
	AuditLog     string
	ConfigFile   string // the config file actually read, "" when none
	Debug        bool
	HacheckSpool string
	ReloadCmd    string
	Record       string // the console's --record: a trace file to write
	RestartCmd   string
	NervePIDFile string
	NervePIDCmd  string
	// SerfMemberRPC maps other members to their own agents' RPC addresses
	// (--serf-member-rpc node=host:port): t can change their tags too.
	SerfMemberRPC map[string]string
	// SSH is --ssh [user@]host[:port] (everything through one SSH
	// connection to that host); SSHConfig is --ssh-config.
	SSH, SSHConfig string
	// Fleet reads many hosts' HAProxy (--fleet, or --fleet-hosts or
	// --fleet-host given).
	Fleet            bool
	FleetHosts       string
	FleetHostList    []string // --fleet-host
	FleetURL         string
	FleetAuthFile    string
	FleetGrace       time.Duration
	FleetTimeout     time.Duration
	FleetConcurrency int
	// ignoreHostFiles keeps the demo from picking up this host's Synapse and Nerve configs.
	ignoreHostFiles bool
	// oneShot: the command reads once and exits (snapshot, check), so it
	// waits for the full HAProxy read and a preview would only cost time.
	oneShot bool
}

// Setting names, shared by flags, env (STACKTUI_ + upper snake) and the file.
const (
	keyZK           = "zk"
	keyZKPath       = "zk-path"
	keyZKAuthFile   = "zk-auth-file"
	keySerf         = "serf"
	keySerfAuthFile = "serf-auth-file"
	keyHAProxy      = "haproxy"
	keySynapse      = "synapse-config"
	keyNerve        = "nerve-config"
	keyReadOnly     = "read-only"
	keyRefresh      = "refresh"
	keyAuditLog     = "audit-log"
	keyConfig       = "config"
	keyDebug        = "debug"
	keySpool        = "hacheck-spool"
	keyReloadCmd    = "reload-cmd"
	keyRestartCmd   = "restart-synapse-cmd"
	keyNervePIDFile = "nerve-pid-file"
	keyNervePIDCmd  = "nerve-pid-cmd"
	keySerfMember   = "serf-member-rpc"
	keySSH          = "ssh"
	keySSHConfig    = "ssh-config"

	keyFleet            = "fleet"
	keyFleetHosts       = "fleet-hosts"
	keyFleetHost        = "fleet-host"
	keyFleetURL         = "fleet-url"
	keyFleetAuthFile    = "fleet-auth-file"
	keyFleetGrace       = "fleet-grace"
	keyFleetTimeout     = "fleet-timeout"
	keyFleetConcurrency = "fleet-concurrency"
)

// usageError marks a bad flag value or argument: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// addSourceFlags registers the flags every command that reads sources shares.
// Flags that only matter to actions are the console's (addActionFlags).
func addSourceFlags(fs *pflag.FlagSet) {
	fs.String(keyZK, "", "ZooKeeper ensemble, host:port[,host:port...] (env STACKTUI_ZK)")
	fs.String(keyZKPath, "/nerve/services", "ZooKeeper path whose children are services (Nerve layout)")
	fs.String(keyZKAuthFile, "", "file holding the ZooKeeper digest credentials user:password (else user:password itself from $STACKTUI_ZK_AUTH)")
	fs.String(keySerf, "", "Serf agent RPC address host:port (default $SERF_RPC_ADDR)")
	fs.String(keySerfAuthFile, "", "file holding the Serf RPC auth key (else the key itself from $SERF_RPC_AUTH)")
	fs.StringArray(keyHAProxy, nil, "HAProxy stats socket: unix path or host:port, optionally label=ADDR (repeatable)")
	fs.String(keySynapse, "", "Synapse config (default $SYNAPSE_CONFIG, else /etc/synapse.conf.json if present)")
	fs.String(keyNerve, "", "Nerve config (default $NERVE_CONFIG, else /etc/nerve.conf.json if present)")
	fs.Bool(keyReadOnly, false, "monitor only: no write handle is built, the HAProxy session is lowered to user level")
	fs.Duration(keyRefresh, time.Second, "HAProxy poll interval")
	fs.String(keySpool, "/var/spool/hacheck", "hacheck spool directory: read for maintenance in force, written by M")
	fs.String(keySSH, "", "work on this host through one SSH connection, [user@]host[:port] (ssh_config, agent and known_hosts as ssh uses them; an unknown or changed host key is refused)")
	fs.String(keySSHConfig, "", "ssh_config file for --ssh (default ~/.ssh/config, then /etc/ssh/ssh_config)")
}

// addActionFlags registers the flags only actions use: where they are
// audited, the commands they run, the Nerve they signal, the agents they
// change.
func addActionFlags(fs *pflag.FlagSet) {
	fs.String(keyAuditLog, "", "append-only JSON-lines log of every executed action (default under $XDG_STATE_HOME/stacktui)")
	fs.String(keyReloadCmd, "", "command that reloads Synapse/HAProxy (default: the Synapse config's reload_command)")
	fs.String(keyRestartCmd, "", "command that restarts Synapse (default: systemctl restart synapse when that unit is installed)")
	fs.String(keyNervePIDFile, "", "Nerve's pid file, for the service_conf_dir toggle's SIGHUP")
	fs.String(keyNervePIDCmd, "", "command printing Nerve's pid (e.g. \"pgrep -o -f bin/nerve\"), when there is no pid file")
	fs.StringArray(keySerfMember, nil, "another member's own Serf agent, node=host:port (repeatable): t can change that member's tags; its RPC key is $SERF_RPC_AUTH's")
}

// addFleetFlags registers the flags of the fleet view (--fleet): the
// console, snapshot and check.
func addFleetFlags(fs *pflag.FlagSet) {
	fs.Bool(keyFleet, false, "also read every host's HAProxy (hosts from --fleet-hosts and --fleet-host, else every host the registry names), read-only")
	fs.String(keyFleetHosts, "", "file listing the fleet's hosts, one per line, optionally followed by the host's own stats URL (implies --fleet)")
	fs.StringArray(keyFleetHost, nil, "a fleet host, besides those of --fleet-hosts (repeatable or comma-separated; implies --fleet)")
	fs.String(keyFleetURL, fleet.DefaultTemplate, "each host's HAProxy stats page CSV, or tcp://{host}:PORT for a stats socket ({host} is replaced)")
	fs.String(keyFleetAuthFile, "", "file holding the stats pages' login user:password (default $STACKTUI_FLEET_AUTH)")
	fs.Duration(keyFleetGrace, state.DefaultFleetGrace, "how long a host may disagree with the registry before it counts (overdue)")
	fs.Duration(keyFleetTimeout, 0, "bound on one host's read (default three quarters of the refresh, at most 5s)")
	fs.Int(keyFleetConcurrency, fleet.DefaultConcurrency, "how many hosts are read at once")
}

// addGlobalFlags registers the flags of every command.
func addGlobalFlags(fs *pflag.FlagSet) {
	fs.String(keyConfig, "", "config file (default $XDG_CONFIG_HOME/stacktui/config.yaml)")
	fs.Bool(keyDebug, false, "log at debug level")
}

// newViper binds flags, STACKTUI_* environment variables and the config file.
func newViper(fs *pflag.FlagSet) (*viper.Viper, string, error) {
	v := viper.New()
	v.SetEnvPrefix("STACKTUI")
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_"))
	v.AutomaticEnv()
	// Defaults also for commands that lack some flags (demo, version).
	v.SetDefault(keyZKPath, "/nerve/services")
	v.SetDefault(keyRefresh, "1s")
	v.SetDefault(keySpool, "/var/spool/hacheck")
	v.SetDefault(keyFleetURL, fleet.DefaultTemplate)
	v.SetDefault(keyFleetGrace, state.DefaultFleetGrace.String())
	v.SetDefault(keyFleetConcurrency, fleet.DefaultConcurrency)
	if err := v.BindPFlags(fs); err != nil {
		return nil, "", err
	}
	path := v.GetString(keyConfig)
	explicit := path != ""
	if !explicit {
		path = filepath.Join(configDir(), "config.yaml")
	}
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		// The default file is optional: absent, or under a home that is not
		// there or not a directory, it is simply not used.
		if _, statErr := os.Stat(path); !explicit && statErr != nil {
			return v, "", nil
		}
		return nil, "", usagef("config file %s: %v", path, err)
	}
	return v, path, nil
}

// loadConfig merges and validates every setting.
func loadConfig(fs *pflag.FlagSet) (*Config, error) {
	v, file, err := newViper(fs)
	if err != nil {
		return nil, err
	}
	c := &Config{
		ZKPath:       v.GetString(keyZKPath),
		ZKAuthFile:   v.GetString(keyZKAuthFile),
		Serf:         v.GetString(keySerf),
		SerfAuthFile: v.GetString(keySerfAuthFile),
		Synapse:      v.GetString(keySynapse),
		Nerve:        v.GetString(keyNerve),
		ReadOnly:     v.GetBool(keyReadOnly),
		AuditLog:     v.GetString(keyAuditLog),
		ConfigFile:   file,
		Debug:        v.GetBool(keyDebug),
		HacheckSpool: v.GetString(keySpool),
		ReloadCmd:    v.GetString(keyReloadCmd),
		RestartCmd:   v.GetString(keyRestartCmd),
		NervePIDFile: v.GetString(keyNervePIDFile),
		NervePIDCmd:  v.GetString(keyNervePIDCmd),
		SSH:          v.GetString(keySSH),
		SSHConfig:    v.GetString(keySSHConfig),

		Fleet:            v.GetBool(keyFleet),
		FleetHosts:       v.GetString(keyFleetHosts),
		FleetURL:         v.GetString(keyFleetURL),
		FleetAuthFile:    v.GetString(keyFleetAuthFile),
		FleetConcurrency: v.GetInt(keyFleetConcurrency),
	}
	c.FleetHostList = splitList(v.Get(keyFleetHost))
	if c.FleetHosts != "" || len(c.FleetHostList) > 0 {
		c.Fleet = true
	}
	if fs.Lookup(keyFleet) != nil {
		if c.FleetGrace, err = parseDuration(v.Get(keyFleetGrace)); err != nil {
			return nil, usagef("--%s: %v", keyFleetGrace, err)
		}
		if c.FleetTimeout, err = parseDuration(v.Get(keyFleetTimeout)); err != nil {
			return nil, usagef("--%s: %v", keyFleetTimeout, err)
		}
		if !c.Fleet {
			for _, k := range []string{keyFleetURL, keyFleetAuthFile, keyFleetGrace, keyFleetTimeout, keyFleetConcurrency} {
				if fs.Changed(k) {
					return nil, usagef("--%s has no effect without --fleet (or --fleet-hosts, --fleet-host)", k)
				}
			}
		}
	}
	if f := fs.Lookup(keyRecord); f != nil {
		c.Record = f.Value.String() // a flag only: never from the environment or the file
	}
	members, err := parseSerfMembers(splitList(v.Get(keySerfMember)))
	if err != nil {
		return nil, err
	}
	c.SerfMemberRPC = members
	if c.Serf == "" {
		c.Serf = os.Getenv("SERF_RPC_ADDR")
	}
	c.ZK = splitList(v.Get(keyZK))
	c.HAProxy = splitList(v.Get(keyHAProxy))
	refresh, err := parseDuration(v.Get(keyRefresh))
	if err != nil {
		return nil, usagef("--refresh: %v", err)
	}
	c.Refresh = refresh
	return c, c.validate()
}

// parseSerfMembers reads --serf-member-rpc values: node=host:port.
func parseSerfMembers(specs []string) (map[string]string, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, spec := range specs {
		node, addr, ok := strings.Cut(spec, "=")
		if !ok || node == "" || strings.ContainsFunc(node, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return nil, usagef("--%s %q: want node=host:port (the member's name, its agent's RPC address)", keySerfMember, spec)
		}
		if err := validHostPort(addr); err != nil {
			return nil, usagef("--%s %q: %v", keySerfMember, spec, err)
		}
		if _, dup := out[node]; dup {
			return nil, usagef("--%s: member %s given twice", keySerfMember, node)
		}
		out[node] = addr
	}
	return out, nil
}

// splitList accepts a flag's []string, an env string "a,b c" or a YAML list.
func splitList(x any) []string {
	var parts []string
	switch t := x.(type) {
	case nil:
	case string:
		parts = []string{t}
	case []string:
		parts = t
	case []any:
		for _, e := range t {
			parts = append(parts, fmt.Sprint(e))
		}
	default:
		parts = []string{fmt.Sprint(t)}
	}
	var out []string
	for _, p := range parts {
		for _, f := range strings.FieldsFunc(p, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
			out = append(out, f)
		}
	}
	return out
}

func parseDuration(x any) (time.Duration, error) {
	switch t := x.(type) {
	case time.Duration:
		return t, nil
	case int:
		return time.Duration(t) * time.Second, nil
	case float64:
		return time.Duration(t * float64(time.Second)), nil
	}
	s := fmt.Sprint(x)
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(n * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (examples: 1s, 500ms, 2m)", s)
	}
	return d, nil
}

func (c *Config) validate() error {
	for _, hp := range c.ZK {
		if err := validHostPort(hp); err != nil {
			return usagef("--zk %q: %v", hp, err)
		}
	}
	if c.ZKPath == "" || !strings.HasPrefix(c.ZKPath, "/") || (len(c.ZKPath) > 1 && strings.HasSuffix(c.ZKPath, "/")) {
		return usagef("--zk-path %q: must be an absolute ZooKeeper path like /nerve/services", c.ZKPath)
	}
	if c.Serf != "" {
		if err := validHostPort(c.Serf); err != nil {
			return usagef("--serf %q: %v", c.Serf, err)
		}
	}
	if len(c.ZK) > 0 && c.Serf != "" {
		return usagef("--zk and --serf are alternatives: give one registry")
	}
	for _, spec := range c.HAProxy {
		if _, _, err := parseHAProxySpec(spec); err != nil {
			return usagef("--haproxy %q: %v", spec, err)
		}
	}
	if c.NervePIDFile != "" && c.NervePIDCmd != "" {
		return usagef("--%s and --%s are alternatives: give one", keyNervePIDFile, keyNervePIDCmd)
	}
	if c.Refresh < 100*time.Millisecond || c.Refresh > time.Hour {
		return usagef("--refresh %s: must be between 100ms and 1h", c.Refresh)
	}
	// Files read here; with --ssh the Synapse and Nerve configs are the
	// SSH host's, checked there.
	local := map[string]string{keyZKAuthFile: c.ZKAuthFile, keySerfAuthFile: c.SerfAuthFile, keySSHConfig: c.SSHConfig,
		keyFleetHosts: c.FleetHosts, keyFleetAuthFile: c.FleetAuthFile}
	if c.SSH == "" {
		local[keySynapse], local[keyNerve] = c.Synapse, c.Nerve
	}
	for name, f := range local {
		if f == "" {
			continue
		}
		if _, err := os.Stat(f); err != nil {
			return usagef("--%s %s: %v", name, f, errors.Unwrap(err))
		}
	}
	if c.SSH != "" {
		if _, _, _, err := sshconn.ParseTarget(c.SSH); err != nil {
			return usageError{err}
		}
	}
	if c.Fleet {
		if _, err := fleet.ParseTemplate(c.FleetURL); err != nil {
			return usagef("--%s: %v", keyFleetURL, err)
		}
		if _, err := fleet.AddHosts(nil, c.FleetHostList); err != nil {
			return usagef("--%s: %v", keyFleetHost, err)
		}
		if c.FleetGrace < time.Second || c.FleetGrace > 24*time.Hour {
			return usagef("--%s %s: must be between 1s and 24h", keyFleetGrace, c.FleetGrace)
		}
		if c.FleetTimeout < 0 || c.FleetTimeout > time.Minute {
			return usagef("--%s %s: must be between 0 (automatic) and 1m", keyFleetTimeout, c.FleetTimeout)
		}
		if c.FleetConcurrency < 1 || c.FleetConcurrency > 1024 {
			return usagef("--%s %d: must be between 1 and 1024", keyFleetConcurrency, c.FleetConcurrency)
		}
	}
	return nil
}

func validHostPort(hp string) error {
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		return errors.New("want host:port")
	}
	if host == "" {
		return errors.New("missing host")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return nil
}

// parseHAProxySpec validates a --haproxy value: [label=]ADDR. Labels are
// shown on screen and written to the audit log, so they are kept to a plain
// identifier.
func parseHAProxySpec(spec string) (label, addr string, err error) {
	label, addr, err = client.ParseAddress(spec)
	if err != nil {
		return "", "", err
	}
	for _, r := range label {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:/@", r)) {
			return "", "", fmt.Errorf("label %q: use letters, digits and -_.:", label)
		}
	}
	return label, addr, nil
}
