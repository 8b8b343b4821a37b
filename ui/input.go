package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// curList returns the current view's list and its key function (nil for
// views without a list).
func (m *Model) curList() (*list, func(int) string) {
	switch m.view {
	case viewServices:
		return &m.services.list, m.services.keyAt
	case viewDetail:
		return &m.detail.list, m.detail.keyAt
	case viewHAProxy:
		return &m.hap.list, m.hap.keyAt(m)
	case viewRegistry:
		return &m.registry.list, m.registry.keyAt
	case viewEvents:
		return &m.events.list, m.events.keyAt
	case viewFleet:
		return &m.fleet.list, m.fleet.keyAt
	}
	return nil, nil
}

// markDirty asks the current pane to rebuild its rows (filter or sort
// changed).
func (m *Model) markDirty() {
	switch m.view {
	case viewServices:
		m.services.dirty = true
	case viewDetail:
		m.detail.dirty = true
	case viewHAProxy:
		m.hap.dirty = true
	case viewRegistry:
		m.registry.dirty = true
	case viewEvents:
		m.events.dirty = true
	case viewFleet:
		m.fleet.dirty = true
	}
	m.layout()
}

// handleKey is the input state machine. In filter, command, prompt and
// confirm modes every key belongs to that mode; only ctrl+c escapes.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, m.keys.ForceQuit) {
		return tea.Quit
	}
	switch m.mode {
	case modeFilter:
		return m.filterKey(msg)
	case modeCommand:
		return m.commandKey(msg)
	case modePrompt:
		return m.promptKey(msg)
	case modeConfirm:
		return m.confirmKey(msg)
	}
	if m.overlay != overlayNone {
		return m.overlayKey(msg)
	}
	m.status = ""
	if m.o.Replay != nil {
		if cmd, ok := m.replayKey(msg); ok {
			return cmd
		}
	}
	k := &m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.openHelp()
	case key.Matches(msg, k.View1):
		return m.switchView(viewServices)
	case key.Matches(msg, k.View2):
		return m.switchView(viewHAProxy)
	case key.Matches(msg, k.View3):
		return m.switchView(viewRegistry)
	case key.Matches(msg, k.View4):
		return m.switchView(viewCluster)
	case key.Matches(msg, k.View5):
		return m.switchView(viewEvents)
	case key.Matches(msg, k.View6):
		return m.switchView(viewFleet)
	case key.Matches(msg, k.NextView):
		return m.switchView(m.nextTab(1))
	case key.Matches(msg, k.PrevView):
		return m.switchView(m.nextTab(-1))
	case key.Matches(msg, k.Up):
		return m.moveBy(-1)
	case key.Matches(msg, k.Down):
		return m.moveBy(1)
	case key.Matches(msg, k.Top):
		return m.moveTo(0)
	case key.Matches(msg, k.Bottom):
		return m.moveTo(1 << 30)
	case key.Matches(msg, k.PageUp):
		return m.moveBy(-m.pageSize())
	case key.Matches(msg, k.PageDn):
		return m.moveBy(m.pageSize())
	case key.Matches(msg, k.Open):
		return m.open()
	case key.Matches(msg, k.Back):
		return m.back()
	case key.Matches(msg, k.Filter):
		if l, _ := m.curList(); l != nil {
			m.mode = modeFilter
			m.edit.set(l.filter.text)
		} else {
			m.setStatus("this view has no list to filter")
		}
	case key.Matches(msg, k.Sort), key.Matches(msg, k.SortReverse):
		m.sortKey(key.Matches(msg, k.SortReverse))
	case key.Matches(msg, k.Columns):
		if m.view != viewHAProxy {
			m.setStatus("c cycles the HAProxy column sets: press 2 for the HAProxy view")
			return nil
		}
		m.hap.set = (m.hap.set + 1) % numSets
		m.hap.sort = -1
		m.hap.dirty = true
		m.setStatus("columns: " + setNames[m.hap.set])
	case key.Matches(msg, k.Mark):
		if l, _ := m.curList(); l != nil && l.n > 0 && m.view != viewEvents && m.view != viewFleet {
			l.toggleMark()
			return m.moveTo(l.cursor + 1)
		}
	case key.Matches(msg, k.ClearMarks):
		m.clearMarks()
	case key.Matches(msg, k.Command):
		m.mode = modeCommand
		m.edit.set("")
		m.histPos = len(m.history)
	case key.Matches(msg, k.Diagnose):
		m.openDiagnose()
	default:
		if hint, ok := hatopKeys[msg.String()]; ok {
			// hatop's users reach for its F-keys: say what stacktui uses.
			if m.o.ReadOnly {
				m.setError("read-only mode: actions are disabled")
			} else {
				m.setStatus(hint)
			}
			return nil
		}
		if m.keys.isActionKey(msg.String()) {
			if m.view == viewFleet {
				m.setError(fleetReadOnly)
				return nil
			}
			if m.o.ReadOnly {
				m.setError("read-only mode: actions are disabled")
				return nil
			}
			return m.actionKey(msg.String())
		}
	}
	return nil
}

// switchView changes the top-level view; the service detail stays
// reachable by going back to Services and pressing enter.
func (m *Model) switchView(v viewID) tea.Cmd {
	m.overlay = overlayNone
	m.view = v
	m.layout()
	if v == viewRegistry {
		return m.registry.previewCmd(m)
	}
	return nil
}

func (m *Model) pageSize() int {
	if l, _ := m.curList(); l != nil {
		return max(l.height-1, 1)
	}
	return max(m.bodyHeight()-1, 1)
}

