package ui

import (
	"github.com/stacktui/stacktui/state"
)

// mark is a step's verdict, as a word so it reads without colour.
func (m *Model) mark(a state.Answer) string {
	switch a {
	case state.Yes:
		return m.st.OK.Render("[yes]")
	case state.No:
		return m.st.Bad.Render("[NO] ")
	}
	return m.st.Warn.Render("[?]  ")
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
		if m.o.Fleet {
			m.setError(plainf("%s diagnoses a service (view %s), a server (view %s) or an instance across the fleet (view %s)",
				keyName(m.keys.Diagnose), keyName(m.keys.View1), keyName(m.keys.View2), keyName(m.keys.View6)))
		} else {
			m.setError(plainf("%s diagnoses a service (view %s) or a server (view %s)", keyName(m.keys.Diagnose), keyName(m.keys.View1), keyName(m.keys.View2)))
		}
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
				if seen.Row != nil && seen.Row.Name() == r.row.Name() && seen.Row.Proxy == r.row.Proxy {
					return s, in
				}
			}
		}
	}
	return nil, nil
}

// walkLines renders walkthrough steps, then the findings under title.
// Every outside value (names, errors, check texts) is cleaned (plainf).
func (m *Model) walkLines(steps []state.Step, title string, findings []string) []string {
	l := m.stepLines(steps)
	l = append(l, "", m.st.Section.Render(title))
	return append(l, findings...)
}

// stepLines renders walkthrough steps with their evidence.
func (m *Model) stepLines(steps []state.Step) []string {
	var l []string
	for _, st := range steps {
		l = append(l, m.mark(st.Answer)+" "+plainf("%s %s", st.Question, st.Why))
		for _, e := range st.Evidence {
			l = append(l, plainf("      %s", e))
		}
	}
	return l
}

func (m *Model) diagnoseService(s *state.Service) []string {
	var findings []string
	for _, d := range s.Diagnoses {
		findings = append(findings, plainf("  %s", d.Text))
	}
	bad := 0
	for i := range s.Instances {
		in := &s.Instances[i]
		if in.Worst == state.CodeOK || in.Worst == "" {
			continue
		}
		bad++
		for _, d := range in.Diagnoses {
			findings = append(findings, plainf("  %s: %s", instName(in), d.Text))
		}
	}
	if bad == 0 && len(s.Diagnoses) == 0 {
		findings = append(findings, "  every instance is registered and UP on every socket")
	}
	return m.walkLines(state.WalkService(m.joined, s), "Findings", findings)
}

func (m *Model) diagnoseInstance(s *state.Service, in *state.Instance) []string {
	var findings []string
	for _, d := range in.Diagnoses {
		findings = append(findings, plainf("  [%s] %s", d.Code, d.Text))
	}
	if len(in.Diagnoses) == 0 {
		findings = append(findings, "  no findings")
	}
	// This host's durable maintenance follows the registry step.
	steps := state.WalkInstance(m.joined, s, in)
	n := min(2, len(steps))
	l := m.stepLines(steps[:n])
	l = append(l, m.maintenanceLines(in)...)
	return append(l, m.walkLines(steps[n:], "Diagnosis", findings)...)
}
