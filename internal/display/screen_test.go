package display

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

var testEnv = []string{"TERM=xterm-256color"}

func view(content string) tea.View {
	v := tea.NewView(content)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "stacktui"
	return v
}

// mustContainInOrder fails unless every want is in got, in that order.
func mustContainInOrder(t *testing.T, what, got string, want ...string) {
	t.Helper()
	rest := got
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("%s: %q missing (or out of order) in %q", what, w, got)
		}
		rest = rest[i+len(w):]
	}
}

// TestScreenTakesAndGivesBackTheTerminal: nothing is written before the
// first frame; the first takes the terminal (alternate screen, cursor
// hidden, mouse cell motion, title) and draws; an unchanged view writes
// nothing; a change writes the change only; Close gives everything back,
// once.
func TestScreenTakesAndGivesBackTheTerminal(t *testing.T) {
	var out bytes.Buffer
	s := New(&out, testEnv, 20, 4)
	if out.Len() != 0 {
		t.Fatalf("New wrote %q", out.String())
	}
	wrote, err := s.Draw(view("hello\nworld"))
	if err != nil || !wrote {
		t.Fatalf("first Draw: wrote %v, err %v", wrote, err)
	}
	first := out.String()
	mustContainInOrder(t, "first frame", first,
		ansi.SetModeAltScreenSaveCursor, ansi.HideCursor,
		ansi.SetModeMouseButtonEvent+ansi.SetModeMouseExtSgr, ansi.SetWindowTitle("stacktui"), "hello")
	if !strings.Contains(first, "world") || !strings.Contains(first, ansi.SetModeBracketedPaste) {
		t.Fatalf("first frame %q", first)
	}

	out.Reset()
	if wrote, _ := s.Draw(view("hello\nworld")); wrote || out.Len() != 0 {
		t.Fatalf("an unchanged view wrote %q", out.String())
	}

	if wrote, _ := s.Draw(view("hello\nthere")); !wrote {
		t.Fatal("a changed view wrote nothing")
	}
	second := out.String()
	if !strings.Contains(second, "there") || strings.Contains(second, "hello") ||
		strings.Contains(second, ansi.SetModeAltScreenSaveCursor) || strings.Contains(second, ansi.SetWindowTitle("stacktui")) {
		t.Fatalf("the second frame is not the change alone: %q", second)
	}

	out.Reset()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	closing := out.String()
	mustContainInOrder(t, "close", closing, ansi.ResetModeAltScreenSaveCursor, ansi.ShowCursor)
	for _, want := range []string{ansi.ResetModeMouseButtonEvent, ansi.ResetModeMouseAnyEvent, ansi.ResetModeMouseExtSgr,
		ansi.ResetModeBracketedPaste, ansi.SetWindowTitle(""), ansi.ResetModifyOtherKeys} {
		if !strings.Contains(closing, want) {
			t.Errorf("close did not write %q: %q", want, closing)
		}
	}
	out.Reset()
	if err := s.Close(); err != nil || out.Len() != 0 {
		t.Fatalf("a second Close wrote %q (err %v)", out.String(), err)
	}
}

// TestScreenCloseWithoutAFrame: a console stopped before its first frame
// never took the terminal, so there is nothing to give back.
func TestScreenCloseWithoutAFrame(t *testing.T) {
	var out bytes.Buffer
	s := New(&out, testEnv, 20, 4)
	if err := s.Close(); err != nil || out.Len() != 0 {
		t.Fatalf("Close wrote %q (err %v)", out.String(), err)
	}
}

// TestScreenSynchronizedFrames: with mode 2026 each frame is one
// synchronized update; without it, none is.
func TestScreenSynchronizedFrames(t *testing.T) {
	var out bytes.Buffer
	s := New(&out, testEnv, 20, 4)
	s.Draw(view("one"))
	if strings.Contains(out.String(), ansi.SetModeSynchronizedOutput) {
		t.Fatalf("synchronized output before the terminal said it has it: %q", out.String())
	}
	s.SetSynchronized(true)
	out.Reset()
	s.Draw(view("two"))
	got := out.String()
	if !strings.HasPrefix(got, ansi.SetModeSynchronizedOutput) || !strings.HasSuffix(got, ansi.ResetModeSynchronizedOutput) ||
		!strings.Contains(got, "two") {
		t.Fatalf("frame not wrapped in synchronized output: %q", got)
	}
}

// TestScreenResizeRedraws: after a resize the same view is drawn again,
// whole, at the new size.
func TestScreenResizeRedraws(t *testing.T) {
	var out bytes.Buffer
	s := New(&out, testEnv, 20, 4)
	s.Draw(view("top\nbottom"))
	out.Reset()
	s.Resize(30, 6)
	if wrote, _ := s.Draw(view("top\nbottom")); !wrote {
		t.Fatal("an unchanged view after a resize was not redrawn")
	}
	got := out.String()
	if !strings.Contains(got, "top") || !strings.Contains(got, "bottom") || !strings.Contains(got, ansi.EraseEntireScreen) {
		t.Fatalf("not a full redraw after a resize: %q", got)
	}
	out.Reset()
	s.Resize(30, 6) // the same size again: nothing to do
	if wrote, _ := s.Draw(view("top\nbottom")); wrote {
		t.Fatalf("a resize to the same size redrew: %q", out.String())
	}
}

