package ui

import (
	"fmt"
	"github.com/charmbracelet/x/ansi"
	"runtime/debug"
	"strings"
	"time"

	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/sources"
)

func stack() string { return string(debug.Stack()) }

// kindName is a registry kind as people write it.
func kindName(k sources.Kind) string {
	switch k {
	case sources.KindZooKeeper:
		return "ZooKeeper"
	case sources.KindSerf:
		return "Serf"
	}
	if k == "" {
		return "registry"
	}
	return string(k)
}

// renderHeader is the first line: name, RO badge and each source's state.
func (m *Model) renderHeader() string {
	var b strings.Builder
	b.WriteString(m.st.Title.Render("stacktui"))
	if m.o.ReadOnly {
		b.WriteString(" ")
		b.WriteString(m.st.Badge.Render(" RO "))
	}
	if r := m.replayBadge(); r != "" {
		b.WriteString(" " + r)
	}
	if m.reg != nil {
		b.WriteString("  ")
		st := string(m.reg.State)
		if m.reg.State == sources.StateConnected && !m.reg.Synced {
			st = "syncing"
		}
		txt := plainf("%s %s: %s", kindName(m.reg.Kind), m.reg.Address, st)
		b.WriteString(m.stateStyle(!m.reg.Stale()).Render(txt))
	} else {
		b.WriteString("  no registry")
	}
	if len(m.haps) == 0 {
		b.WriteString("  no HAProxy")
	}
	var bad []string
	ok := 0
	for _, s := range m.haps {
		if s == nil {
			continue
		}
		state := "ok"
		switch {
		case s.Err != nil:
			state = "unreachable"
		case s.Stats == nil:
			state = "connecting"
		case s.Preview:
			state = "reading counters" // states are in; counters follow within a second
		}
		if state == "ok" || s.Preview {
			ok++
		} else {
			bad = append(bad, plainf("%s: %s", s.Label, state))
		}
		if len(m.haps) == 1 {
			lvl := ""
			if s.Level != "" {
				lvl = "/" + string(s.Level)
			}
			b.WriteString("  ")
			b.WriteString(m.stateStyle(state == "ok" || s.Preview).Render(plainf("haproxy %s%s: %s", s.Label, lvl, state)))
			return b.String()
		}
	}
	if len(m.haps) > 1 {
		// Several sockets: a count, and only the ones in trouble by name.
		b.WriteString("  ")
		b.WriteString(m.stateStyle(len(bad) == 0).Render(fmt.Sprintf("haproxy %d/%d ok", ok, len(m.haps))))
		if len(bad) > 0 {
			b.WriteString(" ")
			b.WriteString(m.st.Bad.Render(strings.Join(bad, ", ")))
		}
	}
	return b.String()
}

// bannerText says which sources are stale and for how long, plus the demo
// banner; "" when all is well.
func (m *Model) bannerText() string {
	var parts []string
	if r := m.replayBanner(); r != "" {
		parts = append(parts, r)
	}
	// The caller's line first: the demo's, or the SSH connection's, whose
	// outage is the cause of every source's below.
	if m.o.Banner != nil {
		if t := m.o.Banner(); t != "" {
			parts = append(parts, t)
		}
	}
	now := m.now()
	if m.reg != nil && m.reg.Stale() {
		name := kindName(m.reg.Kind)
		p, known := registryProblem(m.reg)
		switch {
		case m.reg.LastGood.IsZero() && known:
			parts = append(parts, p.sentence()) // what is wrong and what to do, before any raw error
		case m.reg.State == sources.StateConnected || m.reg.State == sources.StateConnecting && m.reg.LastGood.IsZero():
			parts = append(parts, fmt.Sprintf("%s: first read in progress", name))
		case m.reg.LastGood.IsZero():
			parts = append(parts, fmt.Sprintf("%s %s — nothing read yet%s", name, words(m.reg.State), errSuffix(m.reg.Err)))
		default:
			parts = append(parts, fmt.Sprintf("%s %s for %s — showing last known state%s", name, words(m.reg.State),
				age(now.Sub(m.reg.LastGood)), errSuffix(m.reg.Err)))
		}
	} else if m.reg != nil && m.reg.Synced && len(m.reg.Services) == 0 {
		if p, ok := registryProblem(m.reg); ok {
			parts = append(parts, p.sentence()) // read, and empty: say why
		}
	}
	for _, s := range m.haps {
		if s == nil || s.Err == nil {
			continue
		}
		p := haproxyProblem(s.Label, s.Address, s.Err)
		if s.LastGood.IsZero() {
			parts = append(parts, p.sentence())
		} else {
			parts = append(parts, fmt.Sprintf("HAProxy %s unreachable for %s, showing last known state: %s", s.Label, age(now.Sub(s.LastGood)), p.sentence()))
		}
	}
	return termtext.Clean(strings.Join(parts, " · "))
}

// bannerLines is the banner wrapped to the width, at most three lines, so
// the next step is not cut off behind a long path.
func (m *Model) bannerLines() []string {
	bt := m.bannerText()
	if bt == "" {
		return nil
	}
	return strings.Split(wrapLines(bt, max(m.w, 1), 3), "\n")
}

