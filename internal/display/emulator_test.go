package display

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
)

// terminal is a Screen drawing on an emulated terminal (charmbracelet/x/vt):
// what a person would see after each frame.
type terminal struct {
	t    *testing.T
	emu  *vt.Emulator
	last bytes.Buffer // the last frame's bytes, for a failure's message
	prev string       // the frame before
	scr  *Screen
	w    int
	h    int
}

func newTerminal(t *testing.T, w, h int, grapheme bool) *terminal {
	emu := vt.NewEmulator(w, h)
	term := &terminal{t: t, emu: emu, w: w, h: h}
	// Through SSH the screen asks the terminal nothing (see askModes): an
	// emulator would answer into a pipe nobody reads.
	term.scr = New(io.MultiWriter(emu, &term.last), []string{"TERM=xterm-256color", "SSH_TTY=/dev/pts/9"}, w, h)
	term.scr.SetColorProfile(colorprofile.TrueColor)
	term.scr.SetGraphemeWidth(grapheme)
	return term
}

// want is the screen content should give: ultraviolet's own reading of
// styled text into cells (what the renderer before this one drew from).
func (term *terminal) want(content string, grapheme bool) *uv.ScreenBuffer {
	buf := uv.NewScreenBuffer(term.w, term.h)
	if grapheme {
		buf.Method = ansi.GraphemeWidth
	}
	uv.NewStyledString(content).Draw(buf, buf.Bounds())
	return &buf
}

// check draws content and compares every cell of the emulated terminal
// with want's: text, width and style.
func (term *terminal) check(step int, content string, grapheme bool) {
	term.t.Helper()
	term.last.Reset()
	if _, err := term.scr.Draw(view(content)); err != nil {
		term.t.Fatal(err)
	}
	defer func() { term.prev = content }()
	want := term.want(content, grapheme)
	for y := range term.h {
		for x := range term.w {
			got, exp := term.emu.CellAt(x, y), want.CellAt(x, y)
			if got == nil || exp == nil {
				term.t.Fatalf("step %d: no cell at %d,%d (got %v want %v)", step, x, y, got, exp)
			}
			if got.Content != exp.Content || got.Width != exp.Width || !got.Style.Equal(&exp.Style) {
				term.t.Fatalf("step %d: cell %d,%d is %q (width %d, style %+v), want %q (width %d, style %+v)\nrow now:  %q\nrow want: %q\nbefore:  %q\ncontent: %q\nwritten: %q",
					step, x, y, got.Content, got.Width, got.Style, exp.Content, exp.Width, exp.Style,
					rowText(term.emu, y, term.w), rowText(want, y, term.w), term.prev, content, term.last.String())
			}
		}
	}
}

func rowText(s interface{ CellAt(x, y int) *uv.Cell }, y, w int) string {
	var b strings.Builder
	for x := range w {
		if c := s.CellAt(x, y); c != nil {
			b.WriteString(c.Content)
		}
	}
	return b.String()
}

// pieces of which random lines are made: plain and styled text, wide
// characters, combining marks, style resets in odd places.
var pieces = []string{
	"svc", "042", "_", "127.0.0.1:80", " ", "  ", "UP", "DOWN", "MAINT", "0", "1", "9",
	"\x1b[32m", "\x1b[1;31m", "\x1b[38;5;245m", "\x1b[38;2;10;200;30m", "\x1b[7m", "\x1b[48;5;236m",
	"\x1b[m", "\x1b[0m", "\x1b[22m",
	"漢字", "ｗ", "é", "e\u0301", "ü", "→", "…", "│",
}

func randomLine(r *rand.Rand, maxWidth int) string {
	var b strings.Builder
	for n := r.IntN(12); n > 0 || ansi.StringWidthWc(b.String()) < r.IntN(maxWidth); n-- {
		b.WriteString(pieces[r.IntN(len(pieces))])
		if ansi.StringWidthWc(b.String()) > maxWidth+6 {
			break
		}
	}
	return b.String()
}

