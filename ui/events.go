package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/sources"
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

func (p *eventsPane) add(e evEntry) {
	p.seq++
	e.seq = p.seq
	p.all = append(p.all, e)
	if len(p.all) > maxEvents {
		p.all = append(p.all[:0], p.all[len(p.all)-maxEvents:]...)
	}
	p.dirty = true
}

func (p *eventsPane) addRegistry(evs []sources.Event) {
	for _, e := range evs {
		p.add(evEntry{At: e.At, Source: string(e.Source), Kind: string(e.Kind), Service: e.Service, Text: e.Message,
			bad: e.Kind == sources.EventDeregistered || e.Kind == sources.EventConnState})
	}
}

func (p *eventsPane) addChanges(evs []changeEvent) {
	for _, e := range evs {
		src := "haproxy"
		if e.Socket != "" {
			src = "haproxy " + e.Socket
		} else if e.Kind == "registered" || e.Kind == "deregistered" {
			continue // the registry source already reported these, with more detail
		}
		p.add(evEntry{At: e.At, Source: src, Kind: e.Kind, Service: e.Service, Text: e.Text,
			bad: e.To == "DOWN" || e.To == "MAINT" || e.Kind == "deregistered"})
	}
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
		b.WriteString(m.st.Muted.Render(m.emptyText(&p.list, "no events yet: registry changes, HAProxy state changes and actions appear here")))
		return b.String()
	}
	from, to := p.visible()
	for i := from; i < to; i++ {
		e := p.rows[i]
		var st *lipStyle
		if e.bad {
			st = &m.st.Bad
		}
		cells := []cell{{s: e.At.Local().Format("15:04:05")}, {s: e.Source, st: &m.st.Muted}, {s: e.Kind, st: st}, {s: e.Service}, {s: e.Text}}
		b.WriteString(renderRow(&m.st, eventColumns, widths, cells, i == p.cursor, false, w))
		b.WriteByte('\n')
	}
	return b.String()
}
