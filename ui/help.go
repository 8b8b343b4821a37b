package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// openHelp shows the help page, generated from the key map so it cannot
// disagree with the bindings (and disabled action keys are absent).
func (m *Model) openHelp() {
	var lines []string
	for _, g := range m.keys.Groups() {
		lines = append(lines, m.st.Section.Render(g.Title))
		for _, b := range g.Bindings {
			h := b.Help()
			lines = append(lines, fmt.Sprintf("  %s  %s", m.st.Key.Render(fit(h.Key, 10, false)), h.Desc))
		}
		lines = append(lines, "")
	}
	if m.o.ReadOnly {
		lines = append(lines, m.st.Section.Render("Read-only mode"),
			"  Actions are disabled: no write handle exists and the executor refuses every action.", "")
	}
	lines = append(lines, m.st.Section.Render("Filter"),
		"  / opens the filter: a case-insensitive regular expression; a leading ! shows the rows that do NOT match.",
		"  While typing, every key is text (q, d, … never act); enter keeps the filter, esc clears it.", "",
		m.st.Section.Render("Command line"),
		"  :svc NAME   open a service      :zk PATH   browse ZooKeeper at PATH",
		"  :haproxy    the HAProxy view    :events    the events view       :q  quit",
		"  up/down recall earlier commands.")
	m.text = textPane{title: "Help — stacktui keys", lines: wrapAll(lines, m.w), height: m.text.height}
	m.overlay = overlayHelp
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