// boundary is a random place in line between two characters or escape
// sequences (never inside one: a view's styles come whole from lipgloss,
// and what a terminal makes of a broken sequence is its own affair), and
// not between a letter and the accent that follows it.
func boundary(r *rand.Rand, line string) int {
	at := []int{0}
	for i := 0; i < len(line); {
		_, _, n, _ := ansi.DecodeSequence(line[i:], ansi.NormalState, nil)
		if i += n; !strings.HasPrefix(line[i:], "\u0301") {
			at = append(at, i)
		}
	}
	return at[r.IntN(len(at))]
}

// places lists where in line the bytes outside escape sequences that ok
// accepts are.
func places(line string, ok func(byte) bool) []int {
	var at []int
	for i := 0; i < len(line); {
		_, _, n, _ := ansi.DecodeSequence(line[i:], ansi.NormalState, nil)
		if n == 1 && ok(line[i]) {
			at = append(at, i)
		}
		i += n
	}
	return at
}

// mutate changes a line the way a refresh does: a figure, a style, the
// end, or the whole of it.
func mutate(r *rand.Rand, line string, maxWidth int) string {
	switch r.IntN(7) {
	case 0:
		return randomLine(r, maxWidth)
	case 1: // cut
		if len(line) > 0 {
			return line[:boundary(r, line)]
		}
	case 2: // grow
		return line + pieces[r.IntN(len(pieces))]
	case 3: // insert a piece in the middle
		if len(line) > 0 {
			i := boundary(r, line)
			return line[:i] + pieces[r.IntN(len(pieces))] + line[i:]
		}
	case 4: // one byte changed, a digit for a digit (an accented one too)
		if at := places(line, func(c byte) bool { return c >= '0' && c <= '9' }); len(at) > 0 {
			i := at[r.IntN(len(at))]
			return line[:i] + string(rune('0'+r.IntN(10))) + line[i+1:]
		}
	case 5: // an accent on a letter or digit
		if at := places(line, func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' }); len(at) > 0 {
			i := at[r.IntN(len(at))] + 1
			if !strings.HasPrefix(line[i:], "\u0301") {
				return line[:i] + "\u0301" + line[i:]
			}
		}
	}
	return ""
}

// TestScreenMatchesTheTerminal draws random frames, each a random change
// of the last, and checks after every one that the emulated terminal shows
// exactly the frame, cell by cell and style by style, with wide
// characters, combining marks, lines too long and too short, and styles
// open across the cut where a changed line is rewritten from. Both width
// methods.
func TestScreenMatchesTheTerminal(t *testing.T) {
	for _, grapheme := range []bool{false, true} {
		t.Run(fmt.Sprintf("grapheme=%v", grapheme), func(t *testing.T) {
			const w, h = 30, 8
			r := rand.New(rand.NewPCG(1, 2))
			term := newTerminal(t, w, h, grapheme)
			lines := make([]string, h)
			for i := range lines {
				lines[i] = randomLine(r, w)
			}
			for step := range 3000 {
				for n := r.IntN(4); n >= 0; n-- {
					i := r.IntN(h)
					lines[i] = mutate(r, lines[i], w)
				}
				shown := lines[:h-r.IntN(3)] // sometimes fewer lines than rows
				content := strings.Join(shown, "\n")
				if !grapheme {
					// uv's Wc reading of a combining mark differs from a
					// terminal's; those frames are the grapheme run's.
					content = strings.ReplaceAll(content, "\u0301", "")
				}
				term.check(step, content, grapheme)
			}
		})
	}
}

// TestScreenKeepsControlsOff: control characters and escape sequences that
// are not styles never reach the terminal from a view: they would move the
// cursor or change cells already drawn.
func TestScreenKeepsControlsOff(t *testing.T) {
	var out bytes.Buffer
	s := New(&out, testEnv, 20, 2)
	s.Draw(view("a\tb\rc\x1b[2Jd\x1b[5;5He\x07f\x1b]0;title\x07g"))
	got := out.String()
	for _, bad := range []string{"\t", "\r", "\x1b[2Jd", "\x1b[5;5H", "\x07f", "]0;title"} {
		if strings.Contains(got, bad) {
			t.Errorf("%q reached the terminal: %q", bad, got)
		}
	}
	if !strings.Contains(got, "abcdefg") {
		t.Errorf("the text around the controls is not drawn whole: %q", got)
	}
}
