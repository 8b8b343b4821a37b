// Package check evaluates a joined view against thresholds for `stacktui
// check`, with the Nagios/Icinga plugin conventions: one status line, perfdata
// and exit codes 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Pure logic.
package check

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/state"
)

// Status is a Nagios plugin status; its value is the exit code.
type Status int

// Plugin statuses, in the order Nagios ranks them (UNKNOWN is reported over OK
// but under WARNING/CRITICAL only when nothing else could be evaluated).
const (
	OK       Status = 0
	Warning  Status = 1
	Critical Status = 2
	Unknown  Status = 3
)

// String is the Nagios status word.
func (s Status) String() string {
	return [...]string{"OK", "WARNING", "CRITICAL", "UNKNOWN"}[s]
}

// Threshold is "up below N instances" or "up below N percent of registered".
type Threshold struct {
	N       int
	Percent bool
	Set     bool
}

// ParseThreshold reads "2" or "50%"; "" is no threshold.
func ParseThreshold(s string) (Threshold, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Threshold{}, nil
	}
	t := Threshold{Set: true}
	if strings.HasSuffix(s, "%") {
		t.Percent = true
		s = strings.TrimSuffix(s, "%")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || (t.Percent && n > 100) {
		return Threshold{}, fmt.Errorf("%q is not a count (e.g. 2) or a percentage (e.g. 50%%)", s)
	}
	t.N = n
	return t, nil
}

// Breached reports whether up of registered is below the threshold.
func (t Threshold) Breached(up, registered int) bool {
	if !t.Set {
		return false
	}
	if t.Percent {
		if registered == 0 {
			return t.N > 0
		}
		return up*100 < t.N*registered
	}
	return up < t.N
}

// String renders the threshold as given.
func (t Threshold) String() string {
	if !t.Set {
		return ""
	}
	if t.Percent {
		return strconv.Itoa(t.N) + "%"
	}
	return strconv.Itoa(t.N)
}

// Options say what to evaluate and what counts as a problem.
type Options struct {
	Services  []string // only these services; empty = all
	WarnBelow Threshold
	CritBelow Threshold
	WarnOn    []state.Code // diagnoses that make a service WARNING
	CritOn    []state.Code // diagnoses that make a service CRITICAL
}

// DefaultWarnOn and DefaultCritOn are the diagnoses that count when the user
// names none: drift that needs a look, and drift that loses traffic.
var (
	DefaultWarnOn = []state.Code{state.CodeDown, state.CodeMissingInHAProxy, state.CodeStaleInHAProxy,
		state.CodeDuplicate, state.CodeMalformed, state.CodeFlapping, state.CodeWeightMismatch}
	DefaultCritOn = []state.Code{state.CodeNoRegistrations}
)

// ServiceResult is one service's evaluation.
type ServiceResult struct {
	Name       string       `json:"name"`
	Status     string       `json:"status"`
	Registered int          `json:"registered"`
	Up         int          `json:"up"`
	Drained    int          `json:"drained,omitempty"` // taking no new traffic on purpose: DRAIN or weight 0
	Reasons    []string     `json:"reasons,omitempty"`
	Codes      []state.Code `json:"codes,omitempty"`
	// Maintenance names the instances this host took out durably, on
	// purpose: planned, so not a problem by default (--warn-on maintenance
	// makes it one), but said.
	Maintenance []string `json:"maintenance,omitempty"`
	status      Status
}

// Result is the whole evaluation.
type Result struct {
	Status   Status          `json:"-"`
	Word     string          `json:"status"`
	Code     int             `json:"exit_code"`
	Summary  string          `json:"summary"`
	Perfdata string          `json:"perfdata"`
	Failures []string        `json:"source_failures,omitempty"`
	Services []ServiceResult `json:"services"`
}

// Line is the Nagios plugin output line: "STACKTUI WARNING - ... | perfdata".
// The summary quotes service names and source errors, which come from
// outside: they are cleaned (a line break would start Nagios' long output,
// an escape would reach the terminal of whoever runs the check), and a '|'
// in them, which Nagios would take for the start of the perfdata, is shown
// as '¦'.
func (r *Result) Line() string {
	s := "STACKTUI " + r.Status.String() + " - " + strings.ReplaceAll(termtext.Clean(r.Summary), "|", "¦")
	if r.Perfdata != "" {
		s += " | " + r.Perfdata
	}
	return s
}

