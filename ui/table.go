package ui

import (
	"sort"
	"strings"
	"sync"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stacktui/stacktui/internal/termtext"
)

// column describes one table column. Columns that do not fit are dropped,
// highest Prio first, so narrow terminals keep the essential ones and nothing
// ever wraps.
type column struct {
	Title string
	Width int  // display width; the minimum width when Flex
	Flex  bool // shares the width left over
	Max   int  // a flex column's maximum width; 0 is unlimited
	Prio  int  // 0 is always kept; larger numbers are dropped first
	Right bool // right-aligned (numbers)
}

// cell is one rendered cell: text and an optional style (status colours).
type cell struct {
	s  string
	st *lipgloss.Style
}

// gutterWidth is the cursor and mark columns at the start of every row.
const gutterWidth = 2

// layoutColumns returns each column's width for the given total width; 0
// means the column is hidden.
func layoutColumns(cols []column, width int) []int {
	widths := make([]int, len(cols))
	order := make([]int, len(cols))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return cols[order[a]].Prio < cols[order[b]].Prio })
	avail := width - gutterWidth
	used := 0
	for _, i := range order {
		need := cols[i].Width
		if used > 0 {
			need++ // separator
		}
		if used+need > avail {
			if cols[i].Prio == 0 {
				// Essential: squeeze it in (the frame minimum makes this rare).
				widths[i] = max(avail-used-1, 1)
				used = avail
				continue
			}
			break // strictly by priority: a less important column never displaces a more important one
		}
		widths[i] = cols[i].Width
		used += need
	}
	// Share what is left among the shown flex columns; a capped column
	// gives its surplus to the others.
	left := avail - used
	for left > 0 {
		var flex []int
		for i, c := range cols {
			if c.Flex && widths[i] > 0 && (c.Max == 0 || widths[i] < c.Max) {
				flex = append(flex, i)
			}
		}
		if len(flex) == 0 {
			break
		}
		given := 0
		for k, i := range flex {
			share := left / len(flex)
			if k == len(flex)-1 {
				share = left - share*(len(flex)-1)
			}
			if m := cols[i].Max; m > 0 && widths[i]+share > m {
				share = m - widths[i]
			}
			widths[i] += share
			given += share
		}
		if given == 0 {
			break
		}
		left -= given
	}
	return widths
}

// fit pads or truncates the plain text s to exactly w cells. It is where
// every cell is built, so it cleans s (termtext.Clean) before measuring it:
// s never carries styling of its own (styles are applied to fit's result).
// Printable ASCII, nearly every cell, is measured by its length: the
// grapheme walk of ansi.StringWidth was a tenth of an idle frame.
func fit(s string, w int, right bool) string {
	if w <= 0 {
		return ""
	}
	sw := len(s)
	if !printableASCII(s) {
		s = termtext.Clean(s)
		sw = ansi.StringWidth(s)
	} else if sw > w {
		return s[:w-1] + "…" // as ansi.Truncate cuts it
	}
	switch {
	case sw > w:
		return ansi.Truncate(s, w, "…")
	case sw == w:
		return s
	case right:
		return blanks(w-sw) + s
	}
	return s + blanks(w-sw)
}

// printableASCII reports whether s is all printable ASCII: one cell a byte,
// and nothing termtext.Clean would change.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// spaces is the padding blanks and cuts from.
const spaces = "                                                                                                                                "

// blanks is n spaces, without building them for each cell.
func blanks(n int) string {
	if n <= len(spaces) {
		return spaces[:n]
	}
	return strings.Repeat(" ", n)
}

// styledCells caches styled cell texts by style and text: a table draws
// the same few (UP in green, "ok", a muted "-") on row after row, frame
// after frame, and lipgloss measures and builds each anew — at 50,000
// servers that was most of what an idle console's frames cost. The styles
// are immutable once made (NewStylesFor makes a new cache with new ones),
// so a style's address names it.
type styledCells struct {
	mu sync.Mutex // tests draw models in parallel
	m  map[styledKey]string
}

type styledKey struct {
	st *lipgloss.Style
	s  string
}

// maxStyledCells bounds the cache; when full it starts again, so texts
// that come and go (counters) never pile up.
const maxStyledCells = 4096

func newStyledCells() *styledCells { return &styledCells{m: map[styledKey]string{}} }

// render is st.Render(s), from the cache when it was drawn before.
func (c *styledCells) render(st *lipgloss.Style, s string) string {
	if c == nil {
		return st.Render(s)
	}
	k := styledKey{st, s}
	c.mu.Lock()
	v, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return v
	}
	v = st.Render(s)
	k.s = strings.Clone(s) // s may point into a read's rows: keep none of them
	c.mu.Lock()
	if len(c.m) >= maxStyledCells {
		clear(c.m)
	}
	c.m[k] = v
	c.mu.Unlock()
	return v
}

// renderHeader draws the column titles; the sorted column carries an arrow.
func renderHeader(st *Styles, cols []column, widths []int, sortCol int, desc bool) string {
	var b strings.Builder
	b.WriteString(blanks(gutterWidth))
	first := true
	for i, c := range cols {
		if widths[i] == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		t := c.Title
		if i == sortCol {
			if desc {
				t += "▼"
			} else {
				t += "▲"
			}
		}
		b.WriteString(fit(t, widths[i], c.Right))
	}
	return st.ColHeader.Render(b.String())
}

// renderRow draws one row. The selected row is drawn as plain text in the
// Selected style (so per-cell colours cannot cut the highlight), and carries a
// '>' in the gutter so the selection is visible without colour; a marked row
// carries '*'.
func renderRow(st *Styles, cols []column, widths []int, cells []cell, selected, marked bool, width int) string {
	return renderRowFlag(st, cols, widths, cells, selected, marked, 0, width)
}

// renderRowFlag is renderRow with a flag in the mark column when the row
// is not marked: '+' new, '~' changed in the last few seconds (drawn in
// the Changed style, so it shows in colour and without).
func renderRowFlag(st *Styles, cols []column, widths []int, cells []cell, selected, marked bool, flag byte, width int) string {
	var b strings.Builder
	b.Grow(width + 32)
	if selected {
		b.WriteByte('>')
	} else {
		b.WriteByte(' ')
	}
	switch {
	case marked:
		b.WriteByte('*')
	case flag != 0:
		b.WriteByte(flag)
	default:
		b.WriteByte(' ')
	}
	first := true
	for i, c := range cols {
		if widths[i] == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		var txt string
		if i < len(cells) {
			txt = fit(cells[i].s, widths[i], c.Right)
			if !selected && cells[i].st != nil {
				txt = st.cells.render(cells[i].st, txt)
			}
		} else {
			txt = blanks(widths[i])
		}
		b.WriteString(txt)
	}
	line := b.String()
	if selected {
		return st.Selected.Render(line)
	}
	if marked {
		return st.Marked.Render(line)
	}
	if flag != 0 {
		return st.Changed.Render(line)
	}
	return line
}
