package ui

import (
	"log/slog"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

// common is what every pane shares, as soft-serve's ui/common does: the
// terminal size, the styles, the keymap, the clock, and what the pipeline
// published last. The root owns it and changes it (a resize, a frame, a
// background colour); panes read it and never reach the root model. The
// status line is here too: any pane may say what just happened.
type common struct {
	w, h int
	st   Styles
	keys *KeyMap
	now  func() time.Time
	log  *slog.Logger

	readOnly bool // no executor can change anything: action keys are off
	zkMode   bool // a ZooKeeper tree can be browsed (else the registry is Serf or none)

	// The pipeline's latest frame and what the panes read of it.
	frame  live.Frame
	reg    *sources.Snapshot
	haps   []*haproxy.Snapshot
	maint  *sources.Maintenance // this host's durable maintenance, as last read
	joined *state.View
	hist   *history       // per-service trends for the services view
	shist  *state.History // per-instance history (flapping, detail sparklines), the pipeline's

	status    string
	statusErr bool
	unclean   int // screen lines guardLine had to escape: must stay 0
}

func (c *common) setStatus(s string) { c.status, c.statusErr = s, false }
func (c *common) setError(s string)  { c.status, c.statusErr = s, true }

// clip truncates one line to the terminal width.
func (c *common) clip(s string) string {
	s = c.guardLine(s)
	if len(s) <= c.w {
		return s
	}
	if ansi.StringWidth(s) <= c.w {
		return s
	}
	return ansi.Truncate(s, c.w, "…")
}

// socketLabels are the HAProxy sockets' labels, in order.
func (c *common) socketLabels() []string {
	out := make([]string, 0, len(c.haps))
	for _, s := range c.haps {
		if s != nil {
			out = append(out, s.Label)
		}
	}
	return out
}

// newestSeen is the newest version of an instance's row at one socket: a
// light poll may have re-read it after the socket's rows.
func (c *common) newestSeen(s *state.Seen) *haproxy.Row { return c.frame.NewestSeen(s) }

// regName is the registry's kind as people write it.
func (c *common) regName() string {
	if c.reg == nil {
		return "the registry"
	}
	return kindName(c.reg.Kind)
}

// emptyText explains an empty list: the filter, or why there is no data.
func emptyText(l *list, none string) string {
	if l.filter.text != "" {
		return plainf("  nothing matches the filter %q (esc clears it)", l.filter.text)
	}
	return "  " + none
}

func (c *common) stateStyle(ok bool) *lipStyle {
	if ok {
		return &c.st.OK
	}
	return &c.st.Bad
}

// codeStyle colours a diagnosis code by how bad it is.
func (c *common) codeStyle(code state.Code) *lipStyle {
	switch code {
	case state.CodeOK, "":
		return &c.st.OK
	case state.CodeMaint, state.CodeDeregistered, state.CodeMaintenance:
		return &c.st.Maint
	case state.CodeDrain, state.CodeWeightMismatch, state.CodeMatchedByAddr:
		return &c.st.Warn
	}
	return &c.st.Bad
}

// statusStyle colours an HAProxy status word.
func (c *common) statusStyle(word string) *lipStyle {
	switch word {
	case "UP", "OPEN", "no check":
		return &c.st.OK
	case "MAINT":
		return &c.st.Maint
	case "DRAIN", "NOLB":
		return &c.st.Warn
	case "":
		return &c.st.Muted
	}
	return &c.st.Bad
}
