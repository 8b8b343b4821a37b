package ui

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/state"
)

// actionKey builds the plan for an action key and opens its confirm dialog
// (through a prompt or menu first when the action needs a value). Nothing is
// sent before the user confirms.
func (m *Model) actionKey(k string) tea.Cmd {
	if m.running {
		m.setError("an action is still running: wait for its result")
		return nil
	}
	switch k {
	case "d":
		return m.serverAction(actions.OpDrain, "")
	case "m":
		return m.serverAction(actions.OpMaint, "")
	case "r":
		return m.serverAction(actions.OpReady, "")
	case "x":
		return m.serverAction(actions.OpShutdownSessions, "")
	case "w":
		if _, err := m.targets(); err != nil {
			return m.planFailed(err)
		}
		m.ask("weight (e.g. 10 or 50%):", "", func(v string) tea.Cmd { return m.serverAction(actions.OpWeight, v) })
	case "h":
		if _, err := m.targets(); err != nil {
			return m.planFailed(err)
		}
		m.menu("health: u up · s stopping · d down · o checks on · f checks off", map[string]func() tea.Cmd{
			"u": func() tea.Cmd { return m.serverAction(actions.OpHealthUp, "") },
			"s": func() tea.Cmd { return m.serverAction(actions.OpHealthStopping, "") },
			"d": func() tea.Cmd { return m.serverAction(actions.OpHealthDown, "") },
			"o": func() tea.Cmd { return m.serverAction(actions.OpChecksOn, "") },
			"f": func() tea.Cmd { return m.serverAction(actions.OpChecksOff, "") },
		})
	case "a":
		if _, err := m.targets(); err != nil {
			return m.planFailed(err)
		}
		m.menu("agent: u up · d down · o on · f off", map[string]func() tea.Cmd{
			"u": func() tea.Cmd { return m.serverAction(actions.OpAgentUp, "") },
			"d": func() tea.Cmd { return m.serverAction(actions.OpAgentDown, "") },
			"o": func() tea.Cmd { return m.serverAction(actions.OpAgentOn, "") },
			"f": func() tea.Cmd { return m.serverAction(actions.OpAgentOff, "") },
		})
	case "M":
		svc, port, err := m.maintTarget()
		if err != nil {
			return m.planFailed(err)
		}
		m.ask(fmt.Sprintf("maintenance reason for %s:%d:", svc, port), "", func(reason string) tea.Cmd {
			m.ask("expires after (e.g. 30m, 2h; empty = never):", "", func(exp string) tea.Cmd {
				var d time.Duration
				if exp != "" {
					var err error
					if d, err = time.ParseDuration(exp); err != nil {
						return m.planFailed(fmt.Errorf("expiry %q: use a duration like 30m or 2h", exp))
					}
				}
				a, err := actions.NewMaintenance(m.o.SpoolDir, svc, port, reason, d)
				if err != nil {
					return m.planFailed(err)
				}
				m.confirmAction(a, nil)
				return nil
			})
			return nil
		})
	case "U":
		svc, port, err := m.maintTarget()
		if err != nil {
			return m.planFailed(err)
		}
		a, err := actions.NewMaintenanceUndo(m.o.SpoolDir, svc, port)
		if err != nil {
			return m.planFailed(err)
		}
		m.confirmAction(a, nil)
	case "R":
		a, err := actions.NewReload(m.o.ReloadCommand)
		if err != nil {
			return m.planFailed(err)
		}
		m.confirmAction(a, nil)
	case "t":
		m.ask("Serf tags (key=value sets, -key deletes; space separated):", "", func(v string) tea.Cmd {
			set, del, err := parseTags(v)
			if err != nil {
				return m.planFailed(err)
			}
			a, err := actions.NewSerfTags(set, del)
			if err != nil {
				return m.planFailed(err)
			}
			m.confirmAction(a, nil)
			return nil
		})
	case "E":
		m.ask("Serf user event (name [payload]):", "", func(v string) tea.Cmd {
			name, payload, _ := strings.Cut(v, " ")
			a, err := actions.NewSerfEvent(name, []byte(payload), true)
			if err != nil {
				return m.planFailed(err)
			}
			m.confirmAction(a, nil)
			return nil
		})
	case "X":
		path, name, err := m.zkDeleteTarget()
		if err != nil {
			return m.planFailed(err)
		}
		a, err := actions.NewZKDelete(path, name)
		if err != nil {
			return m.planFailed(err)
		}
		m.confirmAction(a, nil)
	}
	return nil
}

