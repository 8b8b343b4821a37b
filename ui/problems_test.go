package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktui/stacktui/sources"
)

// TestServicesWorstFirst: by default the worst service comes first, and
// services as bad as each other by name (issue 18 item 5).
func TestServicesWorstFirst(t *testing.T) {
	m := newTestModel(t, 80, 24, func(o *testOptions) {
		o.Registry.cur.Services = append(o.Registry.cur.Services, sources.Service{Name: "svc_0", Path: "/nerve/services/svc_0/services"})
	})
	if got := strings.Join(serviceNames(m), ","); got != "svc_a,svc_b,svc_0,svc_c" {
		t.Fatalf("order %s, want worst first then by name", got)
	}
	if got := selectedService(m); got != "svc_a" {
		t.Fatalf("the cursor starts on %q, want the worst", got)
	}
}

// TestChangedRowsMarked: a service that changes, or appears, is marked in
// the gutter (~ and +) for a few seconds, then not (issue 18 item 5).
func TestChangedRowsMarked(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sizeName(sz), func(t *testing.T) {
			clock := fixedNow
			m := newTestModel(t, sz[0], sz[1])
			m.now = func() time.Time { return clock }
			reg := fixtureRegistry(t)
			reg.Services[1].Registrations = reg.Services[1].Registrations[:2]                                               // svc_b loses one
			reg.Services = append(reg.Services, sources.Service{Name: "svc_new", Path: "/nerve/services/svc_new/services"}) // and one appears
			clock = clock.Add(time.Second)
			sendRegistry(m, sources.Update{Snapshot: reg})
			out := screen(m)
			if !strings.Contains(out, " ~svc_b") || !strings.Contains(out, " +svc_new") || strings.Contains(out, "~svc_a") {
				t.Fatalf("changed and new rows not marked:\n%s", out)
			}
			golden.RequireEqual(t, out)
			clock = clock.Add(changeMarkFor)
			m.Update(tickMsg(clock))
			if out := screen(m); strings.Contains(out, "~svc_b") || strings.Contains(out, "+svc_new") {
				t.Fatalf("marks outlived %s:\n%s", changeMarkFor, out)
			}
		})
	}
}

func sizeName(sz [2]int) string { return itoa(sz[0]) + "x" + itoa(sz[1]) }

// openService opens the named service from the services view, wherever
// the sort put it.
func openService(t testing.TB, m *Model, name string) {
	t.Helper()
	for i, s := range m.services.rows {
		if s.Name == name {
			m.moveTo(i)
			press(m, "enter")
			return
		}
	}
	t.Fatalf("no service %q in the services view", name)
}
