package ui

import (
	"sort"
	"strings"

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
func fit(s string, w int, right bool) string {
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

// renderHeader draws the column titles; the sorted column carries an arrow.
func renderHeader(st *Styles, cols []column, widths []int, sortCol int, desc bool) string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", gutterWidth))
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
				txt = cells[i].st.Render(txt)
			}
		} else {
			txt = strings.Repeat(" ", widths[i])
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
