package actions

import (
	"os"

	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/sources/config"
)

// Where is the host actions work on: the machine stacktui runs on (the
// zero Where), or the host reached with --ssh, whose files, commands and
// daemons the actions then change through that one SSH connection (the
// executor's Writers are that host's). Plans name it, the audit log
// records it, and what a plan reads beforehand (the hacheck spool, Nerve's
// config and service_conf_dir) is read there.
type Where struct {
	// Host is the host: its name names it in plans, its addresses tell its
	// own instances from other hosts'. A zero Name is this machine's
	// hostname.
	Host sources.Host
	// Via says how the host is reached, for plans and the audit log, e.g.
	// "SSH deploy@web-3 (10.0.0.3:22)"; "" on this machine.
	Via string
	// FS reads the host's files while planning; nil is this machine's.
	FS config.FS
}

// Remote reports whether the host is reached through SSH.
func (w Where) Remote() bool { return w.Via != "" }

// Name is the host's name as plans show it.
func (w Where) Name() string {
	switch {
	case w.Host.Name != "":
		return w.Host.Name
	case w.Remote():
		return "the SSH host"
	}
	return hostname()
}

// Describe names the host with the way it is reached: "web-3 (through SSH
// deploy@web-3)", or this machine's hostname.
func (w Where) Describe() string {
	if !w.Remote() {
		return w.Name()
	}
	return w.Name() + " (through " + w.Via + ")"
}

// here is how a plan's title names the host: "this host" on this machine,
// else its name.
func (w Where) here() string {
	if !w.Remote() {
		return "this host"
	}
	return w.Name()
}

// on is " on <host>" for a plan's targets.
func (w Where) on() string { return " on " + w.Describe() }

// fs is the host's file system for planning.
func (w Where) fs() config.FS {
	if w.FS == nil {
		return config.Local
	}
	return w.FS
}

// hostname is this machine's name for plans.
func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "this host"
	}
	return h
}
