package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

var fleetNow = time.Date(2026, 12, 2, 4, 30, 0, 0, time.UTC)

// fleetFixture is four hosts: h1 and h2 up to date, h3 stuck (still
// routing to the deregistered old instance, missing the new one), h4 dead.
func fleetFixture() *state.FleetView {
	U, M, A, X := state.HostUp, state.HostMaint, state.HostAbsent, state.HostUnknown
	hosts := []state.FleetHost{{Name: "h1", Reachable: true}, {Name: "h2", Reachable: true},
		{Name: "h3", Reachable: true, Disagreements: 2, Stuck: []string{"svc_a"}},
		{Name: "h4", Err: "connection refused", LastGood: fleetNow.Add(-42 * time.Second)}}
	stuckText := "h3 has no server for this registered instance in backend svc_a: its Synapse has not added it (for 2m0s); Synapse on h3 looks stuck."
	svcA := state.FleetService{Name: "svc_a", Backend: "svc_a", Registered: 2, Hosts: 3, Disagreeing: 1,
		Instances: []state.FleetInstance{
			{Key: "svc_a/new_10.0.0.2:80", Server: "new_10.0.0.2:80", Addr: "10.0.0.2:80",
				Registration: &sources.Registration{Name: "new", Host: "10.0.0.2", Port: 80},
				States:       []state.HostState{U, U, A, X}, Counts: state.FleetCounts{Up: 2, Absent: 1, Unknown: 1},
				Findings: []state.FleetFinding{{Host: "h3", Kind: state.FleetMissing, Overdue: true, Stuck: true, Text: stuckText}}},
			{Key: "svc_a/web_10.0.0.3:80", Server: "web_10.0.0.3:80", Addr: "10.0.0.3:80",
				Registration: &sources.Registration{Name: "web", Host: "10.0.0.3", Port: 80},
				States:       []state.HostState{U, U, U, X}, Counts: state.FleetCounts{Up: 3, Unknown: 1}},
			{Key: "svc_a/old_10.0.0.1:80", Server: "old_10.0.0.1:80", Addr: "10.0.0.1:80",
				States: []state.HostState{M, M, U, X}, Counts: state.FleetCounts{Up: 1, Maint: 2, Unknown: 1},
				Findings: []state.FleetFinding{{Host: "h3", Kind: state.FleetStale, Status: "UP", Routing: true, Stuck: true,
					Text: "h3 still has this unregistered server UP: its Synapse has not disabled or removed it, and HAProxy there sends it new traffic."}}},
		}}
	svcB := state.FleetService{Name: "svc_b", Backend: "svc_b", Hosts: 3, KeptPrevious: true,
		Instances: []state.FleetInstance{{Key: "svc_b/j_10.0.1.1:81", Server: "j_10.0.1.1:81", Addr: "10.0.1.1:81",
			States: []state.HostState{U, U, U, X}, Counts: state.FleetCounts{Up: 3, Unknown: 1}}}}
	return &state.FleetView{At: fleetNow, Grace: 30 * time.Second, Hosts: hosts, Reachable: 3,
		Registry: &sources.Snapshot{}, Services: []state.FleetService{svcA, svcB}}
}

// testFleetPane is a fleet pane on a common of its own, at fleetNow.
func testFleetPane() fleetPane {
	keys := DefaultKeyMap(false)
	return newFleetPane(&common{st: NewStyles(PaletteMono, true), keys: &keys, now: func() time.Time { return fleetNow }})
}

func renderFleet(p *fleetPane, w, h int) string {
	p.height = h - 2
	return ansi.Strip(p.view(w, h))
}

func TestFleetPaneGolden(t *testing.T) {
	for _, w := range []int{60, 100, 140} {
		t.Run(fmt.Sprintf("width=%d", w), func(t *testing.T) {
			p := testFleetPane()
			p.setView(fleetFixture())
			golden.RequireEqual(t, []byte(renderFleet(&p, w, 12)))
		})
	}
}

