package check

import (
	"strings"
	"testing"

	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

func view(services ...state.Service) *state.View { return &state.View{Services: services} }

func svc(name string, registered, up int, codes ...state.Code) state.Service {
	s := state.Service{Name: name, Summary: state.Summary{Registered: registered, Up: up}}
	for _, c := range codes {
		s.Instances = append(s.Instances, state.Instance{Diagnoses: []state.Diagnosis{{Code: c, Text: string(c)}}})
	}
	return s
}

func drained(s state.Service, n int) state.Service {
	s.Summary.Drained = n
	return s
}

func mustThreshold(t *testing.T, s string) Threshold {
	t.Helper()
	th, err := ParseThreshold(s)
	if err != nil {
		t.Fatal(err)
	}
	return th
}

func TestEvaluate(t *testing.T) {
	for _, tc := range []struct {
		name     string
		view     *state.View
		failures []string
		opts     Options
		want     Status
		contains string
	}{
		{"all up", view(svc("a", 2, 2, state.CodeOK, state.CodeOK)), nil, Options{}, OK, "1 service, 2/2 instances up"},
		{"one down warns by diagnosis", view(svc("a", 2, 1, state.CodeOK, state.CodeDown)), nil, Options{}, Warning, "a WARNING (1/2 up: down)"},
		{"crit count threshold", view(svc("a", 3, 0, state.CodeDown)), nil, Options{CritBelow: mustThreshold(t, "1")}, Critical, "up below 1"},
		{"warn percent threshold", view(svc("a", 4, 1)), nil, Options{WarnBelow: mustThreshold(t, "50%")}, Warning, "up below 50%"},
		{"percent threshold not breached at exactly 50", view(svc("a", 4, 2)), nil, Options{WarnBelow: mustThreshold(t, "50%")}, OK, "2/4"},
		{"crit wins over warn", view(svc("a", 4, 0)), nil, Options{WarnBelow: mustThreshold(t, "75%"), CritBelow: mustThreshold(t, "25%")}, Critical, "a CRITICAL"},
		{"no registrations is critical by default", view(svc("a", 0, 0, state.CodeNoRegistrations)), nil, Options{}, Critical, "no_registrations"},
		{"custom critical diagnosis", view(svc("a", 2, 2, state.CodeDuplicate)), nil, Options{CritOn: []state.Code{state.CodeDuplicate}}, Critical, "duplicate"},
		{"diagnosis not counted when lists are empty", view(svc("a", 2, 1, state.CodeDown)), nil, Options{WarnOn: []state.Code{}, CritOn: []state.Code{}}, OK, ""},
		{"source failure is unknown", view(svc("a", 2, 2)), []string{"zookeeper 127.0.0.1:1: connection refused"}, Options{}, Unknown, "cannot read zookeeper"},
		{"unknown service is unknown", view(svc("a", 2, 2)), nil, Options{Services: []string{"b"}}, Unknown, "no such service: b"},
		{"only selected services count", view(svc("a", 2, 2), svc("b", 2, 0, state.CodeDown)), nil, Options{Services: []string{"a"}}, OK, "1 service,"},
		{"empty view is unknown", view(), nil, Options{}, Unknown, "no services"},
		{"a drained instance is not capacity", view(drained(svc("a", 2, 1, state.CodeOK, state.CodeDrain), 1)), nil, Options{WarnBelow: mustThreshold(t, "2")}, Warning, "a WARNING (1/2 up, 1 drained: up below 2)"},
		{"a drained instance is said", view(drained(svc("a", 2, 1, state.CodeOK, state.CodeDrain), 1)), nil, Options{}, OK, "1/2 instances up (1 drained: DRAIN or weight 0, not capacity)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Evaluate(tc.view, tc.failures, tc.opts)
			if r.Status != tc.want {
				t.Fatalf("status %s, want %s: %s", r.Status, tc.want, r.Line())
			}
			if r.Code != int(tc.want) || r.Word != tc.want.String() {
				t.Fatalf("code/word %d/%s disagree with %s", r.Code, r.Word, tc.want)
			}
			if !strings.Contains(r.Line(), tc.contains) {
				t.Fatalf("line %q does not contain %q", r.Line(), tc.contains)
			}
			if !strings.HasPrefix(r.Line(), "STACKTUI "+tc.want.String()+" - ") {
				t.Fatalf("line %q lacks the Nagios prefix", r.Line())
			}
		})
	}
}