// serverAction plans op on the marked rows (or the selected one) with the
// narrowest scope, and opens the confirm dialog where the scope can widen.
func (m *Model) serverAction(op actions.ServerOp, arg string) tea.Cmd {
	targets, err := m.targets()
	if err != nil {
		return m.planFailed(err)
	}
	haps := m.haps
	rebuild := func(s actions.Scope) (actions.Action, error) {
		return actions.NewServerAction(op, arg, targets, s, haps)
	}
	a, err := rebuild(actions.ScopeBackend)
	if err != nil {
		return m.planFailed(err)
	}
	m.confirmAction(a, rebuild)
	return nil
}

// targets are the HAProxy servers the action keys act on: the marked rows
// of the current view, else the selected row.
func (m *Model) targets() ([]actions.Target, error) {
	var out []actions.Target
	switch m.view {
	case viewDetail:
		ins := m.detail.marked()
		if len(ins) == 0 {
			if in := m.detail.selected(); in != nil {
				ins = append(ins, in)
			}
		}
		for _, in := range ins {
			seen := firstRow(in)
			if seen == nil {
				return nil, fmt.Errorf("%s is not in any HAProxy socket, so there is no server to act on", instName(in))
			}
			out = append(out, actions.Target{Socket: seen.Socket, Backend: seen.Row.Proxy, Server: seen.Row.Name,
				Service: m.detail.service, Addr: seen.Row.Addr})
		}
	case viewHAProxy:
		rows := m.hap.marked(m)
		if len(rows) == 0 {
			if r := m.hap.selected(); r != nil {
				rows = append(rows, *r)
			}
		}
		for _, r := range rows {
			if !r.row.IsServer() {
				return nil, fmt.Errorf("%s/%s is not a server: select a server row", r.row.Proxy, r.row.Name)
			}
			out = append(out, actions.Target{Socket: m.haps[r.sock].Label, Backend: r.row.Proxy, Server: r.row.Name, Addr: r.row.Addr})
		}
	default:
		return nil, fmt.Errorf("server actions work on servers: open a service (enter) or the HAProxy view (2)")
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no server selected")
	}
	return out, nil
}

// marked returns the marked instances in display order.
func (p *detailPane) marked() []*state.Instance {
	var out []*state.Instance
	if len(p.marks) == 0 {
		return nil
	}
	for _, in := range p.rows {
		if p.marks[in.Key] {
			out = append(out, in)
		}
	}
	return out
}

// marked returns the marked rows in display order.
func (p *haproxyPane) marked(m *Model) []hapRow {
	if len(p.marks) == 0 {
		return nil
	}
	keyAt := p.keyAt(m)
	var out []hapRow
	for i := range p.rows {
		if p.marks[keyAt(i)] {
			out = append(out, p.rows[i])
		}
	}
	return out
}

// maintTarget is the service and port hacheck maintenance applies to: the
// selected instance's.
func (m *Model) maintTarget() (string, int, error) {
	if m.o.SpoolDir == "" {
		return "", 0, fmt.Errorf("no hacheck spool directory configured (--hacheck-spool)")
	}
	if m.view != viewDetail {
		return "", 0, fmt.Errorf("hacheck maintenance applies to an instance: open a service (enter) and select one")
	}
	in := m.detail.selected()
	if in == nil {
		return "", 0, fmt.Errorf("no instance selected")
	}
	port := 0
	if in.Registration != nil {
		port = in.Registration.Port
	} else if addr := instAddr(in); addr != "" {
		if i := strings.LastIndexByte(addr, ':'); i >= 0 {
			port, _ = strconv.Atoi(addr[i+1:])
		}
	}
	return m.detail.service, port, nil
}

// zkDeleteTarget is the znode X deletes: the selected znode in the
// registry view, or the selected instance's registration.
func (m *Model) zkDeleteTarget() (string, string, error) {
	switch m.view {
	case viewRegistry:
		if m.zkMode() && m.registry.n > 0 {
			p := m.registry.selectedPath()
			return p, baseName(p), nil
		}
	case viewDetail:
		if in := m.detail.selected(); in != nil && in.Registration != nil && in.Registration.Path != "" {
			name := in.Registration.Name
			if name == "" {
				name = in.Registration.Node
			}
			return in.Registration.Path, name, nil
		}
	}
	return "", "", fmt.Errorf("X deletes a ZooKeeper registration: select an instance (detail view) or a znode (view 3)")
}

// parseTags reads "k=v k2=v2 -k3".
func parseTags(s string) (map[string]string, []string, error) {
	set := map[string]string{}
	var del []string
	for _, f := range strings.Fields(s) {
		if strings.HasPrefix(f, "-") {
			del = append(del, f[1:])
			continue
		}
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, nil, fmt.Errorf("tag %q: write key=value to set or -key to delete", f)
		}
		set[k] = v
	}
	if len(set) == 0 && len(del) == 0 {
		return nil, nil, fmt.Errorf("no tags given")
	}
	sort.Strings(del)
	return set, del, nil
}
