package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// maxHistory bounds the command-line history.
const maxHistory = 100

// commandKey edits the command line; up/down walk the history.
func (m *Model) commandKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.mode = modeNormal
		return nil
	case "enter":
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
	case "up":
		if m.histPos > 0 {
			m.histPos--
			m.edit.set(m.history[m.histPos])
		}
		return nil
	case "down":
		if m.histPos < len(m.history)-1 {
			m.histPos++
			m.edit.set(m.history[m.histPos])
		} else {
			m.histPos = len(m.history)
			m.edit.set("")
		}
		return nil
	}
	m.edit.key(msg.String(), keyText(msg))
	return nil
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
		if m.joined != nil {
			for i := range m.joined.Services {
				if m.joined.Services[i].Name == arg {
					m.overlay = overlayNone
					m.services.selKey = arg
					m.services.dirty = true
					m.detail.open(arg)
					m.view = viewDetail
					m.layout()
					return nil
				}
			}
		}
		m.setError("no service named " + arg + " (try / in the services view to search)")
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
