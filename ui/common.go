package ui

import (
	"log/slog"
	"strings"
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

// socketsRead are the labels of the HAProxy sockets read at least once
// (possibly long ago: see Snapshot.Err); the others' figures are unknown.
func (c *common) socketsRead() map[string]bool {
	var out map[string]bool
	for _, h := range c.haps {
		if h != nil && h.Stats != nil {
			if out == nil {
				out = make(map[string]bool, len(c.haps))
			}
			out[h.Label] = true
		}
	}
	return out
}

// notReadYet reports whether a worst finding only says that a source has
// not been read yet: the registry never read completely, or no HAProxy
// socket ever read (anyRead false). Before the first read nothing is
// stale or unreachable; it is unknown.
func (c *common) notReadYet(worst state.Code, anyRead bool) bool {
	switch worst {
	case state.CodeRegistryStale:
		return c.regNeverRead()
	case state.CodeHAProxyStale:
		return len(c.haps) > 0 && !anyRead
	}
	return false
}

// notReadWhy names the sources not read yet, with what is wrong with one
// that failed: "ZooKeeper (reconnecting: dial tcp …), HAProxy main".
func (c *common) notReadWhy(anyRead bool) string {
	var why []string
	if c.regNeverRead() {
		t := c.regName()
		if c.reg.Err != "" {
			t += " (" + string(c.reg.State) + errSuffix(c.reg.Err) + ")"
		}
		why = append(why, t)
	}
	if !anyRead {
		for _, h := range c.haps {
			switch {
			case h == nil:
			case h.Err != nil:
				why = append(why, "HAProxy "+h.Label+" ("+h.Err.Error()+")")
			default:
				why = append(why, "HAProxy "+h.Label)
			}
		}
	}
	return strings.Join(why, ", ")
}

// regNeverRead reports whether a registry is configured and has not been
// read completely once: what it would say is unknown, not empty.
func (c *common) regNeverRead() bool {
	return c.reg != nil && !c.reg.Synced && c.reg.LastGood.IsZero()
}

// noInstancesText says why a service lists no instances, without claiming
// what a source that was never read would say.
func (c *common) noInstancesText() string {
	var why []string
	switch {
	case c.reg == nil:
	case c.regNeverRead():
		why = append(why, c.regName()+" not read yet")
	default:
		why = append(why, "nothing registered")
	}
	switch {
	case len(c.haps) == 0:
	case len(c.socketsRead()) == 0:
		why = append(why, "HAProxy not read yet")
	default:
		why = append(why, "no servers in the backend")
	}
	return "no instances: " + strings.Join(why, " and ")
}

// newestSeen is the newest version of an instance's row at one socket: a
// light poll may have re-read it after the socket's rows.
func (c *common) newestSeen(si int, s *state.Seen) *haproxy.Row { return c.frame.NewestSeen(si, s) }

// socketLabel names socket si of the frame's view, the one every
// instance's HAProxy[si] is from.
func (c *common) socketLabel(si int) string {
	if v := c.frame.View; v != nil && si < len(v.HAProxy) {
		return v.SocketLabel(si)
	}
	return ""
}

// regName is the registry's kind as people write it.
func (c *common) regName() string {
	if c.reg == nil {
		return "the registry"
	}
	return kindName(c.reg.Kind)
}

// emptyText explains an empty list: the filter, or why there is no data.
func (c *common) emptyText(l *list, none string) string {
	if l.filter.text != "" {
		return plainf("  nothing matches the filter %q (%s clears it)", l.filter.text, keyName(c.keys.Back))
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
