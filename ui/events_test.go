package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktui/stacktui/live"
)

// note feeds a trace note: one event.
func note(m *Model, text string) {
	m.o.Feed.(*testFeed).send(m, live.Input{At: fixedNow, Note: text})
}

// TestEventsFollowTheNewest: like less +F, the newest event stays in view
// and selected; scrolling up stops following and says so; G follows again
// (issue 18 item 3).
func TestEventsFollowTheNewest(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sizeName(sz), func(t *testing.T) {
			m := newTestModel(t, sz[0], sz[1])
			press(m, "5")
			for i := range 60 {
				note(m, "event "+itoa(i))
			}
			if e := m.events.selected(); e == nil || !strings.HasSuffix(e.Text, "event 59") {
				t.Fatalf("following: selected %v, want the newest", e)
			}
			if s := screen(m); !strings.Contains(s, "event 59") || !strings.Contains(s, "following the newest") {
				t.Fatalf("the newest event is not on screen:\n%s", s)
			}
			press(m, "k", "k")
			note(m, "event 60")
			note(m, "event 61")
			if e := m.events.selected(); e == nil || !strings.HasSuffix(e.Text, "event 57") {
				t.Fatalf("not following: selected %v, want event 57 kept", e)
			}
			s := screen(m)
			if !strings.Contains(s, "not following: 4 newer below · G follows the newest") {
				t.Fatalf("not following is not said:\n%s", s)
			}
			golden.RequireEqual(t, s)
			press(m, "G")
			note(m, "event 62")
			if e := m.events.selected(); e == nil || !strings.HasSuffix(e.Text, "event 62") {
				t.Fatalf("G did not resume following: selected %v", e)
			}
			// enter opens the selected event in full.
			press(m, "enter")
			if s := screen(m); m.overlay != overlayInspect || !strings.Contains(s, "event 62") || !strings.Contains(s, "source   note") {
				t.Fatalf("enter on an event:\n%s", s)
			}
		})
	}
}
