package ui

import tea "charm.land/bubbletea/v2"

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
	lp, ok := m.active().(listPane)
	if !ok {
		return nil
	}
	l := lp.lst()
	i := msg.Y - m.topLines() - lp.rowsTop()
	if i < 0 || i >= l.height {
		return nil
	}
	idx := l.offset + i
	if idx >= l.n {
		return nil
	}
	return m.moveTo(idx)
}
