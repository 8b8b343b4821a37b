package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
)

// altKey is an esc-prefixed key as the terminal input layer reports it
// when Esc and the key arrive together (what tea parses "\x1b2" into).
func altKey(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter, Mod: tea.ModAlt}
	case "G":
		return tea.KeyPressMsg{Code: 'g', ShiftedCode: 'G', Mod: tea.ModAlt | tea.ModShift}
	}
	return tea.KeyPressMsg{Code: []rune(k)[0], Mod: tea.ModAlt}
}

// TestEscPrefixedKeysAreEscThenKey: over a slow link "Esc 2" arrives as
// alt+2; with no alt binding it is Esc, then 2 (issue 18 item 7).
func TestEscPrefixedKeysAreEscThenKey(t *testing.T) {
	m := newTestModel(t, 80, 24, readWrite(t, &recWriter{}))
	press(m, "enter") // svc_a's instances
	m.Update(altKey("2"))
	if m.view != viewHAProxy {
		t.Fatalf("Esc 2 (as alt+2): view %v, want HAProxy", m.view)
	}
	// Esc 1 g j enter j m: back to services, svc_b, its second instance, maint.
	m.Update(altKey("1"))
	press(m, "g", "j", "enter", "j", "m")
	if m.view != viewDetail || m.detail.service != "svc_b" {
		t.Fatalf("Esc 1 g j enter: view %v service %q", m.view, m.detail.service)
	}
	if in := m.detail.selected(); in == nil || instName(in) != "web2" {
		t.Fatalf("j: selected %v", in)
	}
	if m.mode != modeConfirm || m.confirm.plan.Title == "" {
		t.Fatalf("m did not plan maintenance: mode %v", m.mode)
	}
	m.Update(altKey("G")) // Esc cancels the dialog, G goes to the last instance
	if m.mode != modeNormal || m.detail.cursor != m.detail.n-1 {
		t.Fatalf("Esc G in the dialog: mode %v cursor %d of %d", m.mode, m.detail.cursor, m.detail.n)
	}
	// In the filter, Esc clears it and the key acts.
	press(m, "/")
	typeText(m, "web")
	m.Update(altKey("k"))
	if in := m.detail.selected(); m.mode != modeNormal || m.detail.filter.text != "" || in == nil || instName(in) != "web2" {
		t.Fatalf("Esc k in the filter (on web3): mode %v filter %q selected %v", m.mode, m.detail.filter.text, in)
	}
	// Esc enter from the detail: back to services, then open the selected one.
	m.Update(altKey("enter"))
	if m.view != viewDetail || m.detail.service != "svc_b" {
		t.Fatalf("Esc enter: view %v service %q", m.view, m.detail.service)
	}
}

// TestEscPrefixedGolden: Esc 1 g j enter j m, with each Esc arriving glued
// to its key, ends on svc_b web2's maintenance plan at 80x24 and 160x48.
func TestEscPrefixedGolden(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sizeName(sz), func(t *testing.T) {
			m := newTestModel(t, sz[0], sz[1], readWrite(t, &recWriter{}))
			press(m, "enter")
			m.Update(altKey("2"))
			m.Update(altKey("1"))
			press(m, "g", "j", "enter", "j", "m")
			out := screen(m)
			checkFrame(t, out, sz[0], sz[1])
			golden.RequireEqual(t, out)
		})
	}
}
