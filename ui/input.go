package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// curList returns the current view's list and its key function (nil for
// views without a list).
func (m *Model) curList() (*list, func(int) string) {
	if lp, ok := m.active().(listPane); ok {
		return lp.lst(), lp.keyAt
	}
	return nil, nil
}

// markDirty asks the current pane to rebuild its rows (filter or sort
// changed).
func (m *Model) markDirty() {
	if lp, ok := m.active().(listPane); ok {
		lp.setDirty()
	}
	m.layout()
}

// handleKey is the input state machine and the router. In filter,
// command, prompt and confirm modes every key belongs to that mode; only
// ctrl+c escapes. Otherwise the root takes the keys that reach across
// panes (views, help, the command line, actions) and hands the rest to
// the current pane. Every key is matched through the keymap.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if key.Matches(msg, k.ForceQuit) {
		return tea.Quit
	}
	if plain, split := k.splitEsc(msg); split {
		first := m.handleKey(tea.KeyPressMsg{Code: tea.KeyEscape})
		m.layout()
		return tea.Batch(first, m.handleKey(plain))
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
	case key.Matches(msg, k.Columns) && m.view != viewHAProxy:
		m.setStatus(keyName(k.Columns) + " cycles the HAProxy column sets: press " + keyName(k.View2) + " for the HAProxy view")
	case key.Matches(msg, k.ClearMarks):
		m.clearMarks()
	case key.Matches(msg, k.Command):
		m.mode = modeCommand
		m.edit.set("")
		m.histPos = len(m.history)
	case key.Matches(msg, k.Diagnose):
		m.openDiagnose()
	case key.Matches(msg, k.Copy):
		return m.copySelected()
	case m.view == viewFleet && k.isActionKey(msg):
		m.setError(fleetReadOnly)
	default:
		if cmd, ok := m.actionKey(msg); ok {
			return cmd
		}
		if hint, ok := m.hatopHint(msg); ok {
			// hatop's users reach for its F-keys: say what stacktui uses.
			if m.readOnly {
				m.setError("read-only mode: actions are disabled")
			} else {
				m.setStatus(hint)
			}
			return nil
		}
		if m.readOnly && k.isActionKey(msg) {
			m.setError("read-only mode: actions are disabled")
			return nil
		}
		return m.active().update(msg)
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
		return m.registry.previewCmd()
	}
	return nil
}

// moveTo puts the current list's cursor on row i.
func (m *Model) moveTo(i int) tea.Cmd {
	l, keyAt := m.curList()
	if l == nil {
		return nil
	}
	l.moveTo(i, keyAt)
	if m.view == viewRegistry {
		return m.registry.previewCmd()
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
		if title, lines, ok := m.registry.page(); ok {
			m.text.open(title, lines)
			m.overlay = overlayInspect
			return nil
		}
		return m.registry.open()
	case viewEvents:
		if e := m.events.selected(); e != nil {
			m.text.open(e.pageLines())
			m.overlay = overlayInspect
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
		cmd, _ := m.registry.up()
		return cmd
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

// filterKey edits the filter; it applies live. Nothing typed here can act.
func (m *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	l, _ := m.curList()
	switch {
	case key.Matches(msg, m.keys.Dismiss):
		m.mode = modeNormal
		if l != nil {
			l.filter = filter{}
			m.markDirty()
		}
		return nil
	case key.Matches(msg, m.keys.Submit):
		m.mode = modeNormal
		if l != nil && l.filter.err != "" {
			m.setError(l.filter.err)
		}
		return nil
	}
	if m.edit.key(&m.keys.Edit, msg) && l != nil {
		l.filter = setFilter(m.edit.String())
		m.markDirty()
	}
	return nil
}

// overlayKey scrolls or closes the help, diagnose and inspect pages.
func (m *Model) overlayKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Back, k.Help, k.Open):
		m.overlay = overlayNone
	case key.Matches(msg, k.View1, k.View2, k.View3, k.View4, k.View5, k.NextView, k.PrevView):
		m.overlay = overlayNone
		return m.handleKey(msg)
	default:
		return m.text.update(msg)
	}
	return nil
}