func (m *Model) moveBy(d int) tea.Cmd {
	if m.view == viewCluster {
		m.cluster.offset = max(m.cluster.offset+d, 0)
		return nil
	}
	if l, _ := m.curList(); l != nil {
		return m.moveTo(l.cursor + d)
	}
	return nil
}

func (m *Model) moveTo(i int) tea.Cmd {
	if m.view == viewCluster {
		if i == 0 {
			m.cluster.offset = 0
		} else {
			m.cluster.offset = 1 << 20
		}
		return nil
	}
	l, keyAt := m.curList()
	if l == nil || l.n == 0 {
		return nil
	}
	l.move(min(max(i, 0), l.n-1), keyAt)
	if m.view == viewRegistry {
		return m.registry.previewCmd(m)
	}
	return nil
}

// open is enter: into a service, an instance, a znode or a row.
func (m *Model) open() tea.Cmd {
	switch m.view {
	case viewServices:
		if s := m.services.selected(); s != nil {
			m.detail.open(s.Name)
			m.view = viewDetail
			m.layout()
		}
	case viewDetail:
		if in := m.detail.selected(); in != nil {
			m.openInspect(m.detail.svc, in)
		}
	case viewHAProxy:
		if r := m.hap.selected(); r != nil {
			m.openRowInspect(r)
		}
	case viewRegistry:
		if m.zkMode() && m.registry.n > 0 {
			return m.registry.goTo(m, m.registry.selectedPath())
		}
	}
	return nil
}

// back is esc: clear the filter first, then go up one level.
func (m *Model) back() tea.Cmd {
	if l, _ := m.curList(); l != nil && l.filter.text != "" {
		l.filter = filter{}
		m.markDirty()
		m.setStatus("filter cleared")
		return nil
	}
	switch m.view {
	case viewDetail:
		m.view = viewServices
	case viewRegistry:
		if m.zkMode() && m.registry.path != "/" {
			child := m.registry.path
			cmd := m.registry.goTo(m, parentPath(child))
			m.registry.selKey = baseName(child)
			return cmd
		}
	}
	return nil
}

func parentPath(p string) string {
	for i := len(p) - 1; i > 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return "/"
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// sortKey handles s (next column) and S (reverse).
func (m *Model) sortKey(reverse bool) {
	l, _ := m.curList()
	if l == nil || m.view == viewEvents || m.view == viewRegistry {
		m.setStatus("this view keeps its natural order")
		return
	}
	if reverse {
		if l.sort < 0 {
			l.sort = 0
		}
		l.desc = !l.desc
	} else {
		l.nextSort(m.numCols())
	}
	m.markDirty()
	if l.sort < 0 {
		m.setStatus("sort: natural order")
	}
}

func (m *Model) numCols() int {
	switch m.view {
	case viewServices:
		return len(servicesColumns(m.socketLabels()))
	case viewDetail:
		return len(detailColumns)
	case viewHAProxy:
		return len(hapColumns(m.hap.set, len(m.haps)))
	case viewFleet:
		return len(fleetColumns)
	}
	return 0
}

// filterKey edits the filter; it applies live. Nothing typed here can act.
func (m *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	l, _ := m.curList()
	switch msg.String() {
	case "esc":
		m.mode = modeNormal
		if l != nil {
			l.filter = filter{}
			m.markDirty()
		}
		return nil
	case "enter":
		m.mode = modeNormal
		if l != nil && l.filter.err != "" {
			m.setError(l.filter.err)
		}
		return nil
	}
	if m.edit.key(msg.String(), keyText(msg)) && l != nil {
		l.filter = setFilter(m.edit.String())
		m.markDirty()
	}
	return nil
}

// overlayKey scrolls or closes the help, diagnose and inspect pages.
func (m *Model) overlayKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Back), key.Matches(msg, k.Help), key.Matches(msg, k.Open):
		m.overlay = overlayNone
	case key.Matches(msg, k.Up):
		m.text.scroll(-1)
	case key.Matches(msg, k.Down):
		m.text.scroll(1)
	case key.Matches(msg, k.PageUp):
		m.text.scroll(-m.text.height + 1)
	case key.Matches(msg, k.PageDn):
		m.text.scroll(m.text.height - 1)
	case key.Matches(msg, k.Top):
		m.text.scroll(-1 << 20)
	case key.Matches(msg, k.Bottom):
		m.text.scroll(1 << 20)
	case key.Matches(msg, k.View1, k.View2, k.View3, k.View4, k.View5, k.View6, k.NextView, k.PrevView):
		m.overlay = overlayNone
		return m.handleKey(msg)
	}
	return nil
}

// hatopKeys maps hatop's action keys to a hint naming stacktui's
// equivalent (which is confirmed, and shows its scope, before it is sent).
var hatopKeys = map[string]string{
	"f1":  "hatop F1 (enable everywhere): press r (ready), then s in the dialog to widen the scope",
	"f2":  "hatop F2 (disable everywhere): press m (maint) or d (drain), then s in the dialog to widen the scope",
	"f9":  "hatop F9 (enable this backend): press r (ready)",
	"f10": "hatop F10 (disable this backend): press m (maint) or d (drain)",
	"f4":  "hatop F4 (weight 100%): press w and type 100%",
	"f5":  "hatop F5-F8 (weight -10/-1/+1/+10): press w and type the new weight",
	"f6":  "hatop F5-F8 (weight -10/-1/+1/+10): press w and type the new weight",
	"f7":  "hatop F5-F8 (weight -10/-1/+1/+10): press w and type the new weight",
	"f8":  "hatop F5-F8 (weight -10/-1/+1/+10): press w and type the new weight",
}