// TestScreenDownsamplesColours: a true-colour style reaches a 16-colour
// terminal as one of its 16 colours, and a NO_COLOR terminal without
// colour at all.
func TestScreenDownsamplesColours(t *testing.T) {
	red := "\x1b[38;2;255;0;0mRED\x1b[m"
	for _, tc := range []struct {
		profile colorprofile.Profile
		want    string
		notWant string
	}{
		{colorprofile.TrueColor, "38;2;255;0;0", ""},
		{colorprofile.ANSI, "\x1b[91m", "38;2"},
		{colorprofile.Ascii, "RED", "\x1b[9"},
	} {
		t.Run(tc.profile.String(), func(t *testing.T) {
			var out bytes.Buffer
			s := New(&out, testEnv, 20, 2)
			s.SetColorProfile(tc.profile)
			s.Draw(view(red))
			got := out.String()
			if !strings.Contains(got, tc.want) || (tc.notWant != "" && strings.Contains(got, tc.notWant)) ||
				!strings.Contains(got, "RED") {
				t.Fatalf("profile %s: want %q and not %q in %q", tc.profile, tc.want, tc.notWant, got)
			}
		})
	}
}

// TestScreenDetectsColourProfile: the profile comes from the writer and the
// environment given (the program is handed it rather than detecting it
// again).
func TestScreenDetectsColourProfile(t *testing.T) {
	if p := New(io.Discard, []string{"TERM=xterm-256color", "COLORTERM=truecolor"}, 20, 2).ColorProfile(); p != colorprofile.NoTTY {
		t.Errorf("not a terminal: profile %s, want NoTTY", p)
	}
	forced := []string{"TERM=xterm-256color", "COLORTERM=truecolor", "CLICOLOR_FORCE=1"}
	if p := New(io.Discard, forced, 20, 2).ColorProfile(); p != colorprofile.TrueColor {
		t.Errorf("CLICOLOR_FORCE, COLORTERM=truecolor: profile %s, want TrueColor", p)
	}
}

// TestScreenWriteIsBetweenFrames: a sequence written out of band (the
// clipboard) goes out at once, whole, and leaves the next frame alone.
func TestScreenWriteIsBetweenFrames(t *testing.T) {
	var out bytes.Buffer
	s := New(&out, testEnv, 20, 2)
	s.Draw(view("a"))
	out.Reset()
	osc := ansi.SetSystemClipboard("svc_b")
	if err := s.Write(osc); err != nil || out.String() != osc {
		t.Fatalf("Write wrote %q (err %v), want %q", out.String(), err, osc)
	}
	out.Reset()
	s.Draw(view("b"))
	if strings.Contains(out.String(), "52;") || !strings.Contains(out.String(), "b") {
		t.Fatalf("next frame %q", out.String())
	}
}

// page is a 160x48 frame like the HAProxy view's: styled columns on every
// row, the selected row in reverse video, rows numbered from first.
func page(first int) string {
	var b strings.Builder
	for y := range 48 {
		row := fmt.Sprintf("  svc%03d/s%05d  127.1.%d.%d:80  \x1b[32mUP\x1b[m  L4OK  w 1  sess %5d  rate %4d  lastchg %3ds  ok",
			(first+y)/100, first+y, (first+y)>>8&255, (first+y)&255, y*7, y*3, y)
		row += strings.Repeat(" ", max(0, 160-ansi.StringWidth(row)))
		if y == 5 {
			row = "\x1b[7m" + row + "\x1b[m"
		}
		b.WriteString(row)
		if y < 47 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// BenchmarkDrawPageDown is a page-down's frame at 160x48: the display's
// share of a key's latency (compare the lines, write the changed ones).
func BenchmarkDrawPageDown(b *testing.B) {
	s := New(io.Discard, testEnv, 160, 48)
	s.SetColorProfile(colorprofile.ANSI256)
	pages := []tea.View{view(page(0)), view(page(48))}
	s.Draw(pages[1])
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if wrote, err := s.Draw(pages[i%2]); !wrote || err != nil {
			b.Fatal(wrote, err)
		}
	}
}

// TestScreenWritesTheChangeOnly: a counter that changes in the middle of a
// styled row is written alone (the rest of the row is on the terminal
// already); one that changes its width rewrites the row from there.
func TestScreenWritesTheChangeOnly(t *testing.T) {
	var out bytes.Buffer
	s := New(&out, testEnv, 80, 2)
	s.SetColorProfile(colorprofile.TrueColor)
	row := func(n string) string {
		return "  svc042/web-1  \x1b[32mUP\x1b[m  sess " + n + "  rate 17/s  \x1b[38;5;245mlastchg 3m12s\x1b[m  ok"
	}
	s.Draw(view(row("41")))
	out.Reset()
	s.Draw(view(row("42")))
	if got := out.String(); strings.Contains(got, "rate") || !strings.Contains(got, "2") || len(got) > 16 {
		t.Fatalf("one digit changed wrote %q", got)
	}
	out.Reset()
	s.Draw(view(row("100")))
	if got := out.String(); !strings.Contains(got, "100  rate 17/s") || !strings.Contains(got, "lastchg 3m12s") {
		t.Fatalf("a wider counter did not rewrite the rest of the row: %q", got)
	}
}
