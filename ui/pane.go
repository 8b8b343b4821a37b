package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// pane is one view below the tabs. It owns its state, handles the keys the
// root routes to it and its own messages in update, and draws itself in
// view; it shares the common value and never sees the root model.
type pane interface {
	update(msg tea.Msg) tea.Cmd
	view(w, h int) string
}

// listPane is a pane of rows: cursor, filter, marks and sort (list).
type listPane interface {
	pane
	lst() *list
	keyAt(i int) string
	// rebuild recomputes the filtered, sorted rows when the data changed.
	rebuild()
	setDirty()
	// rowsTop is how many body lines precede the first row.
	rowsTop() int
}

// listKeys handles the keys every list has: movement, marks (when
// markable) and sort over ncols columns (0: the pane keeps its natural
// order). It reports whether msg was one of them and whether the rows must
// be rebuilt (the sort changed).
func listKeys(c *common, l *list, msg tea.KeyPressMsg, keyAt func(int) string, ncols int, markable bool) (handled, resort bool) {
	k := c.keys
	switch {
	case key.Matches(msg, k.Up):
		l.moveTo(l.cursor-1, keyAt)
	case key.Matches(msg, k.Down):
		l.moveTo(l.cursor+1, keyAt)
	case key.Matches(msg, k.Top):
		l.moveTo(0, keyAt)
	case key.Matches(msg, k.Bottom):
		l.moveTo(l.n-1, keyAt)
	case key.Matches(msg, k.PageUp):
		l.moveTo(l.cursor-l.page(), keyAt)
	case key.Matches(msg, k.PageDn):
		l.moveTo(l.cursor+l.page(), keyAt)
	case key.Matches(msg, k.Mark):
		if !markable || l.n == 0 {
			return false, false
		}
		l.toggleMark()
		l.moveTo(l.cursor+1, keyAt)
	case key.Matches(msg, k.Sort, k.SortReverse):
		if ncols == 0 {
			c.setStatus("this view keeps its natural order")
			return true, false
		}
		if key.Matches(msg, k.SortReverse) {
			if l.sort < 0 {
				l.sort = 0
			}
			l.desc = !l.desc
		} else {
			l.nextSort(ncols)
		}
		if l.sort < 0 {
			c.setStatus("sort: natural order")
		}
		return true, true
	default:
		return false, false
	}
	return true, false
}

// wheel scrolls a list by the mouse wheel: three rows a notch.
func wheel(l *list, msg tea.MouseWheelMsg, keyAt func(int) string) {
	switch msg.Button {
	case tea.MouseWheelUp:
		l.moveTo(l.cursor-3, keyAt)
	case tea.MouseWheelDown:
		l.moveTo(l.cursor+3, keyAt)
	}
}
