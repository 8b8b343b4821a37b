package ui

import (
	"image/color"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

func TestStylesAdaptToBackground(t *testing.T) {
	dark := NewStyles(PaletteColor, true)
	light := NewStyles(PaletteColor, false)
	if dark.OK.GetForeground() == light.OK.GetForeground() {
		t.Error("the same green on dark and light backgrounds")
	}
	mono := NewStyles(PaletteMono, true)
	for name, st := range map[string]lipStyle{"OK": mono.OK, "Bad": mono.Bad, "Selected": mono.Selected, "Badge": mono.Badge} {
		if _, ok := st.GetForeground().(lipgloss.NoColor); !ok {
			t.Errorf("monochrome %s has a foreground colour %v", name, st.GetForeground())
		}
		if _, ok := st.GetBackground().(lipgloss.NoColor); !ok {
			t.Errorf("monochrome %s has a background colour %v", name, st.GetBackground())
		}
	}
	if !mono.Selected.GetReverse() || !mono.Badge.GetReverse() {
		t.Error("monochrome selection and badge must be reverse video")
	}
}

func TestBackgroundColorMsgSwitchesStyles(t *testing.T) {
	m := newTestModel(t, 80, 24)
	if !m.st.Dark {
		t.Fatal("must default to dark until the terminal answers")
	}
	m.Update(tea.BackgroundColorMsg{Color: color.White})
	if m.st.Dark {
		t.Fatal("a white background did not switch to the light palette")
	}
}

func TestNoColorEnv(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	if !NoColorRequested() {
		t.Fatal("NO_COLOR ignored")
	}
	m := newTestModel(t, 80, 24)
	if m.st.Palette != PaletteMono {
		t.Fatal("NO_COLOR did not select the monochrome palette")
	}
}
