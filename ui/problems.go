package ui

import (
	"errors"
	"strings"
	"syscall"

	"github.com/stacktui/stacktui/sources"
)

// problem is a source that cannot be read, in words: what is wrong, and
// the next step. The first screen says it (issue 18 item 2): a start that
// shows nothing must say why.
type problem struct {
	what, next string
}

// problems are the sources never read, each with what is wrong and what to
// do, and — when nothing at all is configured — how to look around anyway.
func (c *common) problems() []problem {
	var out []problem
	if c.reg == nil && len(c.haps) == 0 {
		return []problem{{"no source is configured",
			"give --zk or --serf and/or --haproxy (or --synapse-config); to look around first, run `stacktui demo`"}}
	}
	if r := c.reg; r != nil && (r.LastGood.IsZero() || r.Synced && len(r.Services) == 0) {
		if p, ok := registryProblem(r); ok {
			out = append(out, p)
		}
	}
	for _, s := range c.haps {
		if s != nil && s.Err != nil && s.LastGood.IsZero() {
			out = append(out, haproxyProblem(s.Label, s.Address, s.Err))
		}
	}
	return out
}

// registryProblem reads the registry's error: a wrong address, nothing
// listening, no permission, a path that does not exist. ok is false while
// there is nothing to say yet (a first read under way, no error).
func registryProblem(r *sources.Snapshot) (problem, bool) {
	name := kindName(r.Kind)
	err := r.Err
	low := strings.ToLower(err)
	zk := r.Kind == sources.KindZooKeeper
	switch {
	case strings.Contains(low, "no such host"):
		return problem{plainf("%s host in %s does not resolve (no such host)", name, r.Address),
			"check the host names given to " + flagOf(r.Kind)}, true
	case strings.Contains(low, "connection refused"):
		next := "start ZooKeeper there, or give --zk the right host:port"
		if !zk {
			next = "start the Serf agent with -rpc-addr=" + r.Address + ", or give --serf its RPC address"
		}
		return problem{plainf("nothing listens at %s %s (connection refused)", name, r.Address), next}, true
	case strings.Contains(low, "timeout") || strings.Contains(low, "timed out"):
		return problem{plainf("no answer from %s at %s (timeout)", name, r.Address),
			"check the address, the firewall, and that " + name + " runs there"}, true
	case strings.Contains(low, "not allowed") || strings.Contains(low, "permission denied") || strings.Contains(low, "auth"):
		next := "check --zk-auth-file (digest user:password) against the node's ACL"
		if !zk {
			next = "check --serf-auth-file (or $SERF_RPC_AUTH): the agent's RPC key"
		}
		return problem{plainf("%s at %s refuses stacktui: %s", name, r.Address, err), next}, true
	case strings.Contains(low, "does not exist"):
		what, _, _ := strings.Cut(err, ";")
		return problem{plainf("%s at %s: %s: nothing is registered there", name, r.Address, what),
			"check --zk-path (Nerve's zk_path, /nerve/services by default); stacktui watches it and shows services as they are registered"}, true
	case err != "":
		return problem{plainf("%s at %s: %s", name, r.Address, err), ""}, true
	case r.Synced && len(r.Services) == 0 && len(r.Members) == 0:
		return problem{plainf("%s at %s has no services registered (yet)", name, r.Address),
			"check that Nerve registers here (its zk_hosts and zk_path); stacktui shows services as they are registered"}, true
	}
	return problem{}, false
}

// flagOf names the flag that gives a registry's address.
func flagOf(k sources.Kind) string {
	if k == sources.KindSerf {
		return "--serf"
	}
	return "--zk"
}

// haproxyProblem reads a stats socket's error: the socket missing, no
// permission, nothing listening, not a stats socket, no answer.
func haproxyProblem(label, addr string, err error) problem {
	low := strings.ToLower(err.Error())
	name := "HAProxy"
	if label != "" && label != addr {
		name += " " + label
	}
	switch {
	case errors.Is(err, syscall.ENOENT) || strings.Contains(low, "no such file"):
		return problem{plainf("%s: the socket %s does not exist", name, addr),
			"check the path (--haproxy, or `stats socket` in haproxy.cfg) and that HAProxy runs"}
	case errors.Is(err, syscall.EACCES) || strings.Contains(low, "permission denied"):
		return problem{plainf("%s: not allowed to open %s (permission denied)", name, addr),
			"run as a user in the socket's group (`stats socket … mode 660 group G`), or with sudo"}
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(low, "connection refused"):
		return problem{plainf("%s: nothing listens at %s (connection refused)", name, addr),
			"check that HAProxy runs and that this is its stats socket"}
	case strings.Contains(low, "no such host"):
		return problem{plainf("%s: the host in %s does not resolve (no such host)", name, addr), "check the --haproxy address"}
	case strings.Contains(low, "not answer `prompt`") || strings.Contains(low, "unexpected answer"):
		return problem{plainf("%s: %s is not an HAProxy stats socket", name, addr), "check the address: it must be a `stats socket`"}
	case strings.Contains(low, "timeout") || strings.Contains(low, "timed out"):
		return problem{plainf("%s: no answer from %s (timeout)", name, addr), "check that HAProxy is not stuck or overloaded"}
	}
	return problem{plainf("%s at %s: %v", name, addr, err), ""}
}

// sentence is the problem as one line: what, then the next step.
func (p problem) sentence() string {
	if p.next == "" {
		return p.what
	}
	return p.what + " — " + p.next
}

// problemLines are the problems for an empty Services view: each what is
// wrong, with the next step under it, wrapped to the width.
func (c *common) problemLines(ps []problem, w int) []string {
	var out []string
	for _, p := range ps {
		for i, l := range strings.Split(wrapLines(p.what, w-4, 3), "\n") {
			lead := "  ✗ "
			if i > 0 {
				lead = "    "
			}
			out = append(out, c.st.Bad.Render(lead+l))
		}
		if p.next != "" {
			for _, l := range strings.Split(wrapLines("next: "+p.next, w-4, 3), "\n") {
				out = append(out, "    "+l)
			}
		}
	}
	return out
}
