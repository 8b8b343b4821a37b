package ui

import (
	"fmt"
	"reflect"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

// maintEvery is how often this host's spool and Nerve config are re-read
// for display; an action that changes them triggers a read at once.
const maintEvery = 5 * time.Second

// maintMsg carries this host's durable maintenance, read in a command.
type maintMsg struct{ m *sources.Maintenance }

// readMaintenance reads after d (0: now) and reports the result.
func readMaintenance(read func(time.Time) *sources.Maintenance, d time.Duration) tea.Cmd {
	run := func() tea.Msg { return maintMsg{read(time.Now())} }
	if d <= 0 {
		return guard(run)
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return guard(run)() })
}

// gotMaintenance installs a reading and schedules the next. The view is
// joined again when it changed, and while any is in force (an expiry may
// pass between two readings).
func (m *Model) gotMaintenance(msg maintMsg) tea.Cmd {
	next := readMaintenance(m.o.Maintenance, maintEvery)
	if msg.m == nil {
		return next
	}
	changed := m.maint == nil || !reflect.DeepEqual(m.maint.Entries, msg.m.Entries) || m.maint.Err != msg.m.Err
	if msg.m.Err != "" && (m.maint == nil || m.maint.Err != msg.m.Err) {
		m.log.Warn("reading durable maintenance", "err", msg.m.Err)
	}
	m.maint = msg.m
	if !changed && len(msg.m.Entries) == 0 {
		return next
	}
	m.joinUrgent = true
	return tea.Batch(m.rejoin(changed), next)
}

// refreshMaintenance reads at once (after an action), if a reader is set.
func (m *Model) refreshMaintenance() tea.Cmd {
	if m.o.Maintenance == nil {
		return nil
	}
	read := m.o.Maintenance
	return guard(func() tea.Msg { return maintMsg{read(time.Now())} })
}

// maintenanceLines is the durable-maintenance step of the walkthrough (D).
func (m *Model) maintenanceLines(in *state.Instance) []string {
	if m.o.Maintenance == nil {
		return nil
	}
	now := m.now()
	if len(in.Maintenance) == 0 {
		l := fmt.Sprintf("%s In durable maintenance on this host? no", m.mark(true))
		if m.maint != nil && m.maint.Err != "" {
			l = fmt.Sprintf("%s In durable maintenance on this host? unknown: %s", m.st.Warn.Render("[?]  "), m.maint.Err)
		}
		return []string{l}
	}
	out := []string{fmt.Sprintf("%s In durable maintenance on this host? yes", m.st.Warn.Render("[yes]"))}
	for _, e := range in.Maintenance {
		out = append(out, "      "+state.MaintenanceWords(e, now))
		if e.Problem != "" {
			out = append(out, "      "+m.st.Bad.Render(e.Problem))
		}
	}
	return out
}

// maintName is the name of an instance no registration names while it is in
// maintenance: this host's Nerve instance_id (its registrations' name).
func (m *Model) maintName(in *state.Instance) string {
	if len(in.Maintenance) == 0 || in.Registration != nil || m.maint == nil || m.maint.InstanceID == "" {
		return ""
	}
	return m.maint.InstanceID + " (in maintenance)"
}