func TestPerfdata(t *testing.T) {
	r := Evaluate(view(svc("a", 4, 3), svc("we'ird=x", 2, 2)), nil, Options{WarnBelow: mustThreshold(t, "50%"), CritBelow: mustThreshold(t, "1")})
	want := "'a_up'=3;2:;1:;0;4 'we_ird_x_up'=2;1:;1:;0;2"
	if r.Perfdata != want {
		t.Fatalf("perfdata %q, want %q", r.Perfdata, want)
	}
}

func TestParseThreshold(t *testing.T) {
	for _, bad := range []string{"x", "-1", "101%", "5%%", "1.5"} {
		if _, err := ParseThreshold(bad); err == nil {
			t.Errorf("ParseThreshold(%q) accepted", bad)
		}
	}
	if th, _ := ParseThreshold(""); th.Set {
		t.Error("empty threshold is set")
	}
}

func TestParseCodes(t *testing.T) {
	got, err := ParseCodes("down, duplicate,,")
	if err != nil || len(got) != 2 || got[0] != state.CodeDown || got[1] != state.CodeDuplicate {
		t.Fatalf("ParseCodes = %v, %v", got, err)
	}
	if _, err := ParseCodes("down,bogus"); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("unknown code not refused: %v", err)
	}
}

// TestMaintenanceIsSaid: an instance in durable maintenance is said in the
// line, and is OK by default (planned) but WARNING with --warn-on maintenance.
func TestMaintenanceIsSaid(t *testing.T) {
	s := svc("svc_a", 1, 1, state.CodeOK)
	s.Instances = append(s.Instances, state.Instance{Server: "web-1_10.0.0.5:8080",
		Diagnoses: []state.Diagnosis{{Code: state.CodeMaintenance, Text: "In durable maintenance on this host"}},
		Rare:      &state.InstanceRare{Maintenance: []sources.MaintenanceEntry{{Kind: sources.MaintHacheck, Reason: "disk swap", By: "alice"}}}})
	r := Evaluate(view(s), nil, Options{})
	if r.Status != OK || !strings.Contains(r.Line(), "in maintenance on this host: svc_a web-1_10.0.0.5:8080 (disk swap, by alice)") {
		t.Fatalf("default: %s", r.Line())
	}
	codes, err := ParseCodes("maintenance")
	if err != nil {
		t.Fatal(err)
	}
	if r := Evaluate(view(s), nil, Options{WarnOn: codes}); r.Status != Warning || !strings.Contains(r.Line(), "svc_a WARNING (1/1 up: maintenance)") {
		t.Fatalf("--warn-on maintenance: %s", r.Line())
	}
}

// TestLineIsOneCleanLine: service names and source errors come from outside;
// whatever they hold, the status line is one printable line whose only '|'
// starts the perfdata.
func TestLineIsOneCleanLine(t *testing.T) {
	for _, s := range []string{"svc\nCRITICAL - fake second line", "red\x1b[31m", "title\x1b]0;x\x07", "rlo\u202e", "c1\u009b2J",
		"pipe|'a'=1", "bad\xff", "ok"} {
		checkLine(t, Evaluate(view(svc(s, 2, 0, state.CodeDown)), nil, Options{}), s)
		checkLine(t, Evaluate(view(svc("a", 1, 1)), []string{"haproxy " + s + ": " + s}, Options{}), s)
		checkLine(t, Evaluate(view(svc("a", 1, 1)), nil, Options{Services: []string{s}}), s)
	}
}

func checkLine(t *testing.T, r *Result, s string) {
	t.Helper()
	l := r.Line()
	if !termtext.IsClean(l) {
		t.Errorf("%q: status line is not clean: %q", s, l)
	}
	if n := strings.Count(l, "|"); n > 1 || (n == 1) != (r.Perfdata != "") {
		t.Errorf("%q: %d '|' in %q (perfdata %q)", s, n, l, r.Perfdata)
	}
}

func FuzzLine(f *testing.F) {
	f.Add("svc\nCRITICAL - x", "err\x1b[2J")
	f.Fuzz(func(t *testing.T, name, failure string) {
		checkLine(t, Evaluate(view(svc(name, 2, 1, state.CodeDown)), nil, Options{}), name)
		checkLine(t, Evaluate(view(svc(name, 2, 1)), []string{failure}, Options{}), failure)
	})
}
