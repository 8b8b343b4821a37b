package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// View renders the whole screen from model state.
func (m *Model) View() (v tea.View) {
	defer func() {
		if r := recover(); r != nil {
			m.log.Error("panic in View", "panic", fmt.Sprint(r), "stack", stack())
			v = tea.NewView(plainf("stacktui: internal error while drawing: %v", r) + "\n(details in the log file; press q to quit)")
			v.AltScreen = true
		}
	}()
	v = tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "stacktui"
	return v
}

// render builds the screen text; split from View so tests and benchmarks
// can read it directly.
func (m *Model) render() string {
	if m.w < minWidth || m.h < minHeight {
		// Word-wrapped, so even 20x5 shows the whole sentence.
		return wrapLines(fmt.Sprintf("terminal too small (need %dx%d)", minWidth, minHeight), max(m.w, 1), max(m.h, 1))
	}
	var b strings.Builder
	b.Grow(m.w * m.h * 2)
	b.WriteString(m.clip(m.renderHeader()))
	b.WriteByte('\n')
	for _, l := range m.bannerLines() {
		b.WriteString(m.clip(m.st.Banner.Render(l)))
		b.WriteByte('\n')
	}
	b.WriteString(m.clip(m.renderTabs()))
	b.WriteByte('\n')
	bh := m.bodyHeight()
	body := m.renderBody(bh)
	m.writeLines(&b, body, bh)
	b.WriteString(m.clip(m.renderFooter()))
	return b.String()
}

// writeLines writes exactly n lines of body (padding with empty lines and
// truncating long ones) so the footer never moves.
func (m *Model) writeLines(b *strings.Builder, body string, n int) {
	w := m.w
	lines := strings.Split(body, "\n")
	for i := 0; i < n; i++ {
		if i < len(lines) {
			l := m.guardLine(lines[i])
			if len(l) > w { // cheap check first: bytes >= cells
				if ansi.StringWidth(l) > w {
					l = ansi.Truncate(l, w, "")
				}
			}
			b.WriteString(l)
		}
		b.WriteByte('\n')
	}
}

func (m *Model) renderBody(h int) string {
	switch {
	case m.mode == modeConfirm && m.confirm != nil:
		return m.confirm.view(m.w, h)
	case m.mode == modePrompt && m.prompt != nil && len(m.prompt.info) > 0:
		return m.prompt.view(m.w, h)
	case m.overlay != overlayNone:
		return m.text.view(m.w, h)
	}
	return m.active().view(m.w, h)
}
