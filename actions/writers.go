package actions

import (
	"context"
	"io/fs"
	"syscall"

	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/haproxy/command"
)

// The production writers satisfy the interfaces.
var (
	_ HAProxyWriter = (*client.Conn)(nil)
	_ FileWriter    = OSFiles{}
	_ ProcRunner    = OSProcs{}
)

// Writers are the write-capable handles an Executor applies actions with.
// main constructs them only in read-write mode; a nil field means that kind
// of action is refused with a message naming the missing connection.
type Writers struct {
	HAProxy map[string]HAProxyWriter // by socket label, as in haproxy.Snapshot.Label
	// Serf is the agent stacktui reads the cluster from (--serf).
	Serf SerfWriter
	// SerfMembers are other members' own agents, by member name, that the
	// operator configured (--serf-member-rpc): a member's tags can only be
	// changed through its own agent.
	SerfMembers map[string]SerfWriter
	ZK          ZKWriter
	Files       FileWriter // spool files and Nerve conf moves; OSFiles in production
	Procs       ProcRunner // reload commands and signals; OSProcs in production
	// Where is the host these writers change (the --ssh host, or this
	// machine): the audit log records it with every action.
	Where Where
}

// HAProxyWriter sends one runtime-API command and returns HAProxy's refusal,
// if any, as the error. *client.Conn satisfies it.
type HAProxyWriter interface {
	Exec(ctx context.Context, c command.Command) error
}

// SerfWriter changes one Serf agent: its own member's tags, and user events
// it sends to the cluster. *client.RPCClient of github.com/hashicorp/serf/client
// satisfies it (and, with its Stats, lets a tag action verify which member
// the agent is).
type SerfWriter interface {
	UpdateTags(set map[string]string, del []string) error
	UserEvent(name string, payload []byte, coalesce bool) error
}

// ZKWriter deletes a znode. *zk.Conn of github.com/go-zookeeper/zk satisfies it.
type ZKWriter interface {
	Delete(path string, version int32) error
}

// FileWriter is the small part of the file system that actions change.
type FileWriter interface {
	// ReadFile reads a file (to keep a spool file's creation time).
	ReadFile(path string) ([]byte, error)
	// WriteFile replaces path with data durably (written, synced, renamed).
	WriteFile(path string, data []byte, perm fs.FileMode) error
	// Remove deletes path.
	Remove(path string) error
	// Rename moves oldpath to newpath, refusing to replace an existing newpath.
	Rename(oldpath, newpath string) error
}

// ProcRunner runs the host's commands and signals its processes.
type ProcRunner interface {
	// Run runs command with /bin/sh -c and returns its combined output and
	// exit code; err is set only when it could not be run or was stopped.
	Run(ctx context.Context, command string) (output []byte, exitCode int, err error)
	// Signal sends sig to the process pid.
	Signal(pid int, sig syscall.Signal) error
}

// PIDSource finds a daemon's process id when an action is applied (not when
// it is planned: the daemon may restart in between).
type PIDSource interface {
	PID(ctx context.Context) (int, error)
	// String says where the pid comes from, for the plan ("pid file /run/nerve.pid").
	String() string
}
