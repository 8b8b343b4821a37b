package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

// maxEvents bounds the timeline.
const maxEvents = 5000

// evEntry is one line of the events timeline.
type evEntry struct {
	seq     int64
	At      time.Time
	Source  string // zookeeper, serf, haproxy, action
	Kind    string
	Service string
	Inst    string // the server the event is about, named in Text; "" for none
	Text    string
	bad     bool
	maint   bool // a server put in MAINT: on purpose, not DOWN's red
	note    bool // a trace's note: what was done, not what was seen
}

// eventsPane is the timeline of registry changes, HAProxy state changes
// and actions taken, oldest at the top and the newest at the bottom. Like
// `less +F` it follows the newest until the user scrolls, says so, and
// follows again at the bottom (G).
type eventsPane struct {
	c *common
	list
	all    []evEntry // oldest first, bounded
	rows   []*evEntry
	seq    int64
	dirty  bool
	follow bool // the cursor stays on the newest event
}

func newEventsPane(c *common) eventsPane {
	return eventsPane{c: c, list: newList(), dirty: true, follow: true}
}

func (p *eventsPane) lst() *list   { return &p.list }
func (p *eventsPane) setDirty()    { p.dirty = true }
func (p *eventsPane) rowsTop() int { return 1 }

// update handles the list keys and the wheel; the timeline keeps its
// order and has nothing to mark. Moving off the newest event stops
// following; the bottom (G, or moving down onto the newest) resumes it.
func (p *eventsPane) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if handled, _ := listKeys(p.c, &p.list, msg, p.keyAt, 0, false); handled {
			p.followIfAtBottom(key.Matches(msg, p.c.keys.Bottom))
		}
	case tea.MouseWheelMsg:
		wheel(&p.list, msg, p.keyAt)
		p.followIfAtBottom(false)
	}
	return nil
}

// followIfAtBottom follows when the cursor is on the newest event (or the
// bottom key was pressed), else stops.
func (p *eventsPane) followIfAtBottom(bottom bool) {
	p.follow = bottom || p.n == 0 || p.cursor >= p.n-1
}

// reset forgets every event.
func (p *eventsPane) reset() {
	p.all = nil
	p.dirty = true
}

func (p *eventsPane) add(e evEntry) {
	p.seq++
	e.seq = p.seq
	p.all = append(p.all, e)
	if len(p.all) > maxEvents {
		p.all = append(p.all[:0], p.all[len(p.all)-maxEvents:]...)
	}
	p.dirty = true
}

// addEvents appends the pipeline's events: one vocabulary for registry,
// HAProxy, connections, members and notes.
func (p *eventsPane) addEvents(evs []state.Event) {
	for _, e := range evs {
		src := e.Source
		if e.Socket != "" {
			src += " " + e.Socket
		}
		p.add(evEntry{At: e.At, Source: src, Kind: e.Kind, Service: e.Service, Inst: e.Instance, Text: e.Text, bad: badEvent(e) && e.To != "MAINT",
			maint: e.To == "MAINT", note: e.Kind == state.EventNote})
	}
}

// badEvent reports whether an event is bad news: a server out of rotation,
// a deregistration, a source lost, a member failed.
func badEvent(e state.Event) bool {
	switch e.Kind {
	case state.EventDeregistered:
		return true
	case state.EventConnection:
		return e.To != "up" && e.To != string(sources.StateConnected)
	case state.EventMember:
		return e.To == "failed" || e.To == "left"
	case state.EventNote:
		return false
	case "error":
		return true
	}
	return e.To == "DOWN" || e.To == "MAINT"
}

func (p *eventsPane) addAudit(recs []actions.AuditRecord) {
	for _, r := range recs {
		if r.Phase != actions.PhaseResult {
			continue
		}
		text := r.Title + " by " + r.User
		if !r.OK {
			text += " — failed: " + r.Error
		}
		p.add(evEntry{At: r.Time, Source: "action", Kind: string(r.Action), Text: text, bad: !r.OK})
	}
}

func (p *eventsPane) addResult(r actions.Result) {
	text := p.c.keys.expand(r.Summary())
	for _, st := range r.Steps {
		if st.Err != "" {
			text += " | " + st.Command + ": " + st.Err
		}
	}
	if k := r.Plan.Kind; (k == actions.KindReload || k == actions.KindRestart) && len(r.Steps) > 0 {
		text += fmt.Sprintf(" | exit code %d", r.Steps[len(r.Steps)-1].ExitCode)
	}
	p.add(evEntry{At: r.Finished, Source: "action", Kind: string(r.Plan.Kind), Text: text, bad: r.Err != nil})
}

// selected is the event under the cursor, or nil.
func (p *eventsPane) selected() *evEntry {
	if p.n > 0 && p.cursor < len(p.rows) {
		return p.rows[p.cursor]
	}
	return nil
}

