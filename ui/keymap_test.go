package ui

import (
	"strings"
	"testing"
)

// rebound is the default keymap with drain on e, ready on z, the dialog's
// scope on o and the health menu's "up" on p.
func rebound() *KeyMap {
	k := DefaultKeyMap(false)
	k.Drain = bind([]string{"e"}, "e", "drain (server)")
	k.Ready = bind([]string{"z"}, "z", "ready (undo drain/maint)")
	k.ConfirmScope = bind([]string{"o"}, "o", "change scope")
	k.HealthUp = bind([]string{"p"}, "p", "up")
	return &k
}

// TestRebindingFollowsEverywhere: rebinding a key changes the help page,
// the hints line, the menus and the dialog texts with it, and the old
// letter does nothing.
func TestRebindingFollowsEverywhere(t *testing.T) {
	w := &recWriter{}
	m := newTestModel(t, 160, 48, readWrite(t, w), func(o *testOptions) { o.Keys = rebound() })
	press(m, "j", "enter") // svc_b's instances

	press(m, "d")
	if m.mode != modeNormal || m.confirm != nil {
		t.Fatalf("the old drain key still acts: mode %v", m.mode)
	}
	if s := screen(m); !strings.Contains(s, "e drain") || strings.Contains(s, "d drain") {
		t.Errorf("hints line does not follow the keymap:\n%s", s)
	}

	press(m, "e")
	if m.mode != modeConfirm {
		t.Fatalf("the new drain key does not open the dialog: mode %v", m.mode)
	}
	s := screen(m)
	for _, want := range []string{"Scope (o changes it)", "Undo: press z to make ready again"} {
		if !strings.Contains(s, want) {
			t.Errorf("dialog lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "press r") || strings.Contains(s, "(s changes it)") {
		t.Errorf("dialog names a default key:\n%s", s)
	}
	press(m, "s") // the old scope key: nothing
	if m.confirm.scope != 0 {
		t.Fatalf("the old scope key widened the scope")
	}
	press(m, "o")
	if m.confirm.scope != 1 {
		t.Fatalf("the new scope key did not widen the scope")
	}
	press(m, "esc")

	press(m, "h")
	if s := screen(m); !strings.Contains(s, "health: p up · s stopping") {
		t.Errorf("health menu does not follow the keymap:\n%s", s)
	}
	press(m, "u") // the old "up": nothing
	if m.mode != modePrompt {
		t.Fatalf("the old menu key picked a choice")
	}
	press(m, "esc", "?")
	s = screen(m)
	if !strings.Contains(s, "  e           drain (server)") || strings.Contains(s, "  d           drain") {
		t.Errorf("help does not follow the keymap:\n%s", s)
	}
	if len(w.cmds) != 0 {
		t.Fatalf("commands sent: %v", w.cmds)
	}
}
