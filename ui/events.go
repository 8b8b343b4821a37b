package ui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

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
	Text    string
	bad     bool
	note    bool // a trace's note: what was done, not what was seen
}

// eventsPane is the timeline of registry changes, HAProxy state changes
// and actions taken, newest first.
type eventsPane struct {
	c *common
	list
	all   []evEntry // oldest first, bounded
	rows  []*evEntry
	seq   int64
	dirty bool
}

func newEventsPane(c *common) eventsPane { return eventsPane{c: c, list: newList(), dirty: true} }

func (p *eventsPane) lst() *list   { return &p.list }
func (p *eventsPane) setDirty()    { p.dirty = true }
func (p *eventsPane) rowsTop() int { return 1 }

// update handles the list keys and the wheel; the timeline keeps its
// order and has nothing to mark.
func (p *eventsPane) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		listKeys(p.c, &p.list, msg, p.keyAt, 0, false)
	case tea.MouseWheelMsg:
		wheel(&p.list, msg, p.keyAt)
	}
	return nil
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
		p.add(evEntry{At: e.At, Source: src, Kind: e.Kind, Service: e.Service, Text: e.Text, bad: badEvent(e),
			note: e.Kind == state.EventNote})
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
	for i := len(p.all) - 1; i >= 0; i-- {
		e := &p.all[i]
		if p.filter.matchAny(e.Source, e.Kind, e.Service, e.Text) {
			p.rows = append(p.rows, e)
		}
	}
	p.reselect(len(p.rows), p.keyAt)
}

var eventColumns = []column{
	{Title: "TIME", Width: 8},
	{Title: "SOURCE", Width: 14, Prio: 2},
	{Title: "KIND", Width: 12, Prio: 1},
	{Title: "SERVICE", Width: 14, Prio: 1},
	{Title: "WHAT", Width: 20, Flex: true},
}

func (p *eventsPane) view(w, h int) string {
	c := p.c
	widths := layoutColumns(eventColumns, w)
	var b strings.Builder
	b.WriteString(renderHeader(&c.st, eventColumns, widths, -1, false))
	b.WriteByte('\n')
	if len(p.rows) == 0 {
		b.WriteString(c.st.Muted.Render(emptyText(&p.list, "no events yet: registry changes, HAProxy state changes, connections, notes and actions appear here")))
		return b.String()
	}
	from, to := p.visible()
	for i := from; i < to; i++ {
		e := p.rows[i]
		var st *lipStyle
		switch {
		case e.bad:
			st = &c.st.Bad
		case e.note:
			st = &c.st.Section // a note stands out from what the sources saw
		}
		cells := []cell{{s: e.At.Local().Format("15:04:05")}, {s: e.Source, st: &c.st.Muted}, {s: e.Kind, st: st}, {s: e.Service}, {s: e.Text}}
		b.WriteString(renderRow(&c.st, eventColumns, widths, cells, i == p.cursor, false, w))
		b.WriteByte('\n')
	}
	return b.String()
}
