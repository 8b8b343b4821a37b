package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

// hintsLine is the line under a pane that names the keys acting on the
// selected row, as hatop's footer and k9s's header do: only enabled
// bindings (read-only mode shows no action key), most useful first, cut
// at the width with "? more" so the line never wraps.
func (c *common) hintsLine(w int, lead string, bs ...key.Binding) string {
	k := c.keys
	more := keyName(k.Help) + " all keys"
	parts := make([]string, 0, len(bs))
	for _, b := range bs {
		if b.Enabled() {
			parts = append(parts, c.st.Key.Render(keyName(b))+" "+shortDesc(b))
		}
	}
	sep := c.st.Muted.Render(" · ")
	line := lead
	for i, p := range parts {
		next := line
		switch {
		case i > 0:
			next += sep
		case next != "":
			next += " "
		}
		next += p
		rest := ""
		if i < len(parts)-1 {
			rest = sep + more
		}
		if ansi.StringWidth(next+rest) > w {
			return line + sep + c.st.Muted.Render(more)
		}
		line = next
	}
	return line
}

// instanceHints are the keys that act on an instance (the detail view's
// row, or an HAProxy server row with its instance, when known).
func (c *common) instanceHints(w int, in *state.Instance) string {
	k := c.keys
	if in == nil {
		return c.hintsLine(w, c.st.Muted.Render("no instance selected:"), k.Filter, k.Help)
	}
	bs := []key.Binding{k.Drain, k.Maint, k.Ready, k.Weight, k.HacheckDown, k.HacheckUp, k.Diagnose, k.Open, k.Mark}
	if c.reg != nil && c.reg.Kind == sources.KindSerf {
		bs = append(bs, k.SerfTags)
	}
	if in.Registration != nil && in.Registration.Path != "" {
		bs = append(bs, k.ZKDelete)
	}
	bs = append(bs, k.Health, k.Agent, k.Shutdown, k.Copy)
	lead := ""
	if c.readOnly {
		lead = c.st.Muted.Render("read-only:")
	}
	if _, fr := firstRow(in); fr == nil {
		// Not in HAProxy: no server to act on; the registry and durable
		// maintenance still apply.
		bs = []key.Binding{k.HacheckDown, k.HacheckUp, k.Diagnose, k.Open, k.ZKDelete, k.Copy}
	}
	return c.hintsLine(w, lead, bs...)
}

// rowHints are the keys that act on an HAProxy row: a server's actions, or
// for a frontend or backend, what can be done from there.
func (c *common) rowHints(w int, r *hapRow, in *state.Instance) string {
	k := c.keys
	switch {
	case r == nil:
		return c.hintsLine(w, c.st.Muted.Render("no row selected:"), k.Filter, k.Columns, k.Help)
	case !r.row.IsServer():
		return c.hintsLine(w, c.st.Muted.Render(strings.ToLower(r.row.Name())+": select a server row to act;"),
			k.Open, k.Columns, k.Sort, k.Copy)
	case in != nil:
		return c.instanceHints(w, in)
	}
	lead := ""
	if c.readOnly {
		lead = c.st.Muted.Render("read-only:")
	}
	return c.hintsLine(w, lead, k.Drain, k.Maint, k.Ready, k.Weight, k.Open, k.Mark, k.Columns, k.Health, k.Agent, k.Shutdown, k.Copy)
}
