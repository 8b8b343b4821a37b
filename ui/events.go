package ui

import (
	"fmt"
	"strings"
	"time"

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
	list
	all   []evEntry // oldest first, bounded
	rows  []*evEntry
	seq   int64
	dirty bool
}

func newEventsPane() eventsPane { return eventsPane{list: newList(), dirty: true} }

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
	text := r.Summary()
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

func (p *eventsPane) render(m *Model, w, h int) string {
	widths := layoutColumns(eventColumns, w)
	var b strings.Builder
	b.WriteString(renderHeader(&m.st, eventColumns, widths, -1, false))
	b.WriteByte('\n')
	if len(p.rows) == 0 {
		b.WriteString(m.st.Muted.Render(m.emptyText(&p.list, "no events yet: registry changes, HAProxy state changes, connections, notes and actions appear here")))
		return b.String()
	}
	from, to := p.visible()
	for i := from; i < to; i++ {
		e := p.rows[i]
		var st *lipStyle
		switch {
		case e.bad:
			st = &m.st.Bad
		case e.note:
			st = &m.st.Section // a note stands out from what the sources saw
		}
		cells := []cell{{s: e.At.Local().Format("15:04:05")}, {s: e.Source, st: &m.st.Muted}, {s: e.Kind, st: st}, {s: e.Service}, {s: e.Text}}
		b.WriteString(renderRow(&m.st, eventColumns, widths, cells, i == p.cursor, false, w))
		b.WriteByte('\n')
	}
	return b.String()
}
