package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/stacktui/stacktui/internal/termtext"
)

// fitGeneral is fit without its printable-ASCII shortcut: clean, measure,
// cut or pad.
func fitGeneral(s string, w int, right bool) string {
	if w <= 0 {
		return ""
	}
	s = termtext.Clean(s)
	sw := ansi.StringWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	pad := strings.Repeat(" ", w-sw)
	if right {
		return pad + s
	}
	return s + pad
}

func TestFitShortcutMatchesGeneralPath(t *testing.T) {
	texts := []string{"", "UP", "down: i-0250-000: Registered but DOWN in HAProxy, so it gets no traffic",
		"▁▂▃▄▅▆▇█", "née", "a\x1b[31mred", "tab\there", "宽字符", strings.Repeat("x", 200)}
	for _, s := range texts {
		for w := -1; w <= 210; w++ {
			for _, right := range []bool{false, true} {
				if got, want := fit(s, w, right), fitGeneral(s, w, right); got != want {
					t.Fatalf("fit(%q, %d, %v) = %q, want %q", s, w, right, got, want)
				}
			}
		}
	}
}

func TestStyledCellsDrawAsLipgloss(t *testing.T) {
	st := NewStyles(PaletteColor, true)
	for round := 0; round < 2; round++ { // drawn, then from the cache
		for _, sty := range []*lipStyle{&st.OK, &st.Bad, &st.Muted} {
			for _, s := range []string{"UP  ", "DOWN", "ok"} {
				if got, want := st.cells.render(sty, s), sty.Render(s); got != want {
					t.Fatalf("round %d: render(%q) = %q, want %q", round, s, got, want)
				}
			}
		}
	}
	if n := len(st.cells.m); n != 9 {
		t.Fatalf("cache holds %d texts, want 9 (3 styles x 3 texts)", n)
	}
	for i := 0; i < maxStyledCells+10; i++ {
		st.cells.render(&st.OK, strings.Repeat("x", i%200)+string(rune('a'+i%26))+strings.Repeat("y", i/200))
	}
	if n := len(st.cells.m); n > maxStyledCells {
		t.Fatalf("cache grew to %d texts, above its bound %d", n, maxStyledCells)
	}
	var none *styledCells // a Styles made by hand: no cache, same text
	if got, want := none.render(&st.Bad, "DOWN"), st.Bad.Render("DOWN"); got != want {
		t.Fatalf("uncached render = %q, want %q", got, want)
	}
}
