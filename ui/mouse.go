package ui

import tea "charm.land/bubbletea/v2"

// handleWheel scrolls the list (or page) under the mouse.
func (m *Model) handleWheel(msg tea.MouseWheelMsg) tea.Cmd {
	d := 0
	switch msg.Button {
	case tea.MouseWheelUp:
		d = -3
	case tea.MouseWheelDown:
		d = 3
	default:
		return nil
	}
	if m.overlay != overlayNone {
		m.text.scroll(d)
		return nil
	}
	if m.mode != modeNormal {
		return nil
	}
	return m.moveBy(d)
}

// handleClick selects the clicked row, or switches view on the tab bar.
func (m *Model) handleClick(msg tea.MouseClickMsg) tea.Cmd {
	if m.mode != modeNormal || msg.Button != tea.MouseLeft {
		return nil
	}
	tabY := m.topLines() - 1
	if msg.Y == tabY && m.overlay == overlayNone {
		x := 0
		for _, v := range m.tabs() {
			wd := len(tabLabel(v)) + 3
			if msg.X >= x && msg.X < x+wd {
				return m.switchView(v)
			}
			x += wd
		}
		return nil
	}
	if m.overlay != overlayNone {
		return nil
	}
	l, _ := m.curList()
	if l == nil {
		return nil
	}
	top := m.topLines() + m.rowsTop()
	i := msg.Y - top
	if i < 0 || i >= l.height {
		return nil
	}
	idx := l.offset + i
	if idx >= l.n {
		return nil
	}
	return m.moveTo(idx)
}

// rowsTop is how many body lines precede the first row of the current
// view's list (column header, info lines).
func (m *Model) rowsTop() int {
	switch m.view {
	case viewHAProxy:
		return 1 + haproxyHeaderLines
	case viewRegistry:
		if m.zkMode() {
			return 2
		}
	case viewFleet:
		return 2
	}
	return 1
}