func (p *eventsPane) keyAt(i int) string { return fmt.Sprint(p.rows[i].seq) }

func (p *eventsPane) rebuild() {
	if !p.dirty {
		return
	}
	p.dirty = false
	p.rows = p.rows[:0]
	for i := range p.all {
		e := &p.all[i]
		if p.filter.matchAny(e.Source, e.Kind, e.Service, e.Text) {
			p.rows = append(p.rows, e)
		}
	}
	p.reselect(len(p.rows), p.keyAt)
	if p.follow && p.n > 0 {
		p.move(p.n-1, p.keyAt)
	}
}

// eventColumns give way to the sentence: WHAT (which names the service
// and says "UP -> DOWN") keeps 50 cells before the others are shown.
var eventColumns = []column{
	{Title: "TIME", Width: 8},
	{Title: "SOURCE", Width: 14, Prio: 1},
	{Title: "KIND", Width: 12, Prio: 2},
	{Title: "SERVICE", Width: 14, Prio: 3},
	{Title: "WHAT", Width: 50, Flex: true},
}

// followLine says whether the timeline follows the newest event, or where
// it stopped and how to follow again.
func (p *eventsPane) followLine() string {
	k := p.c.keys
	if p.follow || p.n == 0 {
		return p.c.st.Muted.Render(plainf("following the newest events (at the bottom) · %s opens one", keyName(k.Open)))
	}
	newer := p.n - 1 - p.cursor
	return p.c.st.Warn.Render(plainf("not following: %d newer below · %s follows the newest", newer, keyName(k.Bottom)))
}
func (p *eventsPane) view(w, h int) string {
	c := p.c
	widths := layoutColumns(eventColumns, w)
	var b strings.Builder
	b.WriteString(renderHeader(&c.st, eventColumns, widths, -1, false))
	b.WriteByte('\n')
	if len(p.rows) == 0 {
		b.WriteString(c.st.Muted.Render(c.emptyText(&p.list, "no events yet: registry changes, HAProxy state changes, connections, notes and actions appear here")))
		return b.String()
	}
	lines := 1
	from, to := p.visible()
	for i := from; i < to; i++ {
		lines++
		e := p.rows[i]
		var st *lipStyle
		switch {
		case e.bad:
			st = &c.st.Bad
		case e.maint:
			st = &c.st.Maint
		case e.note:
			st = &c.st.Section // a note stands out from what the sources saw
		}
		what := fitWhat(e.Text, e.Inst, widths[len(widths)-1])
		cells := []cell{{s: e.At.Local().Format("15:04:05")}, {s: e.Source, st: &c.st.Muted}, {s: e.Kind, st: st}, {s: e.Service}, {s: what}}
		b.WriteString(renderRow(&c.st, eventColumns, widths, cells, i == p.cursor, false, w))
		b.WriteByte('\n')
	}
	for ; lines < h-1; lines++ {
		b.WriteByte('\n')
	}
	b.WriteString(p.followLine())
	return b.String()
}

// minInstWidth is how narrow a server's name may get in an event's
// sentence: its start and its port still say which server it is.
const minInstWidth = 12

// fitWhat fits an event's sentence into w cells. When it is too long the
// server's name gives way first, cut in its middle (its start and its port
// stay), so what happened ("UP -> DOWN", "deregistered") and why survive;
// only then is the end cut (enter opens the event in full).
func fitWhat(text, inst string, w int) string {
	over := ansi.StringWidth(text) - w
	iw := ansi.StringWidth(inst)
	if over <= 0 || iw <= minInstWidth {
		return text
	}
	i := strings.Index(text, inst)
	if i < 0 {
		return text
	}
	keep := max(minInstWidth, iw-over) - 1 // one cell for the "…"
	tail := keep / 2
	if c := strings.LastIndexAny(inst, ":_"); c >= 0 && iw-c <= keep-3 {
		tail = iw - c // the port (or the address after the name) stays whole
	}
	short := ansi.Truncate(inst, keep-tail, "") + "…" + ansi.TruncateLeft(inst, iw-tail, "")
	return text[:i] + short + text[i+len(inst):]
}

// pageLines is an event in full, for the page enter opens.
func (e *evEntry) pageLines() (title string, lines []string) {
	lines = []string{
		plainf("time     %s", e.At.Local().Format("2006-01-02 15:04:05.000 MST")),
		plainf("source   %s", e.Source),
		plainf("kind     %s", e.Kind),
	}
	if e.Service != "" {
		lines = append(lines, plainf("service  %s", e.Service))
	}
	lines = append(lines, "", plainf("%s", e.Text))
	return "Event " + e.At.Local().Format("15:04:05") + " " + e.Kind, lines
}