// Evaluate rates every selected service of v. failures are sources that could
// not be read: they make the result UNKNOWN, since nothing shown can be trusted.
func Evaluate(v *state.View, failures []string, o Options) *Result {
	if o.WarnOn == nil {
		o.WarnOn = DefaultWarnOn
	}
	if o.CritOn == nil {
		o.CritOn = DefaultCritOn
	}
	r := &Result{Failures: failures}
	byName := map[string]*state.Service{}
	for i := range v.Services {
		byName[v.Services[i].Name] = &v.Services[i]
	}
	names := o.Services
	if len(names) == 0 {
		for _, s := range v.Services {
			names = append(names, s.Name)
		}
	}
	var missing []string
	var perf []string
	for _, name := range names {
		svc, ok := byName[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		sr := evaluateService(svc, o)
		r.Services = append(r.Services, sr)
		perf = append(perf, fmt.Sprintf("'%s_up'=%d;%s;%s;0;%d", perfLabel(name), sr.Up,
			thresholdPerf(o.WarnBelow, sr.Registered), thresholdPerf(o.CritBelow, sr.Registered), sr.Registered))
	}
	r.Perfdata = strings.Join(perf, " ")

	worst := OK
	var bad []string
	for _, s := range r.Services {
		if s.status > worst {
			worst = s.status
		}
		if s.status != OK {
			bad = append(bad, fmt.Sprintf("%s %s (%d/%d up%s: %s)", s.Name, s.status, s.Up, s.Registered, drainedWords(s.Drained), strings.Join(s.Reasons, "; ")))
		}
	}
	switch {
	case len(failures) > 0:
		r.Status = Unknown
		r.Summary = "cannot read " + strings.Join(failures, "; ")
	case len(missing) > 0:
		r.Status = Unknown
		r.Summary = "no such service: " + strings.Join(missing, ", ")
	case len(r.Services) == 0:
		r.Status = Unknown
		r.Summary = "no services found"
	default:
		r.Status = worst
		up, reg, drained := 0, 0, 0
		for _, s := range r.Services {
			up += s.Up
			reg += s.Registered
			drained += s.Drained
		}
		r.Summary = fmt.Sprintf("%s, %d/%d instances up", count(len(r.Services), "service", "services"), up, reg)
		if drained > 0 {
			r.Summary += fmt.Sprintf(" (%d drained: DRAIN or weight 0, not capacity)", drained)
		}
		if len(bad) > 0 {
			r.Summary += ": " + strings.Join(bad, ", ")
		}
		var maint []string
		for _, s := range r.Services {
			maint = append(maint, s.Maintenance...)
		}
		if len(maint) > 0 {
			r.Summary += "; in maintenance on this host: " + strings.Join(maint, ", ")
		}
	}
	r.Word, r.Code = r.Status.String(), int(r.Status)
	return r
}

func evaluateService(svc *state.Service, o Options) ServiceResult {
	sr := ServiceResult{Name: svc.Name, Registered: svc.Summary.Registered, Up: svc.Summary.Up, Drained: svc.Summary.Drained}
	raise := func(s Status, reason string) {
		if s > sr.status {
			sr.status = s
		}
		sr.Reasons = append(sr.Reasons, reason)
	}
	if o.CritBelow.Breached(sr.Up, sr.Registered) {
		raise(Critical, "up below "+o.CritBelow.String())
	} else if o.WarnBelow.Breached(sr.Up, sr.Registered) {
		raise(Warning, "up below "+o.WarnBelow.String())
	}
	seen := map[state.Code]bool{}
	note := func(c state.Code) {
		if seen[c] {
			return
		}
		seen[c] = true
		sr.Codes = append(sr.Codes, c)
		switch {
		case slices.Contains(o.CritOn, c):
			raise(Critical, string(c))
		case slices.Contains(o.WarnOn, c):
			raise(Warning, string(c))
		}
	}
	for _, d := range svc.Diagnoses {
		note(d.Code)
	}
	for _, in := range svc.Instances {
		for _, d := range in.Diagnoses {
			note(d.Code)
		}
		if len(in.Maintenance()) > 0 {
			sr.Maintenance = append(sr.Maintenance, maintenanceWords(svc.Name, &in))
		}
	}
	sr.Status = sr.status.String()
	return sr
}

// maintenanceWords names an instance in maintenance and why, briefly:
// "svc_a 10.0.0.5:8080 (disk swap, by alice)".
func maintenanceWords(svc string, in *state.Instance) string {
	w := svc + " " + in.Server
	if r := in.Registration; r != nil {
		w = svc + " " + r.Addr()
	}
	var why []string
	for _, e := range in.Maintenance() {
		x := e.Reason
		if e.By != "" {
			x += ", by " + e.By
		}
		if x != "" {
			why = append(why, x)
		}
	}
	if len(why) > 0 {
		w += " (" + strings.Join(why, "; ") + ")"
	}
	return w
}

// ParseCodes reads a comma-separated list of diagnosis codes, refusing unknown ones.
func ParseCodes(s string) ([]state.Code, error) {
	known := map[state.Code]bool{}
	for _, c := range AllCodes {
		known[c] = true
	}
	out := []state.Code{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !known[state.Code(f)] {
			return nil, fmt.Errorf("unknown diagnosis %q (known: %s)", f, codeList())
		}
		out = append(out, state.Code(f))
	}
	return out, nil
}

// AllCodes lists every diagnosis code a check may name: every code state
// knows (stale_session was missing from a list kept here by hand).
var AllCodes = state.AllCodes

func codeList() string {
	s := make([]string, len(AllCodes))
	for i, c := range AllCodes {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// perfLabel keeps perfdata labels parseable and printable: no quotes, '='
// or '|' inside, nothing termtext.Clean would escape.
func perfLabel(s string) string {
	return strings.NewReplacer("'", "_", "=", "_", "|", "_").Replace(termtext.Clean(s))
}

// thresholdPerf renders a "below N" threshold as a Nagios range "N:" (alert
// when the value is outside N..inf).
func thresholdPerf(t Threshold, registered int) string {
	if !t.Set {
		return ""
	}
	n := t.N
	if t.Percent {
		n = (t.N*registered + 99) / 100
	}
	return strconv.Itoa(n) + ":"
}

// count renders "1 service" or "n services".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// drainedWords is ", 1 drained" or "".
func drainedWords(n int) string {
	if n == 0 {
		return ""
	}
	return ", " + strconv.Itoa(n) + " drained"
}
