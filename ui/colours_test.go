package ui

import (
	"bytes"
	"fmt"
	"image/color"
	"regexp"
	"strings"
	"testing"

	"github.com/stacktui/stacktui/haproxy"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
)

// statusSGR renders the HAProxy view with UP, DRAIN, MAINT and DOWN servers
// as a terminal of profile prof shows it (the program's downsampling
// included), and returns the SGR parameters each status word is drawn
// with. known says whether the program told the model the profile.
func statusSGR(t *testing.T, prof colorprofile.Profile, dark, known bool) map[string]string {
	t.Helper()
	return statusSGRAt(t, 160, 48, prof, dark, known)
}

// statusSGRAt is statusSGR on a w x h terminal.
func statusSGRAt(t *testing.T, cols, rows int, prof colorprofile.Profile, dark, known bool) map[string]string {
	t.Helper()
	m := newTestModel(t, cols, rows, func(o *testOptions) {
		s := o.HAProxy.snaps[0]
		for i := range s.Stats.Rows {
			switch s.Stats.Rows[i].Name() {
			case "web3_10.0.0.3:8080":
				s.Stats.Rows[i].SetString(haproxy.ColStatus, "DOWN")
			case "old4_10.0.0.4:8080":
				s.Stats.Rows[i].SetString(haproxy.ColStatus, "MAINT")
			}
		}
	})
	if known {
		m.Update(tea.ColorProfileMsg{Profile: prof})
	}
	bg := color.Color(color.Black)
	if !dark {
		bg = color.White
	}
	m.Update(tea.BackgroundColorMsg{Color: bg})
	press(m, "2")
	var out bytes.Buffer
	w := &colorprofile.Writer{Forward: &out, Profile: prof}
	if _, err := w.Write([]byte(m.render())); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	re := regexp.MustCompile(`\x1b\[([0-9;]*)m(UP|DRAIN|MAINT|DOWN) `)
	for _, line := range strings.Split(out.String(), "\n") {
		if !strings.Contains(line, "_10.0.0.") || strings.HasPrefix(ansiStrip(line), ">") {
			continue // servers only, not the selected row (drawn plain)
		}
		if mm := re.FindStringSubmatch(line); mm != nil {
			got[mm[2]] = mm[1]
		}
	}
	return got
}

// TestStatusColoursDistinct: MAINT and DRAIN never take DOWN's red, nor
// each other's colour, on 16 and 256 colours and truecolor, dark and light
// backgrounds, whether or not the program reported the profile (issue 18
// item 6: on 16 colours the yellows downsampled to red).
func TestStatusColoursDistinct(t *testing.T) {
	for _, prof := range []colorprofile.Profile{colorprofile.ANSI, colorprofile.ANSI256, colorprofile.TrueColor} {
		for _, dark := range []bool{true, false} {
			for _, known := range []bool{true, false} {
				sgr := statusSGR(t, prof, dark, known)
				name := prof.String() + map[bool]string{true: " dark", false: " light"}[dark] + map[bool]string{true: "", false: " (profile not reported)"}[known]
				if len(sgr) != 4 {
					t.Fatalf("%s: status words found %v", name, sgr)
				}
				seen := map[string]string{}
				for word, p := range sgr {
					if other, dup := seen[p]; dup {
						t.Errorf("%s: %s and %s drawn alike (SGR %q)", name, word, other, p)
					}
					seen[p] = word
				}
			}
		}
	}
}

// TestNoColorWordsCarryIt: with NO_COLOR nothing is coloured; the status
// words are what tells DOWN from MAINT and DRAIN.
func TestNoColorWordsCarryIt(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	m := newTestModel(t, 160, 48)
	press(m, "2")
	out := m.render()
	if regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|4[0-9]|9[0-7]|10[0-7])[;m]`).MatchString(out) {
		t.Fatalf("NO_COLOR: colour SGR in the frame: %q", out)
	}
	for _, word := range []string{"UP", "DRAIN"} {
		if !strings.Contains(ansiStrip(out), " "+word+" ") {
			t.Errorf("NO_COLOR: %s not on screen", word)
		}
	}
}

// TestStatusColoursGolden: the HAProxy view at 80x24 and 160x48 as words,
// and the colour (SGR) of each status word on 16, 256 and truecolor, dark
// and light: a change of palette shows in review.
func TestStatusColoursGolden(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sizeName(sz), func(t *testing.T) {
			m := newTestModel(t, sz[0], sz[1])
			press(m, "2")
			var b strings.Builder
			b.WriteString(screen(m))
			b.WriteString("\n---- SGR of the status words\n")
			for _, prof := range []colorprofile.Profile{colorprofile.ANSI, colorprofile.ANSI256, colorprofile.TrueColor} {
				for _, dark := range []bool{true, false} {
					sgr := statusSGRAt(t, sz[0], sz[1], prof, dark, true)
					fmt.Fprintf(&b, "%-9s %-5s", prof, map[bool]string{true: "dark", false: "light"}[dark])
					for _, w := range []string{"UP", "DRAIN", "MAINT", "DOWN"} {
						fmt.Fprintf(&b, " %s=%s", w, sgr[w])
					}
					b.WriteByte('\n')
				}
			}
			golden.RequireEqual(t, b.String())
		})
	}
}
