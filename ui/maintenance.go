package ui

import (
	"fmt"

	"github.com/stacktui/stacktui/state"
)

// maintenanceLines is the durable-maintenance step of the walkthrough (D).
func (m *Model) maintenanceLines(in *state.Instance) []string {
	if m.maint == nil {
		return nil // no reader of this host's maintenance, or nothing read yet
	}
	now := m.now()
	if len(in.Maintenance()) == 0 {
		l := fmt.Sprintf("%s In durable maintenance on this host? no", m.st.OK.Render("[no] "))
		if m.maint != nil && m.maint.Err != "" {
			l = fmt.Sprintf("%s In durable maintenance on this host? unknown: %s", m.st.Warn.Render("[?]  "), m.maint.Err)
		}
		return []string{l}
	}
	out := []string{fmt.Sprintf("%s In durable maintenance on this host? yes", m.st.Warn.Render("[yes]"))}
	for _, e := range in.Maintenance() {
		out = append(out, "      "+state.MaintenanceWords(e, now))
		if e.Problem != "" {
			out = append(out, "      "+m.st.Bad.Render(e.Problem))
		}
	}
	return out
}

// maintName is the name of an instance no registration names while it is in
// maintenance: this host's Nerve instance_id (its registrations' name).
func (c *common) maintName(in *state.Instance) string {
	if len(in.Maintenance()) == 0 || in.Registration != nil || c.maint == nil || c.maint.InstanceID == "" {
		return ""
	}
	return c.maint.InstanceID + " (in maintenance)"
}
