package ui

import (
	"bytes"
	"encoding/base64"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stacktui/stacktui/internal/display"
)

// lockedBuffer is a terminal's output, written by the program and read by
// the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitOutput waits until out holds every want (a frame is drawn when the
// program gets to it; the test waits for it, not for a clock).
func waitOutput(t *testing.T, what string, out *lockedBuffer, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := out.String()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %q not all written within 10s; output:\n%q", what, want, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestConsoleDrawsThroughDisplay runs the console as Run does, keys typed
// into its input: Bubble Tea's renderer stays off (nothing of a frame on
// its output), the first frame takes the terminal, the copy key's OSC 52
// goes out through the display at once rather than through Bubble Tea's
// once-a-second queue, and quitting gives the terminal back.
func TestConsoleDrawsThroughDisplay(t *testing.T) {
	m := newTestModel(t, 100, 30)
	var scrOut, teaOut lockedBuffer
	scr := display.New(&scrOut, []string{"TERM=xterm-256color"}, 100, 30)
	c := newConsole(m, scr)
	in, keys := io.Pipe()
	defer keys.Close()
	opts := append(programOptions(in, 100, 30), tea.WithOutput(&teaOut), tea.WithEnvironment([]string{"TERM=xterm-256color"}))
	p := tea.NewProgram(c, opts...)
	done := make(chan error, 1)
	go func() {
		_, err := p.Run()
		if cerr := scr.Close(); err == nil {
			err = cerr
		}
		done <- err
	}()

	waitOutput(t, "first frame", &scrOut, ansi.SetModeAltScreenSaveCursor, ansi.HideCursor,
		ansi.SetModeMouseButtonEvent, ansi.SetWindowTitle("stacktui"), "svc_a", "svc_b")
	if _, err := keys.Write([]byte("jy")); err != nil {
		t.Fatal(err)
	}
	osc := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("svc_b"))
	// The status line says what was copied: a frame drawn for the key.
	waitOutput(t, "y's clipboard write and its frame", &scrOut, osc, "copied")
	if _, err := keys.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("q did not end the program")
	}
	out := scrOut.String()
	closing := out[strings.LastIndex(out, "copied"):]
	for _, want := range []string{ansi.ResetModeAltScreenSaveCursor, ansi.ShowCursor, ansi.ResetModeMouseButtonEvent, ansi.SetWindowTitle("")} {
		if !strings.Contains(closing, want) {
			t.Errorf("after quit the terminal was not given back: %q missing from %q", want, closing)
		}
	}
	if s := teaOut.String(); strings.Contains(s, "svc_a") || strings.Contains(s, "\x1b]52;") {
		t.Errorf("Bubble Tea wrote a frame or the clipboard itself: %q", s)
	}
}

// TestOutputFilter: the commands whose output Bubble Tea would queue for
// its ticker become sequences the console writes at once; other messages
// pass.
func TestOutputFilter(t *testing.T) {
	for _, tc := range []struct {
		cmd  tea.Cmd
		want tea.Msg
	}{
		{tea.SetClipboard("svc_b"), sequenceMsg(ansi.SetSystemClipboard("svc_b"))},
		{tea.SetPrimaryClipboard("x"), sequenceMsg(ansi.SetPrimaryClipboard("x"))},
		{tea.RequestBackgroundColor, sequenceMsg(ansi.RequestBackgroundColor)},
		{tea.Raw("\x1b[5n"), sequenceMsg("\x1b[5n")},
	} {
		if got := outputFilter(nil, tc.cmd()); got != tc.want {
			t.Errorf("%T: got %#v, want %#v", tc.cmd(), got, tc.want)
		}
	}
	key := tea.KeyPressMsg{Code: 'j', Text: "j"}
	if got := outputFilter(nil, key); got != tea.Msg(key) {
		t.Errorf("a key was changed: %#v", got)
	}
}

// countingWriter counts writes: the display writes each frame in one.
type countingWriter struct{ writes int }

func (w *countingWriter) Write(p []byte) (int, error) { w.writes++; return len(p), nil }

// TestConsolePacesFrames drives the console's Update by hand at a fake
// time: the first size draws at once; of keys inside the frame interval
// the first is drawn at once too (the frame before it is long ago), the
// others not until the pacer's timer message, which draws them in one frame;
// a timer with nothing left to draw, Bubble Tea's View call and a quiet
// spell write nothing.
func TestConsolePacesFrames(t *testing.T) {
	m := newTestModel(t, 100, 30)
	w := &countingWriter{}
	c := newConsole(m, display.New(w, []string{"TERM=xterm-256color"}, 100, 30))
	now := fixedNow
	c.now = func() time.Time { return now }
	c.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	if w.writes != 1 {
		t.Fatalf("the first size drew %d frames, want 1 at once", w.writes)
	}
	now = now.Add(time.Second)
	c.Update(tea.KeyPressMsg{Code: 'j', Text: "j"})
	if w.writes != 2 {
		t.Fatalf("a key a second after the last frame: %d frames, want it drawn at once", w.writes)
	}
	var armed int
	for _, k := range "kjj" {
		now = now.Add(time.Millisecond)
		if _, cmd := c.Update(tea.KeyPressMsg{Code: k, Text: string(k)}); cmd != nil {
			armed++
		}
	}
	if w.writes != 3 || armed != 1 {
		t.Fatalf("a burst of keys inside the interval: %d frames (want 3), %d commands (want one timer)", w.writes, armed)
	}
	now = now.Add(display.Interval)
	c.Update(drawDueMsg{})
	if w.writes != 4 {
		t.Fatalf("the timer drew %d frames, want the rest of the burst in one", w.writes-3)
	}
	c.Update(drawDueMsg{})
	c.View()
	if w.writes != 4 {
		t.Fatalf("a timer with nothing to draw or Bubble Tea's View call wrote a frame")
	}
	if got := m.services.cursor; got != 2 {
		t.Fatalf("cursor at %d after j k j j, want 2", got)
	}
}
