package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// openHelp shows the help page, generated from the key map so it cannot
// disagree with the bindings (and disabled action keys are absent).
func (m *Model) openHelp() {
	var blocks [][]string
	for _, g := range m.keys.Groups() {
		b := []string{m.st.Section.Render(g.Title)}
		for _, k := range g.Bindings {
			h := k.Help()
			b = append(b, fmt.Sprintf("  %s  %s", m.st.Key.Render(fit(h.Key, 10, false)), h.Desc))
		}
		blocks = append(blocks, b)
	}
	var lines []string
	if m.w >= 120 {
		lines = twoColumns(blocks, m.w/2)
	} else {
		for _, b := range blocks {
			lines = append(lines, b...)
			lines = append(lines, "")
		}
	}
	if m.o.ReadOnly {
		lines = append(lines, m.st.Section.Render("Read-only mode"),
			"  Actions are disabled: no write handle exists and the executor refuses every action.", "")
	}
	k := m.keys
	c := keyName(k.Command)
	lines = append(lines, m.st.Section.Render("Filter"),
		"  "+keyName(k.Filter)+" opens the filter: a case-insensitive regular expression; a leading ! shows the rows that do NOT match.",
		"  While typing, every key is text ("+keyName(k.Quit)+", "+keyName(k.Drain)+", … never act); "+
			keyName(k.Submit)+" keeps the filter, "+keyName(k.Dismiss)+" clears it.", "",
		m.st.Section.Render("Command line"),
		"  "+c+"svc NAME   open a service (a prefix will do)   "+c+"zk PATH   browse ZooKeeper at PATH",
		"  "+c+"haproxy    the HAProxy view                    "+c+"events    the events view       "+c+"q  quit",
		"  "+keyName(k.Complete)+" completes commands and service names; "+
			k.HistoryPrev.Help().Key+"/"+k.HistoryNext.Help().Key+" recall earlier commands.")
	m.text.open("Help — stacktui keys", lines)
	m.overlay = overlayHelp
}

// twoColumns lays help blocks out in two columns of width cw, splitting
// them where the line counts balance best.
func twoColumns(blocks [][]string, cw int) []string {
	total := 0
	for _, b := range blocks {
		total += len(b) + 1
	}
	var left, right []string
	for _, b := range blocks {
		if len(left) < total/2 {
			left = append(append(left, b...), "")
		} else {
			right = append(append(right, b...), "")
		}
	}
	out := make([]string, max(len(left), len(right)))
	for i := range out {
		var l, r string
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		out[i] = strings.TrimRight(l+strings.Repeat(" ", max(cw-widthOf(l), 1))+r, " ")
	}
	return out
}

// wrapAll wraps long lines to the width, keeping styles; continuation
// lines keep the first line's indentation (at least two cells) so a
// wrapped item still reads as one.
func wrapAll(lines []string, w int) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if widthOf(l) <= w {
			out = append(out, l)
			continue
		}
		plain := ansi.Strip(l)
		indent := len(plain) - len(strings.TrimLeft(plain, " "))
		if strings.HasPrefix(plain, "[") {
			indent = 6 // diagnose steps: under the text after "[yes] "
		}
		indent = min(max(indent, 2), w/3)
		first := true
		for _, wl := range strings.Split(ansi.Wrap(l, w-indent, ""), "\n") {
			if first {
				out = append(out, wl)
				first = false
				continue
			}
			out = append(out, strings.Repeat(" ", indent)+strings.TrimLeft(wl, " "))
		}
	}
	return out
}
