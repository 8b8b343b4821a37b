package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
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

// TestRebindingReachesEveryText: copy, back, diagnose, the view keys and
// the command line's history rebound: the old keys do nothing, the new
// ones act, and the hints, help, empty-list and error texts name them.
func TestRebindingReachesEveryText(t *testing.T) {
	k := DefaultKeyMap(true)
	k.Copy = bind([]string{"o"}, "o", "copy (the name, to the clipboard: OSC 52)")
	k.Back = bind([]string{"backspace"}, "backspace", "back")
	k.Dismiss = bind([]string{"backspace"}, "backspace", "cancel / close")
	k.Diagnose = bind([]string{"Z"}, "Z", "diagnose")
	k.View2 = bind([]string{"8"}, "8", "HAProxy")
	k.HistoryPrev = bind([]string{"left"}, "left", "earlier command")
	m := newTestModel(t, 160, 48, func(o *testOptions) { o.Keys = &k })

	press(m, "j", "enter")
	if s := screen(m); !strings.Contains(s, "o copy") || strings.Contains(s, "y copy") {
		t.Errorf("the hints line does not follow the copy key:\n%s", s)
	}
	if cmd := press(m, "y"); cmd != nil {
		t.Fatalf("the old copy key still copies")
	}
	if cmd := press(m, "o"); cmd == nil {
		t.Fatalf("the new copy key does not copy")
	}

	press(m, "backspace", "5", "Z")
	if !m.statusErr || m.status != "Z diagnoses a service (view 1) or a server (view 8)" {
		t.Errorf("diagnose's error: %q", m.status)
	}
	press(m, "/")
	typeText(m, "zzz")
	press(m, "enter")
	if s := screen(m); !strings.Contains(s, `nothing matches the filter "zzz" (backspace clears it)`) {
		t.Errorf("the empty list does not name the back key:\n%s", s)
	}
	press(m, "backspace", "1")

	press(m, ":")
	typeText(m, "events")
	press(m, "enter", ":", "up")
	if got := m.edit.String(); got != "" {
		t.Fatalf("the old history key recalled %q", got)
	}
	press(m, "left")
	if got := m.edit.String(); got != "events" {
		t.Fatalf("the new history key recalled %q", got)
	}
	press(m, "backspace", "?") // backspace is Dismiss now: it closes the command line
	s := screen(m)
	for _, want := range []string{"  o           copy", "  Z           diagnose", "left/↓ recall earlier commands", "backspace clears it"} {
		if !strings.Contains(s, want) {
			t.Errorf("help lacks %q:\n%s", want, s)
		}
	}
}

// TestRebindingReachesPlanAdvice: the Serf flavour's weight advice names
// the tags key as the keymap binds it.
func TestRebindingReachesPlanAdvice(t *testing.T) {
	for _, c := range []struct{ key, want string }{{"t", "t on the member: smart:serverweight"}, {"T", "T on the member: smart:serverweight"}} {
		k := DefaultKeyMap(false)
		k.SerfTags = bind([]string{c.key}, c.key, "Serf tags")
		m := newTestModel(t, 160, 48, serfAgentA, readWrite(t, &recWriter{}), func(o *testOptions) { o.Keys = &k })
		openService(t, m, "svc_b")
		selectInstance(t, m, "node-a")
		press(m, "w")
		typeText(m, "5")
		press(m, "enter")
		if s := screen(m); m.mode != modeConfirm || !strings.Contains(s, c.want) || strings.Contains(s, "{tags}") {
			t.Errorf("tags on %s: the weight plan's advice:\n%s", c.key, s)
		}
	}
}

// TestHatopKeysAnswered: hatop's F-keys, matched through the keymap, say
// which keys stacktui uses instead, spelled as the keymap binds them.
func TestHatopKeysAnswered(t *testing.T) {
	m := newTestModel(t, 160, 48, readWrite(t, &recWriter{}), func(o *testOptions) { o.Keys = rebound() })
	for _, c := range []struct {
		code rune
		want string
	}{
		{tea.KeyF1, "hatop F1 (enable everywhere): press z (ready), then o in the dialog to widen the scope"},
		{tea.KeyF2, "press m (maint) or e (drain), then o"},
		{tea.KeyF6, "hatop F5-F8 (weight -10/-1/+1/+10): press w and type the new weight"},
		{tea.KeyF10, "hatop F10 (disable this backend): press m (maint) or e (drain)"},
	} {
		m.Update(tea.KeyPressMsg{Code: c.code})
		if !strings.Contains(m.status, c.want) || m.mode != modeNormal {
			t.Errorf("F-key %d: status %q, want %q", c.code, m.status, c.want)
		}
	}
	k := DefaultKeyMap(false)
	k.HatopEnableAll.SetEnabled(false)
	m = newTestModel(t, 160, 48, readWrite(t, &recWriter{}), func(o *testOptions) { o.Keys = &k })
	m.Update(tea.KeyPressMsg{Code: tea.KeyF1})
	if strings.Contains(m.status, "hatop") {
		t.Errorf("a disabled binding still answers: %q", m.status)
	}
}

// TestRebindingEditKeys: the line editor's keys come from the keymap too.
func TestRebindingEditKeys(t *testing.T) {
	ctrl := func(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Mod: tea.ModCtrl} }
	k := DefaultKeyMap(true)
	k.Edit.KillWord = bind([]string{"ctrl+k"}, "ctrl+k", "delete the word before")
	m := newTestModel(t, 80, 24, func(o *testOptions) { o.Keys = &k })
	press(m, ":")
	typeText(m, "svc abc")
	m.Update(ctrl('w'))
	if got := m.edit.String(); got != "svc abc" {
		t.Fatalf("the old kill-word key edited: %q", got)
	}
	m.Update(ctrl('k'))
	if got := m.edit.String(); got != "svc " {
		t.Fatalf("the new kill-word key: %q", got)
	}
	m.Update(ctrl('a'))
	typeText(m, ">")
	if got := m.edit.String(); got != ">svc " {
		t.Fatalf("ctrl+a then text: %q", got)
	}
}
