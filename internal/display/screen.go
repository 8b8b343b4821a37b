package display

import (
	"bytes"
	"io"
	"runtime"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// Screen draws Bubble Tea views on a terminal's alternate screen: each Draw
// writes what changed since the last frame, in one write. It takes the
// terminal at its first frame (alternate screen, hidden cursor, bracketed
// paste, the keyboard enhancements Bubble Tea asks for) and Close gives it
// back. Of a view it honours the content, the mouse mode, the window title
// and the cursor; it always draws full-screen (stacktui's views all ask for
// the alternate screen).
//
// A Screen is not safe for concurrent use: the program's event loop owns it.
type Screen struct {
	w     io.Writer
	env   []string
	r     *uv.TerminalRenderer
	queue bytes.Buffer // what the renderer queued, written at Flush
	frame bytes.Buffer // one frame's bytes, for a single write
	cells uv.ScreenBuffer

	profile  colorprofile.Profile // what colours are downsampled to
	started  bool                 // the terminal is taken (alternate screen on)
	redraw   bool                 // the next Draw repaints even an unchanged view
	sync     bool                 // wrap frames in synchronized output (mode 2026)
	grapheme bool                 // the terminal measures by grapheme (mode 2027 on)

	// What the last frame showed.
	content string
	mouse   tea.MouseMode
	title   string
	cursor  *tea.Cursor
}

// New returns a screen of width x height cells writing to w, a terminal
// described by env (TERM; NO_COLOR and the like pick the colour profile, as
// Bubble Tea does). Nothing is written before the first Draw.
func New(w io.Writer, env []string, width, height int) *Screen {
	s := &Screen{w: w, env: env}
	s.r = uv.NewTerminalRenderer(&s.queue, env)
	// The renderer writes to a buffer: detect the profile on the terminal.
	s.profile = colorprofile.Detect(w, env)
	s.r.SetColorProfile(s.profile)
	s.r.SetFullscreen(true)
	s.r.SetRelativeCursor(false)
	s.r.SetTabStops(-1)
	s.r.SetBackspace(false)
	s.r.SetMapNewline(false) // raw mode: a line feed is only a line feed
	// Bubble Tea turns scroll optimisation off on Windows for its terminals' bugs.
	s.r.SetScrollOptim(runtime.GOOS != "windows")
	s.cells = uv.NewScreenBuffer(width, height)
	s.r.Resize(width, height)
	return s
}

// SetColorProfile sets the profile colours are downsampled to (Bubble Tea
// sends it at start and when it learns the terminal does true colour).
func (s *Screen) SetColorProfile(p colorprofile.Profile) {
	if p == s.profile {
		return
	}
	s.profile = p
	s.r.SetColorProfile(p)
	// The renderer keeps cells as drawn and downsamples on output: what is
	// on the terminal was written for the old profile.
	s.r.Erase()
	s.redraw = true
}

// SetSynchronized turns synchronized output (mode 2026) on or off: the
// terminal then shows each frame whole, never half-drawn.
func (s *Screen) SetSynchronized(on bool) { s.sync = on }

// SetGraphemeWidth makes the screen measure text by grapheme clusters and
// turns the terminal's mode 2027 on, for a terminal that reported it: wide
// characters and emoji then take the cells the terminal gives them.
func (s *Screen) SetGraphemeWidth(on bool) {
	if on == s.grapheme {
		return
	}
	s.grapheme = on
	if on {
		_, _ = s.r.WriteString(ansi.SetModeUnicodeCore)
		s.cells.Method = ansi.GraphemeWidth
	} else {
		_, _ = s.r.WriteString(ansi.ResetModeUnicodeCore)
		s.cells.Method = ansi.WcWidth
	}
	s.r.SetWidthMethod(s.cells.Method)
	s.r.Erase()
	s.redraw = true
}

// Resize sets the terminal's new size; the next Draw repaints everything
// (a terminal moves its content around on a resize).
func (s *Screen) Resize(width, height int) {
	if width == s.cells.Width() && height == s.cells.Height() {
		return
	}
	s.cells.Resize(width, height)
	s.cells.Touched = nil
	s.r.Resize(width, height)
	s.r.Erase()
	s.redraw = true
}

// Draw puts v on the terminal, writing only what changed since the last
// frame, in one write (wrapped in synchronized output when the terminal
// has it). It writes nothing and reports false when v is the last frame.
func (s *Screen) Draw(v tea.View) (wrote bool, err error) {
	if s.started && !s.redraw && v.Content == s.content && v.MouseMode == s.mouse &&
		v.WindowTitle == s.title && cursorEqual(v.Cursor, s.cursor) {
		return false, nil
	}
	if !s.started {
		s.start()
	}
	s.redraw = false
	if v.MouseMode != s.mouse {
		_, _ = s.r.WriteString(mouseSequence(s.mouse, v.MouseMode))
	}
	if v.WindowTitle != s.title {
		_, _ = s.r.WriteString(ansi.SetWindowTitle(v.WindowTitle))
	}
	s.cells.Clear()
	uv.NewStyledString(v.Content).Draw(s.cells, s.cells.Bounds())
	s.r.Render(s.cells.RenderBuffer)
	switch {
	case v.Cursor != nil:
		s.r.MoveTo(v.Cursor.X, v.Cursor.Y)
		if s.cursor == nil {
			_, _ = s.r.WriteString(ansi.ShowCursor)
		}
	case s.cursor != nil:
		_, _ = s.r.WriteString(ansi.HideCursor)
	}
	s.content, s.mouse, s.title = v.Content, v.MouseMode, v.WindowTitle
	s.cursor = nil
	if v.Cursor != nil {
		c := *v.Cursor
		s.cursor = &c
	}
	return true, s.flush(s.sync)
}

// Write sends an escape sequence that is not part of a frame (a clipboard
// write, a query) at once, between frames: never inside one.
func (s *Screen) Write(seq string) error {
	if seq == "" {
		return nil
	}
	_, err := io.WriteString(s.w, seq)
	return err
}

// Close gives the terminal back: cursor to the last line, main screen,
// cursor shown, mouse reporting, bracketed paste and keyboard enhancements
// off, the window title cleared. It writes nothing when no frame was drawn.
func (s *Screen) Close() error {
	if !s.started {
		return nil
	}
	s.started = false
	if s.sync {
		_, _ = s.r.WriteString(ansi.ResetModeSynchronizedOutput) // should a frame have been cut
	}
	s.r.MoveTo(0, max(s.cells.Height()-1, 0))
	s.r.ExitAltScreen()
	_, _ = s.r.WriteString(ansi.ShowCursor + ansi.ResetModeBracketedPaste +
		ansi.ResetModifyOtherKeys + ansi.PopKittyKeyboard(1))
	if s.mouse != tea.MouseModeNone {
		_, _ = s.r.WriteString(mouseSequence(s.mouse, tea.MouseModeNone))
	}
	if s.title != "" {
		_, _ = s.r.WriteString(ansi.SetWindowTitle(""))
	}
	if s.grapheme {
		_, _ = s.r.WriteString(ansi.ResetModeUnicodeCore)
	}
	return s.flush(false)
}

// start takes the terminal: the alternate screen (the cursor hidden after
// entering it, as some terminals keep one cursor state per screen), pasted
// text bracketed, and the keyboard enhancements Bubble Tea's renderer asks
// for (modifyOtherKeys, Kitty's key disambiguation), so keys arrive as they
// did with it.
func (s *Screen) start() {
	s.started = true
	s.r.EnterAltScreen()
	_, _ = s.r.WriteString(ansi.HideCursor + ansi.SetModeBracketedPaste +
		ansi.SetModifyOtherKeys2 + ansi.PushKittyKeyboard(1))
	if askModes(uv.Environ(s.env)) {
		_, _ = s.r.WriteString(ansi.RequestModeSynchronizedOutput + ansi.RequestModeUnicodeCore)
	}
}

// flush writes what the renderer queued, in one write.
func (s *Screen) flush(sync bool) error {
	if err := s.r.Flush(); err != nil {
		return err
	}
	if s.queue.Len() == 0 {
		return nil
	}
	s.frame.Reset()
	if sync {
		s.frame.WriteString(ansi.SetModeSynchronizedOutput)
	}
	s.frame.Write(s.queue.Bytes())
	if sync {
		s.frame.WriteString(ansi.ResetModeSynchronizedOutput)
	}
	s.queue.Reset()
	_, err := s.w.Write(s.frame.Bytes())
	return err
}

// mouseSequence turns mouse reporting from one mode to another.
func mouseSequence(from, to tea.MouseMode) string {
	switch to {
	case tea.MouseModeCellMotion:
		seq := ansi.SetModeMouseButtonEvent + ansi.SetModeMouseExtSgr
		if from == tea.MouseModeAllMotion {
			seq = ansi.ResetModeMouseAnyEvent + seq
		}
		return seq
	case tea.MouseModeAllMotion:
		seq := ansi.SetModeMouseAnyEvent + ansi.SetModeMouseExtSgr
		if from == tea.MouseModeCellMotion {
			seq = ansi.ResetModeMouseButtonEvent + seq
		}
		return seq
	}
	return ansi.ResetModeMouseButtonEvent + ansi.ResetModeMouseAnyEvent + ansi.ResetModeMouseExtSgr
}

func cursorEqual(a, b *tea.Cursor) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.X == b.X && a.Y == b.Y && a.Shape == b.Shape && a.Blink == b.Blink && a.Color == b.Color
}

// askModes reports whether to ask the terminal about synchronized output
// and grapheme widths, on the same grounds as Bubble Tea: not Apple's
// Terminal, and not through SSH unless the terminal is one known to answer
// (an answer that comes late is read as input after the console is gone).
func askModes(env uv.Environ) bool {
	term := env.Getenv("TERM")
	for _, known := range []string{"ghostty", "wezterm", "alacritty", "kitty", "rio"} {
		if strings.Contains(term, known) {
			return true
		}
	}
	if _, ok := env.LookupEnv("WT_SESSION"); ok {
		return true
	}
	if _, ssh := env.LookupEnv("SSH_TTY"); ssh {
		return false
	}
	prog, ok := env.LookupEnv("TERM_PROGRAM")
	return !ok || !strings.Contains(prog, "Apple")
}
