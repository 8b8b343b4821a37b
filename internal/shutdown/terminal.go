package shutdown

import (
	"os"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
)

// ResetSequence undoes everything a full-screen program may have turned on:
// a half-written synchronized frame, mouse reporting (every mode), focus
// events, bracketed paste, key modifiers, colours; then it leaves the
// alternate screen and shows the cursor.
const ResetSequence = ansi.ResetModeSynchronizedOutput + // a frame left half-written
	ansi.ResetModeMouseX10 + ansi.ResetModeMouseNormal + ansi.ResetModeMouseButtonEvent +
	ansi.ResetModeMouseAnyEvent + ansi.ResetModeMouseExtSgr +
	ansi.ResetModeFocusEvent + ansi.ResetModeBracketedPaste + ansi.ResetModifyOtherKeys +
	"\x1b[0m" + ansi.ResetModeAltScreenSaveCursor + ansi.ShowCursor

// writeBudget bounds the write of ResetSequence: a terminal that does not
// read (flow control, a wedged SSH session) must not keep us alive.
const writeBudget = 200 * time.Millisecond

// Terminal is the state of the controlling terminal before a full-screen
// program changed it, to put back when the program cannot.
type Terminal struct {
	in, out           *os.File
	inState, outState *term.State
}

// SaveTerminal records the modes of in and out, those of them that are
// terminals. It never fails: what is not a terminal is left alone.
func SaveTerminal(in, out *os.File) *Terminal {
	t := &Terminal{}
	if in != nil && term.IsTerminal(in.Fd()) {
		if st, err := term.GetState(in.Fd()); err == nil {
			t.in, t.inState = in, st
		}
	}
	if out != nil && term.IsTerminal(out.Fd()) {
		if st, err := term.GetState(out.Fd()); err == nil {
			t.out, t.outState = out, st
		}
	}
	return t
}

// Restore writes ResetSequence to the output terminal (giving up after a
// short while) and puts back the saved modes (echo, canonical input).
func (t *Terminal) Restore() {
	if t == nil {
		return
	}
	if t.out != nil {
		done := make(chan struct{})
		go func() {
			_, _ = t.out.WriteString(ResetSequence)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(writeBudget):
		}
		_ = term.Restore(t.out.Fd(), t.outState)
	}
	if t.in != nil {
		_ = term.Restore(t.in.Fd(), t.inState)
	}
}
