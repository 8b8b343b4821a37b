package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/stacktui/stacktui/internal/termtext"
)

// textPane is a scrollable page of lines: help, diagnose, inspect and an
// action's output. The root opens and closes it; it scrolls itself.
type textPane struct {
	c      *common
	title  string
	lines  []string
	offset int
	height int
}

// open shows a new page from its top.
func (t *textPane) open(title string, lines []string) {
	t.title, t.lines, t.offset = title, wrapAll(lines, t.c.w), 0
}

// update scrolls the page by the movement keys and the wheel.
func (t *textPane) update(msg tea.Msg) tea.Cmd {
	scrollPage(t.c.keys, msg, t.height, t.scroll)
	return nil
}

// scrollPage scrolls a page of height lines by the movement keys and the
// wheel (top and bottom are scrolls far enough to reach them); it reports
// whether msg was one of them.
func scrollPage(k *KeyMap, msg tea.Msg, height int, scroll func(int)) bool {
	page := max(height-1, 1)
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			scroll(-3)
		case tea.MouseWheelDown:
			scroll(3)
		default:
			return false
		}
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Up):
			scroll(-1)
		case key.Matches(msg, k.Down):
			scroll(1)
		case key.Matches(msg, k.PageUp):
			scroll(-page)
		case key.Matches(msg, k.PageDn):
			scroll(page)
		case key.Matches(msg, k.Top):
			scroll(-1 << 20)
		case key.Matches(msg, k.Bottom):
			scroll(1 << 20)
		default:
			return false
		}
	default:
		return false
	}
	return true
}

// scroll moves the page; the title takes the first line of the body, so
// height-1 lines of text are visible.
func (t *textPane) scroll(d int) {
	t.offset = min(max(t.offset+d, 0), max(len(t.lines)-(t.height-1), 0))
}

func (t *textPane) view(w, h int) string {
	st, k := &t.c.st, t.c.keys
	var b strings.Builder
	b.WriteString(st.Section.Render(termtext.Clean(t.title))) // titles name services and servers
	more := ""
	if per := max(h-1, 1); len(t.lines) > per {
		// Which page of how many: at 80x24 help takes three.
		pages := (len(t.lines) + per - 1) / per
		page := min(t.offset/per+1, pages)
		if t.offset+per >= len(t.lines) {
			page = pages
		}
		more = fmt.Sprintf("  page %d/%d (%s next, %s/%s scroll)", page, pages, keyName(k.PageDn), keyName(k.Down), keyName(k.Up))
	}
	b.WriteString(st.Muted.Render(more + "  " + keyName(k.Back) + " closes"))
	b.WriteByte('\n')
	end := min(t.offset+h-1, len(t.lines))
	for i := t.offset; i < end; i++ {
		b.WriteString(t.lines[i])
		b.WriteByte('\n')
	}
	return b.String()
}
