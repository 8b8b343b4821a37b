package ui

import (
	"fmt"
	"strings"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/state"
)

// mark is a step's verdict, as a word so it reads without colour.
func (m *Model) mark(ok bool) string {
	if ok {
		return m.st.OK.Render("[yes]")
	}
	return m.st.Bad.Render("[NO] ")
}

// step is one line of the walkthrough: the verdict, then the question and
// its evidence, formatted from outside values and cleaned.
func (m *Model) step(ok bool, format string, a ...any) string {
	return m.mark(ok) + " " + plainf(format, a...)
}

// openDiagnose walks the stack for the selected service or instance.
func (m *Model) openDiagnose() {
	var lines []string
	var title string
	switch m.view {
	case viewDetail:
		in := m.detail.selected()
		if in == nil {
			m.setError("nothing selected to diagnose")
			return
		}
		title = "Diagnose " + m.detail.service + " / " + instName(in)
		lines = append(m.diagnoseInstance(m.detail.svc, in), m.fromWhichHosts(in.Key)...)
	case viewServices:
		s := m.services.selected()
		if s == nil {
			m.setError("nothing selected to diagnose")
			return
		}
		title = "Diagnose service " + s.Name
		lines = m.diagnoseService(s)
	case viewHAProxy:
		r := m.hap.selected()
		svc, in := m.findInstance(r)
		if in == nil {
			m.setError("diagnose works on servers that belong to a service; select a server row")
			return
		}
		title = "Diagnose " + svc.Name + " / " + instName(in)
		lines = append(m.diagnoseInstance(svc, in), m.fromWhichHosts(in.Key)...)
	case viewFleet:
		if title, lines = m.fleet.evidence(); lines == nil {
			m.setError("nothing selected to diagnose")
			return
		}
	default:
		m.setError("D diagnoses a service (view 1), a server (view 2) or an instance across the fleet (view 6)")
		return
	}
	m.text.open(title, lines)
	m.overlay = overlayDiagnose
}

// findInstance maps an HAProxy row to its joined instance.
func (c *common) findInstance(r *hapRow) (*state.Service, *state.Instance) {
	if r == nil || !r.row.IsServer() || c.joined == nil {
		return nil, nil
	}
	for i := range c.joined.Services {
		s := &c.joined.Services[i]
		if s.Backend != r.row.Proxy && s.Name != r.row.Proxy {
			continue
		}
		for j := range s.Instances {
			in := &s.Instances[j]
			for _, seen := range in.HAProxy {
				if seen.Row != nil && seen.Row.Name == r.row.Name && seen.Row.Proxy == r.row.Proxy {
					return s, in
				}
			}
		}
	}
	return nil, nil
}

func (m *Model) diagnoseService(s *state.Service) []string {
	var l []string
	reg := s.Summary.Registered
	if m.reg == nil {
		l = append(l, m.mark(false)+" Registered? no registry is configured (HAProxy-only mode)")
	} else {
		l = append(l, m.step(reg > 0, "Registered? %d instance(s) in %s", reg, m.regName()))
		if m.reg.Stale() {
			l = append(l, "      "+m.st.Warn.Render("the registry data is stale: "+m.bannerText()))
		}
	}
	for _, h := range m.haps {
		if h == nil {
			continue
		}
		found, up, total := false, 0, 0
		if h.Stats != nil {
			for i := range h.Stats.Rows {
				r := &h.Stats.Rows[i]
				if r.Proxy != s.Backend {
					continue
				}
				found = true
				if r.IsServer() {
					total++
					if w := r.StatusWord(); w == "UP" || w == "no check" {
						up++
					}
				}
			}
		}
		switch {
		case h.Stats == nil:
			l = append(l, m.step(false, "In HAProxy %s? not read yet%s", h.Label, errText(h.Err)))
		case !found:
			l = append(l, m.step(false, "In HAProxy %s? no backend %q", h.Label, s.Backend))
		default:
			l = append(l, m.step(true, "In HAProxy %s? backend %q with %d server(s)", h.Label, s.Backend, total))
			l = append(l, m.step(up > 0 && up == total, "UP from %s? %d of %d server(s) UP", h.Label, up, total))
		}
	}
	l = append(l, "", m.st.Section.Render("Findings"))
	for _, d := range s.Diagnoses {
		l = append(l, plainf("  %s", d.Text))
	}
	bad := 0
	for i := range s.Instances {
		in := &s.Instances[i]
		if in.Worst == state.CodeOK || in.Worst == "" {
			continue
		}
		bad++
		for _, d := range in.Diagnoses {
			l = append(l, plainf("  %s: %s", instName(in), d.Text))
		}
	}
	if bad == 0 && len(s.Diagnoses) == 0 {
		l = append(l, "  every instance is registered and UP on every socket")
	}
	return l
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return ": " + err.Error()
}

