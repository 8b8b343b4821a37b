package ui

import (
	"strings"

	"github.com/stacktui/stacktui/internal/termtext"
)

// textPane is a scrollable page of lines: help, diagnose and inspect.
type textPane struct {
	title  string
	lines  []string
	offset int
	height int
}

// scroll moves the page; the title takes the first line of the body, so
// height-1 lines of text are visible.
func (t *textPane) scroll(d int) {
	t.offset = min(max(t.offset+d, 0), max(len(t.lines)-(t.height-1), 0))
}

func (t *textPane) render(st *Styles, w, h int) string {
	var b strings.Builder
	b.WriteString(st.Section.Render(termtext.Clean(t.title))) // titles name services and servers
	more := ""
	if len(t.lines) > h-1 {
		more = "  (j/k to scroll)"
	}
	b.WriteString(st.Muted.Render(more + "  esc closes"))
	b.WriteByte('\n')
	end := min(t.offset+h-1, len(t.lines))
	for i := t.offset; i < end; i++ {
		b.WriteString(t.lines[i])
		b.WriteByte('\n')
	}
	return b.String()
}