// hatopHint names stacktui's equivalent of one of hatop's action keys
// (which stacktui confirms, showing its scope, before anything is sent).
func (m *Model) hatopHint(msg tea.KeyPressMsg) (string, bool) {
	k := m.keys
	weight := "press " + keyName(k.Weight) + " and type the new weight"
	switch {
	case key.Matches(msg, k.HatopEnableAll):
		return "hatop F1 (enable everywhere): press " + keyName(k.Ready) + " (ready), then " + keyName(k.ConfirmScope) + " in the dialog to widen the scope", true
	case key.Matches(msg, k.HatopDisableAll):
		return "hatop F2 (disable everywhere): press " + keyName(k.Maint) + " (maint) or " + keyName(k.Drain) + " (drain), then " + keyName(k.ConfirmScope) + " in the dialog to widen the scope", true
	case key.Matches(msg, k.HatopEnable):
		return "hatop F9 (enable this backend): press " + keyName(k.Ready) + " (ready)", true
	case key.Matches(msg, k.HatopDisable):
		return "hatop F10 (disable this backend): press " + keyName(k.Maint) + " (maint) or " + keyName(k.Drain) + " (drain)", true
	case key.Matches(msg, k.HatopWeightFull):
		return "hatop F4 (weight 100%): press " + keyName(k.Weight) + " and type 100%", true
	case key.Matches(msg, k.HatopWeightStep):
		return "hatop F5-F8 (weight -10/-1/+1/+10): " + weight, true
	}
	return "", false
}

// copySelected puts the selected row's name on the clipboard with OSC 52,
// which the terminal (not this host) carries out: it works over SSH, and in
// tmux with set-clipboard on.
func (m *Model) copySelected() tea.Cmd {
	name := m.selectedName()
	if name == "" {
		m.setStatus("nothing selected to copy")
		return nil
	}
	m.setStatus(plainf("copied %q (OSC 52: the terminal must allow clipboard writes)", name))
	return tea.SetClipboard(name)
}

// selectedName is what copy takes from the current view: the service, the
// instance's key (service/<name>_<host>:<port>), the HAProxy proxy/server,
// the znode path or member, the event's text.
func (m *Model) selectedName() string {
	switch m.view {
	case viewServices:
		if s := m.services.selected(); s != nil {
			return s.Name
		}
	case viewDetail:
		if in := m.detail.selected(); in != nil {
			return in.Key // unique, and names host:port (a Nerve name alone is not)
		}
	case viewHAProxy:
		if r := m.hap.selected(); r != nil {
			return r.row.Proxy + "/" + r.row.Name()
		}
	case viewRegistry:
		return m.registry.selectedName()
	case viewEvents:
		if e := m.events.selected(); e != nil {
			return e.Text
		}
	}
	return ""
}

// splitEsc reads an esc-prefixed key that no binding claims as what it
// was typed as: Esc, then the key. A terminal cannot tell "alt+2" from Esc
// followed quickly by 2, and over a slow SSH link the two often arrive
// together; dropping both left the user on the wrong screen.
func (k *KeyMap) splitEsc(msg tea.KeyPressMsg) (tea.KeyPressMsg, bool) {
	if msg.Mod&tea.ModAlt == 0 || k.bound(msg) {
		return msg, false
	}
	plain := msg
	plain.Mod &^= tea.ModAlt
	if plain.Text == "" && plain.Mod&^tea.ModShift == 0 {
		switch {
		case plain.Mod&tea.ModShift != 0 && plain.ShiftedCode != 0:
			plain.Text = string(plain.ShiftedCode)
		case plain.Mod == 0 && plain.Code >= ' ' && plain.Code != 0x7f && plain.Code < tea.KeyExtended:
			plain.Text = string(plain.Code)
		}
	}
	return plain, true
}