func TestFleetPaneFilterSortAndEvidence(t *testing.T) {
	p := testFleetPane()
	p.setView(fleetFixture())
	out := renderFleet(&p, 120, 12)
	for _, want := range []string{"Fleet: 3 of 4 hosts read", "unreadable: h4 (42s)", "Synapse stuck: h3 (svc_a)", "h3!", "kept: nothing registered"} {
		if !strings.Contains(out, want) {
			t.Errorf("fleet pane lacks %q:\n%s", want, out)
		}
	}

	// By default sorted by disagreement, most first: every instance a host
	// disagrees about is above every one none does.
	if p.sort != fleetDisagreeColumn || !p.desc {
		t.Fatalf("default sort: column %d desc %v, want DISAGREE descending", p.sort, p.desc)
	}
	agreed := false
	for _, r := range p.rows {
		if len(r.in.Findings) == 0 {
			agreed = true
		} else if agreed {
			t.Errorf("%s, which hosts disagree about, is below an instance none does:\n%s", r.in.Key, out)
		}
	}
	if _, in := p.selected(); in == nil || len(in.Findings) == 0 {
		t.Errorf("the first row, selected, has no disagreement: %+v", in)
	}

	// The filter matches disagreeing hosts too.
	p.sort, p.dirty = -1, true
	p.filter = setFilter("h3")
	p.dirty = true
	renderFleet(&p, 120, 12)
	if len(p.rows) != 2 {
		t.Errorf("filter h3 kept %d rows, want the two instances h3 disagrees on", len(p.rows))
	}
	p.filter = setFilter("")
	p.dirty = true
	renderFleet(&p, 120, 12)

	p.move(0, p.keyAt)
	title, lines := p.evidence()
	text := strings.Join(lines, "\n")
	if title != "From which hosts: svc_a / new_10.0.0.2:80" || !strings.Contains(text, "UP on 2 hosts: h1, h2") ||
		!strings.Contains(text, "not at all on 1 host: h3") || !strings.Contains(text, "Unknown on 1 host that could not be read: h4 (connection refused") {
		t.Errorf("evidence %q:\n%s", title, text)
	}
}

func TestFleetPaneEmpty(t *testing.T) {
	p := testFleetPane()
	if out := renderFleet(&p, 80, 6); !strings.Contains(out, "Fleet: not read yet") || !strings.Contains(out, "being read") {
		t.Errorf("before the first read:\n%s", out)
	}
	p.setView(&state.FleetView{At: fleetNow})
	if out := renderFleet(&p, 80, 6); !strings.Contains(out, "no fleet hosts: give --fleet-hosts") {
		t.Errorf("no hosts:\n%s", out)
	}
}

// TestFleetViewInTheConsole: with --fleet the frames' fleet view is view 6
// (a tab, a key, tab order); D there answers "from which hosts?"; D on an
// instance of the detail view ends with the same evidence; action keys in
// the fleet view say why nothing happens.
func TestFleetViewInTheConsole(t *testing.T) {
	m := newTestModel(t, 140, 40, func(o *testOptions) { o.Fleet = true })
	if s := screen(m); !strings.Contains(s, "6 Fleet") {
		t.Fatalf("no fleet tab:\n%s", s)
	}
	press(m, "enter") // svc_a's instances
	in := m.detail.selected()
	if in == nil {
		t.Fatal("no instance in the detail view")
	}
	v := fleetFixture()
	v.Services[0].Instances[0].Key = in.Key // the fleet's view of this instance
	m.o.Feed.(*testFeed).send(m, live.Input{At: fixedNow, Fleet: v, FleetSettled: true})

	press(m, "D")
	s := screen(m)
	if !strings.Contains(s, "From which hosts? (the fleet, view 6)") || !strings.Contains(s, "not at all on 1 host: h3") {
		t.Errorf("D on an instance does not end with the fleet's evidence:\n%s", s)
	}
	press(m, "esc", "esc", "6")
	if m.view != viewFleet {
		t.Fatalf("6 opened view %v", m.view)
	}
	s = screen(m)
	if !strings.Contains(s, "[6 Fleet]") || !strings.Contains(s, "Fleet: 3 of 4 hosts read") || !strings.Contains(s, "h3!") {
		t.Errorf("fleet view:\n%s", s)
	}
	press(m, "D")
	if s := screen(m); m.overlay != overlayDiagnose || !strings.Contains(s, "From which hosts: svc_a") || !strings.Contains(s, "UP on 2 hosts: h1, h2") {
		t.Errorf("D in the fleet view:\n%s", s)
	}
	press(m, "esc", "d")
	if m.status != fleetReadOnly || m.mode != modeNormal {
		t.Errorf("d in the fleet view: status %q mode %v", m.status, m.mode)
	}
	press(m, "tab")
	if m.view != viewServices {
		t.Errorf("tab from the fleet went to view %v, want services", m.view)
	}
	press(m, "shift+tab")
	if m.view != viewFleet {
		t.Errorf("shift+tab from services went to view %v, want the fleet", m.view)
	}

	// Without --fleet: no tab, and 6 does nothing.
	plain := newTestModel(t, 140, 40)
	press(plain, "6")
	if s := screen(plain); plain.view != viewServices || strings.Contains(s, "Fleet") {
		t.Errorf("without --fleet: view %v\n%s", plain.view, s)
	}
}
