package ui

import (
	"slices"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"

	tea "charm.land/bubbletea/v2"
)

// maxHistory bounds the command-line history.
const maxHistory = 100

// commandKey edits the command line; up/down walk the history.
func (m *Model) commandKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	m.status = ""
	switch {
	case key.Matches(msg, k.Complete):
		m.complete()
		return nil
	case key.Matches(msg, k.Dismiss):
		m.mode = modeNormal
		return nil
	case key.Matches(msg, k.Submit):
		m.mode = modeNormal
		line := strings.TrimSpace(m.edit.String())
		if line == "" {
			return nil
		}
		if len(m.history) == 0 || m.history[len(m.history)-1] != line {
			m.history = append(m.history, line)
			if len(m.history) > maxHistory {
				m.history = m.history[1:]
			}
		}
		m.histPos = len(m.history)
		return m.runCommand(line)
	case key.Matches(msg, k.HistoryPrev):
		if m.histPos > 0 {
			m.histPos--
			m.edit.set(m.history[m.histPos])
		}
		return nil
	case key.Matches(msg, k.HistoryNext):
		if m.histPos < len(m.history)-1 {
			m.histPos++
			m.edit.set(m.history[m.histPos])
		} else {
			m.histPos = len(m.history)
			m.edit.set("")
		}
		return nil
	}
	m.edit.key(&k.Edit, msg)
	return nil
}

// verbs are the command line's commands, for completion.
var verbs = []string{"svc", "zk", "haproxy", "events", "cluster", "help", "q"}

// complete is tab on the command line: the verb, or a service name after
// svc, up to the longest prefix the candidates share; when that adds
// nothing, the status line lists them.
func (m *Model) complete() {
	line := m.edit.String()
	verb, arg, hasArg := strings.Cut(line, " ")
	var cands []string
	prefix := line
	switch {
	case !hasArg:
		for _, v := range verbs {
			if strings.HasPrefix(v, verb) {
				cands = append(cands, v)
			}
		}
	case verb == "svc" || verb == "service" || verb == "s":
		prefix = strings.TrimLeft(arg, " ")
		cands = m.serviceNames(prefix)
	default:
		return
	}
	if len(cands) == 0 {
		m.setError(plainf("nothing to complete for %q", prefix))
		return
	}
	common := cands[0]
	for _, c := range cands[1:] {
		for !strings.HasPrefix(c, common) {
			common = common[:len(common)-1]
		}
	}
	if len(cands) == 1 {
		common += " "
	}
	if !hasArg {
		m.edit.set(common)
	} else {
		m.edit.set(verb + " " + common)
	}
	if len(cands) > 1 && common == prefix {
		m.setStatus(plainf("%d: %s", len(cands), shortList(cands, 8)))
	}
}

// serviceNames are the services whose name starts with prefix, in name
// order; an exact match comes first.
func (m *Model) serviceNames(prefix string) []string {
	var out []string
	if m.joined == nil {
		return nil
	}
	for i := range m.joined.Services {
		if n := m.joined.Services[i].Name; strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	if i := slices.Index(out, prefix); i > 0 {
		out[0], out[i] = out[i], out[0]
	}
	return out
}

// openService shows a service's instances, selected in the services view.
func (m *Model) openService(name string) {
	m.overlay = overlayNone
	m.services.selKey = name
	m.services.dirty = true
	m.detail.open(name)
	m.view = viewDetail
	m.layout()
}

// runCommand executes one command line: svc, zk, haproxy, events, q.
func (m *Model) runCommand(line string) tea.Cmd {
	f := strings.Fields(line)
	verb, arg := f[0], ""
	if len(f) > 1 {
		arg = strings.Join(f[1:], " ")
	}
	switch verb {
	case "q", "q!", "quit", "exit":
		return tea.Quit
	case "svc", "service", "s":
		if arg == "" {
			return m.switchView(viewServices)
		}
		names := m.serviceNames(arg)
		switch {
		case len(names) == 1 || len(names) > 1 && names[0] == arg:
			m.openService(names[0])
		case len(names) > 1:
			m.setError(plainf("%d services start with %s: %s (%s completes)", len(names), arg, shortList(names, 4), keyName(m.keys.Complete)))
		default:
			m.setError(plainf("no service named or starting with %s (try / in the services view to search)", arg))
		}
	case "zk", "registry", "reg":
		if !m.zkMode {
			m.setError(":zk needs a ZooKeeper registry")
			return nil
		}
		m.overlay = overlayNone
		m.view = viewRegistry
		if arg == "" {
			arg = m.registry.path
		}
		return m.registry.goTo(arg)
	case "haproxy", "hap", "ha":
		return m.switchView(viewHAProxy)
	case "events", "ev":
		return m.switchView(viewEvents)
	case "cluster":
		return m.switchView(viewCluster)
	case "help", "h":
		m.openHelp()
	default:
		m.setError("unknown command :" + verb + " (try :svc NAME, :zk PATH, :haproxy, :events, :q)")
	}
	return nil
}