func (m *Model) diagnoseInstance(s *state.Service, in *state.Instance) []string {
	var l []string
	// 1. Answering? The health check is the evidence HAProxy has.
	answered := false
	var ev []string
	for _, seen := range in.HAProxy {
		if seen.Row == nil {
			continue
		}
		r := seen.Row
		switch {
		case r.CheckStatus == "":
			ev = append(ev, plainf("%s: no health check configured", seen.Socket))
		case strings.HasSuffix(r.CheckStatus, "OK"):
			answered = true
			in := ""
			if r.CheckDuration > 0 {
				in = " in " + r.CheckDuration.String()
			}
			ev = append(ev, plainf("%s: check %s%s%s", seen.Socket, r.CheckStatus, codeText(r), in))
		default:
			ev = append(ev, plainf("%s: check %s%s: %s", seen.Socket, r.CheckStatus, codeText(r), orDash(r.CheckDesc)))
		}
	}
	l = append(l, m.step(answered, "Service answering at %s?", instAddr(in)))
	for _, e := range ev {
		l = append(l, "      "+e)
	}
	if len(ev) == 0 {
		l = append(l, "      no HAProxy health check evidence")
	}
	// 2. Registered?
	if r := in.Registration; r != nil {
		l = append(l, m.step(true, "Registered in %s? yes", m.regName()))
		if r.Path != "" {
			l = append(l, plainf("      znode %s", r.Path))
			l = append(l, fmt.Sprintf("      session 0x%x, created %s ago", r.Owner, age(m.now().Sub(r.Ctime))))
		}
		if r.Member != "" {
			l = append(l, plainf("      Serf member %s (%s), tag %s", r.Member, r.MemberStatus, r.Tag))
		}
		if r.Malformed != "" {
			l = append(l, "      "+m.st.Bad.Render(plainf("malformed: %s", r.Malformed)))
		}
		for _, d := range in.Duplicates {
			l = append(l, plainf("      duplicate: %s (session 0x%x)", d.ID(), d.Owner))
		}
	} else {
		l = append(l, m.step(false, "Registered in %s? no: HAProxy has server %s but nothing registers it", m.regName(), in.Server))
	}
	l = append(l, m.maintenanceLines(in)...)
	// 3 and 4. In HAProxy, and UP, from each socket.
	var upFrom, notFrom []string
	for _, seen := range in.HAProxy {
		if seen.Row == nil {
			l = append(l, m.step(false, "In HAProxy %s? no server %s in backend %s", seen.Socket, in.Server, s.Backend))
			notFrom = append(notFrom, seen.Socket)
			continue
		}
		how := "by name"
		if seen.ByAddr {
			how = "by address only (names differ)"
		}
		l = append(l, m.step(true, "In HAProxy %s? %s/%s, found %s", seen.Socket, seen.Row.Proxy, seen.Row.Name, how))
		w := seen.Row.StatusWord()
		up := w == "UP" || w == "no check"
		sessions := fmt.Sprintf("%d sessions", seen.Row.SCur)
		if seen.Row.Preview {
			sessions = "sessions not read yet"
		}
		l = append(l, m.step(up, "UP from %s? %s, weight %d, %s, last change %s ago", seen.Socket,
			seen.Row.Status, seen.Row.Weight, sessions, age(seen.Row.LastChange)))
		if up {
			upFrom = append(upFrom, seen.Socket)
		} else {
			notFrom = append(notFrom, seen.Socket+" ("+w+")")
		}
	}
	if len(m.haps) > 1 {
		l = append(l, plainf("      UP from: %s; not UP from: %s", orNone(upFrom), orNone(notFrom)))
	}
	l = append(l, "", m.st.Section.Render("Diagnosis"))
	for _, d := range in.Diagnoses {
		l = append(l, plainf("  [%s] %s", d.Code, d.Text))
	}
	if len(in.Diagnoses) == 0 {
		l = append(l, "  no findings")
	}
	return l
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func codeText(r *haproxy.Row) string {
	if r.CheckCode == 0 {
		return ""
	}
	return fmt.Sprintf(" (code %d)", r.CheckCode)
}