// words turns a connection state into a phrase for the banner.
func words(s sources.ConnState) string {
	switch s {
	case sources.StateExpired:
		return "session expired"
	case sources.StateAuthFailed:
		return "authentication failed"
	case sources.StateConnecting, sources.StateReconnecting, sources.StateDisconnected:
		return "unreachable"
	case sources.StateClosed:
		return "closed"
	}
	return string(s)
}

func errSuffix(e string) string {
	if e == "" {
		return ""
	}
	return ": " + e
}

// age is a short duration: 14s, 3m, 2h, 4d.
func age(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// renderTabs is the view bar. The active tab is in brackets as well as
// highlighted, so it reads without colour.
func (m *Model) renderTabs() string {
	var b strings.Builder
	cur := m.view
	if cur == viewDetail {
		cur = viewServices
	}
	for _, i := range m.tabs() {
		label := tabLabel(i)
		if i == cur {
			b.WriteString(m.st.TabActive.Render("[" + label + "]"))
		} else {
			b.WriteString(m.st.TabInactive.Render(" " + label + " "))
		}
		b.WriteByte(' ')
	}
	if m.view == viewDetail {
		b.WriteString(m.st.Muted.Render("› " + termtext.Clean(m.detail.service)))
	}
	switch m.overlay {
	case overlayHelp:
		b.WriteString(m.st.Muted.Render(" › help"))
	case overlayDiagnose:
		b.WriteString(m.st.Muted.Render(" › diagnose"))
	case overlayInspect:
		b.WriteString(m.st.Muted.Render(" › inspect"))
	case overlayOutput:
		b.WriteString(m.st.Muted.Render(" › output"))
	}
	return b.String()
}

// renderFooter is the input line in filter/command/prompt modes, else the
// status message, else key hints and the list position.
func (m *Model) renderFooter() string {
	k := m.keys
	switch m.mode {
	case modeFilter:
		return "/" + m.edit.view() + m.st.Muted.Render("   "+keyName(m.keys.Submit)+" keep · "+keyName(m.keys.Dismiss)+" clear · ! inverts")
	case modeCommand:
		if m.status != "" { // what tab found
			return ":" + m.edit.view() + "   " + m.st.Muted.Render(termtext.Clean(m.status))
		}
		return ":" + m.edit.view() + m.st.Muted.Render("   svc NAME · zk PATH · haproxy · events · q · "+keyName(m.keys.Complete)+" completes")
	case modePrompt:
		if m.prompt != nil && m.prompt.choices != nil {
			return termtext.Clean(m.prompt.label) + m.st.Muted.Render("   "+keyName(k.Dismiss)+" cancel")
		}
		if m.prompt != nil {
			return termtext.Clean(m.prompt.label) + " " + m.edit.view() + m.st.Muted.Render("   "+keyName(k.Submit)+" ok · "+keyName(k.Dismiss)+" cancel")
		}
	case modeConfirm:
		if m.confirm != nil && m.confirm.plan.ConfirmText != "" {
			return m.st.Muted.Render("type the name · " + keyName(k.Dismiss) + " cancel · " + keyName(k.ConfirmFocus) + " moves focus · " + keyName(k.Submit) + " presses the focused button")
		}
		return m.st.Muted.Render(keyName(k.ConfirmYes) + " execute · " + keyName(k.ConfirmNo) + "/" + keyName(k.Dismiss) + " cancel · " + keyName(k.ConfirmFocus) + " moves focus · " + keyName(k.Submit) + " presses the focused button")
	}
	var right, marks string
	if l, _ := m.curList(); l != nil && m.overlay == overlayNone {
		right = fmt.Sprintf("%d/%d", min(l.cursor+1, l.n), l.n)
		if l.filter.text != "" {
			right = "filter " + termtext.Clean(l.filter.text) + "  " + right
		}
		marks = m.marksText(l)
	}
	left := termtext.Clean(m.status) // statuses quote names, replies and errors
	if left != "" {
		if m.statusErr {
			left = m.st.Error.Render(left)
		}
	} else {
		left = m.st.Footer.Render(hints(k.Help, k.Filter, k.Command, k.Open, k.Back, k.Quit))
	}
	if marks != "" {
		// Marks decide what the next action acts on: they never drop off
		// the footer, a long status gives way instead.
		marks = m.st.Warn.Render(marks)
		right = marks + "  " + right
		if widthOf(left)+widthOf(right)+2 > m.w {
			// left is styled already: cut it keeping its escapes (fit
			// would escape them as outside text).
			left = ansi.Truncate(left, max(m.w-widthOf(right)-2, 0), "…")
		}
	}
	gap := m.w - widthOf(left) - widthOf(right) - 1
	if gap < 1 {
		if marks != "" {
			return marks
		}
		return left
	}
	return left + strings.Repeat(" ", gap) + right
}

// marksText counts the marked rows of list l for the footer, and how many
// of them are off screen (filtered out or scrolled away).
func (m *Model) marksText(l *list) string {
	n := len(l.marks)
	if n == 0 {
		return ""
	}
	_, keyAt := m.curList()
	from, to := l.visible()
	seen := 0
	for i := from; i < to; i++ {
		if l.marks[keyAt(i)] {
			seen++
		}
	}
	s := fmt.Sprintf("%d marked", n)
	if seen < n {
		s += fmt.Sprintf(" (%d off screen)", n-seen)
	}
	return s + " · " + keyName(m.keys.ClearMarks) + " clears"
}
