package actions

import (
	"fmt"
	"net"
	"slices"
	"strconv"

	"github.com/stacktui/stacktui/haproxy"
)

// Target is one selected HAProxy server row.
type Target struct {
	Socket  string // the snapshot's Label
	Backend string // proxy name
	Server  string // server name, e.g. "host_1.2.3.4:3000"
	Service string // the registry service, when known (for plan texts)
	Addr    string // host:port
}

// String is the target in full: "socket main: svc_a/host_1.2.3.4:3000".
func (t Target) String() string {
	return "socket " + t.Socket + ": " + t.Backend + "/" + t.Server
}

// resolved is one (socket, backend, server) after scope expansion, with the
// row the snapshot showed (nil when the socket has no stats yet).
type resolved struct {
	Target
	row *haproxy.Row
}

// expand turns the selected targets into every server the scope reaches,
// using the snapshots (by Label), without duplicates, in socket then row order.
func expand(targets []Target, scope Scope, snaps []*haproxy.Snapshot) ([]resolved, error) {
	bySocket := map[string]*haproxy.Snapshot{}
	var order []string
	for _, s := range snaps {
		if s == nil {
			continue
		}
		if _, dup := bySocket[s.Label]; !dup {
			order = append(order, s.Label)
		}
		bySocket[s.Label] = s
	}
	seen := map[string]bool{}
	var out []resolved
	add := func(r resolved) {
		k := r.Socket + "\x00" + r.Backend + "\x00" + r.Server
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	for _, t := range targets {
		if err := validTarget(t); err != nil {
			return nil, err
		}
		snap, ok := bySocket[t.Socket]
		if !ok {
			return nil, fmt.Errorf("%s: no HAProxy socket labelled %q is configured", t, t.Socket)
		}
		row := findRow(snap, t.Backend, t.Server)
		if snap.Stats != nil && row == nil {
			return nil, fmt.Errorf("%s is not in that socket's last `show stat`: refresh and select it again", t)
		}
		if scope == ScopeBackend {
			add(resolved{Target: t, row: row})
			continue
		}
		if !slices.Contains(Scopes, scope) {
			return nil, fmt.Errorf("unknown scope %q: choose one of %q", scope, Scopes)
		}
		host, port, ok := serverAddr(t.Addr, t.Server, row)
		if !ok {
			return nil, fmt.Errorf("%s: its address is unknown (not in `show stat`, nor in its name), so which servers are the same instance or host is unknown: choose %q", t, ScopeBackend)
		}
		sockets := []string{t.Socket}
		if scope == ScopeAllSockets || scope == ScopeHostAllSockets {
			sockets = order
		}
		sameHost := scope == ScopeHost || scope == ScopeHostAllSockets
		for _, label := range sockets {
			s := bySocket[label]
			if s.Stats == nil {
				return nil, fmt.Errorf("socket %s has not answered `show stat` yet, so which of its servers are %s is unknown: wait for it or choose %q", label, net.JoinHostPort(host, strconv.Itoa(port)), ScopeBackend)
			}
			for i := range s.Stats.Rows {
				r := &s.Stats.Rows[i]
				if !r.IsServer() {
					continue
				}
				h, p, ok := serverAddr(r.Addr(), r.Name(), nil)
				if ok && h == host && (sameHost || p == port) {
					add(resolved{Target: Target{Socket: label, Backend: r.Proxy, Server: r.Name(), Service: t.Service, Addr: r.Addr()}, row: r})
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no server selected")
	}
	return out, nil
}

// serverAddr is a server's host and port: from its address (Target.Addr or
// the row's `show stat` addr), else from its name in either Synapse order.
func serverAddr(addr, name string, row *haproxy.Row) (string, int, bool) {
	if addr == "" && row != nil {
		addr = row.Addr()
	}
	return ServerAddr(addr, name)
}

// ServerAddr is a server's host and port from its "host:port" address,
// else from its name in either Synapse naming order (haproxy.NameAddr).
func ServerAddr(addr, name string) (string, int, bool) {
	if h, p, err := net.SplitHostPort(addr); err == nil {
		if n, err := strconv.Atoi(p); err == nil && n > 0 {
			return h, n, true
		}
	}
	return haproxy.NameAddr(name)
}

// CountScope is how many servers the targets reach with scope: shown beside
// each scope before one is chosen.
func CountScope(targets []Target, scope Scope, snaps []*haproxy.Snapshot) (int, error) {
	rs, err := expand(targets, scope, snaps)
	return len(rs), err
}

func validTarget(t Target) error {
	if err := haproxy.ValidName(t.Backend); err != nil {
		return fmt.Errorf("backend of %s: %w", t, err)
	}
	if err := haproxy.ValidName(t.Server); err != nil {
		return fmt.Errorf("server of %s: %w", t, err)
	}
	if t.Socket == "" {
		return fmt.Errorf("%s: no socket label", t)
	}
	return nil
}

func findRow(s *haproxy.Snapshot, backend, server string) *haproxy.Row {
	if s == nil || s.Stats == nil {
		return nil
	}
	for i := range s.Stats.Rows {
		r := &s.Stats.Rows[i]
		if r.IsServer() && r.Proxy == backend && r.Name() == server {
			return r
		}
	}
	return nil
}
