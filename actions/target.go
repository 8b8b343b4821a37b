package actions

import (
	"fmt"

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
		switch scope {
		case ScopeBackend:
			add(resolved{Target: t, row: row})
		case ScopeSocket, ScopeAllSockets:
			sockets := []string{t.Socket}
			if scope == ScopeAllSockets {
				sockets = order
			}
			for _, label := range sockets {
				s := bySocket[label]
				if s.Stats == nil {
					return nil, fmt.Errorf("socket %s has not answered `show stat` yet, so which of its backends have %s is unknown: wait for it or choose %q", label, t.Server, ScopeBackend)
				}
				for i := range s.Stats.Rows {
					r := &s.Stats.Rows[i]
					if r.IsServer() && r.Name == t.Server {
						add(resolved{Target: Target{Socket: label, Backend: r.Proxy, Server: r.Name, Service: t.Service, Addr: r.Addr}, row: r})
					}
				}
			}
		default:
			return nil, fmt.Errorf("unknown scope %q: choose one of %q, %q, %q", scope, ScopeBackend, ScopeSocket, ScopeAllSockets)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no server selected")
	}
	return out, nil
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
		if r.IsServer() && r.Proxy == backend && r.Name == server {
			return r
		}
	}
	return nil
}
