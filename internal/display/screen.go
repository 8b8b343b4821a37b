package display

import (
	"bytes"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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
// It compares frames line by line, as text: a line that is the same string
// as the last frame's is left alone, and a changed one is written from its
// first changed cell to its end, or to where the rest of the row is what the
// terminal shows already. A cell model (ultraviolet's renderer, which
// Bubble Tea's is built on) writes fewer bytes when a change is in the
// middle of a line, but parses every line of every frame into cells and
// compares them cell by cell: 2.5-3 ms of a 160x48 page-down at 50,000
// servers, most of a key's latency, where comparing strings costs
// microseconds and the terminal reads a few kilobytes more.
//
// A Screen is not safe for concurrent use: the program's event loop owns it.
type Screen struct {
	w     io.Writer
	env   []string
	frame bytes.Buffer // one frame's bytes, for a single write

	width, height int
	rows          []row // what each row shows, as last written
	// Scratch while a line is read: the SGR sequences met so far, those in
	// force being pen[penFrom:] (a reset moves penFrom to the end; the
	// sequences before stay, so the styles at an earlier place in the line
	// are still a window of pen).
	pen     []string
	penFrom int

	profile  colorprofile.Profile // what colours are downsampled to
	sgr      map[string]string    // SGR sequences as written at profile
	started  bool                 // the terminal is taken (alternate screen on)
	redraw   bool                 // the next Draw erases and repaints every row
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
	s := &Screen{w: w, env: env, profile: colorprofile.Detect(w, env)}
	s.Resize(width, height)
	return s
}

// ColorProfile is the profile colours are downsampled to.
func (s *Screen) ColorProfile() colorprofile.Profile { return s.profile }

// SetColorProfile sets the profile colours are downsampled to (Bubble Tea
// sends it at start and when it learns the terminal does true colour).
func (s *Screen) SetColorProfile(p colorprofile.Profile) {
	if p == s.profile {
		return
	}
	s.profile = p
	s.sgr = nil
	// What is on the terminal was written for the old profile.
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
		s.frame.WriteString(ansi.SetModeUnicodeCore)
	} else {
		s.frame.WriteString(ansi.ResetModeUnicodeCore)
	}
	s.redraw = true
}

// Resize sets the terminal's new size; the next Draw repaints everything
// (a terminal moves its content around on a resize).
func (s *Screen) Resize(width, height int) {
	width, height = max(width, 0), max(height, 0)
	if width == s.width && height == s.height && s.rows != nil {
		return
	}
	s.width, s.height = width, height
	s.rows = make([]row, height)
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
	if s.sync {
		s.frame.WriteString(ansi.SetModeSynchronizedOutput)
	}
	if s.cursor != nil {
		s.frame.WriteString(ansi.HideCursor) // not seen jumping along the changes
	}
	if s.redraw {
		s.redraw = false
		s.frame.WriteString(ansi.ResetStyle + ansi.EraseEntireScreen)
		clear(s.rows)
	}
	if v.MouseMode != s.mouse {
		s.frame.WriteString(mouseSequence(s.mouse, v.MouseMode))
	}
	if v.WindowTitle != s.title {
		s.frame.WriteString(ansi.SetWindowTitle(v.WindowTitle))
	}
	rest, more := v.Content, true
	for y := range s.rows {
		line := ""
		if more {
			if i := strings.IndexByte(rest, '\n'); i >= 0 {
				line, rest = rest[:i], rest[i+1:]
			} else {
				line, more = rest, false
			}
		}
		entry := ""
		if y > 0 {
			entry = s.rows[y-1].end
		}
		if r := s.rows[y]; line != r.line || entry != r.entry {
			end := s.paintRow(y, r, line, entry)
			s.rows[y] = row{line: line, entry: entry, end: end}
		}
	}
	if v.Cursor != nil {
		s.moveTo(v.Cursor.X, v.Cursor.Y)
		s.frame.WriteString(ansi.ShowCursor)
	}
	s.content, s.mouse, s.title = v.Content, v.MouseMode, v.WindowTitle
	s.cursor = nil
	if v.Cursor != nil {
		c := *v.Cursor
		s.cursor = &c
	}
	if s.sync {
		s.frame.WriteString(ansi.ResetModeSynchronizedOutput)
	}
	return true, s.flush()
}

// row is what one row of the terminal shows: its line, and the styles in
// force where it starts, left open by the lines above it (a view is text
// written to a terminal, and a style runs on until it is reset).
type row struct {
	line  string
	entry string // the SGR sequences in force at the row's start
	end   string // and at its end, the next row's entry
}

// paintRow rewrites row y from r to show line, entered with the styles in
// entry: from the first cell where the two differ to the end of the row,
// or to where the rest is on the terminal already (sameTail). The cut is
// placed where both lines are at the same cell with the same
// text and styles before it: between two ASCII bytes outside any escape
// sequence (so no grapheme cluster can span it); the styles in force there
// are set again before the rest. It returns the styles in force at the
// line's end.
func (s *Screen) paintRow(y int, r row, line, entry string) (end string) {
	same := 0
	if entry == r.entry {
		for same < len(r.line) && same < len(line) && r.line[same] == line[same] {
			same++
		}
	}
	old := r.line
	s.pen, s.penFrom = s.pen[:0], 0
	if entry != "" {
		s.pen = append(s.pen, entry)
	}
	cut, cutCol, col := 0, 0, 0
	penFrom, penTo := 0, len(s.pen) // the styles in force at the cut
	for i := 0; ; {
		if i == 0 || line[i-1] < 0x80 && (i == len(line) || line[i] < 0x80) && (i == len(old) || old[i] < 0x80) {
			cut, cutCol, penFrom, penTo = i, col, s.penFrom, len(s.pen)
		}
		if i >= same {
			break
		}
		if n := asciiRun(line[i:]); n > 0 {
			// Every boundary inside a run of ASCII before same is a cut;
			// its end is weighed at the top of the loop.
			j := min(i+n, same)
			if j-1 > i {
				cut, cutCol, penFrom, penTo = j-1, col+j-1-i, s.penFrom, len(s.pen)
			}
			col += j - i
			i = j
			continue
		}
		tok, w, n := s.token(line[i:])
		if i+n > same {
			break // the token differs: the cut stays before it
		}
		if isSGR(tok) {
			s.setPen(tok)
		} else if printable(tok) {
			col += w
		}
		i += n
	}
	s.pen, s.penFrom = s.pen[:penTo], penFrom
	visible := cutCol < s.width // else the change is past the right edge
	if !visible {
		// Nothing to write; the styles at the line's end are still read.
		s.walk(line, cut, len(line), cutCol)
		return s.penEnd()
	}
	s.moveTo(cutCol, y)
	for _, seq := range s.pen[s.penFrom:] {
		s.frame.WriteString(s.sgrAt(seq))
	}
	// Where the rest of the row is on the terminal already, stop there.
	oldPen := s.pen[s.penFrom:]
	if entry != r.entry { // cut is 0
		oldPen = nil
		if r.entry != "" {
			oldPen = []string{r.entry}
		}
	}
	stop := s.sameTail(old, line, cut, cutCol, oldPen)
	styled := len(s.pen) > s.penFrom
	col = cutCol
	joins := false // a combining mark here joins the character written last
	for i := cut; i < len(line); {
		if i == stop {
			if styled {
				s.frame.WriteString(ansi.ResetStyle)
			}
			return r.end // the same text, styles in force and cell as the old row's
		}
		if n := min(asciiRun(line[i:]), s.width-col); n > 0 {
			if stop > i {
				n = min(n, stop-i)
			}
			s.frame.WriteString(line[i : i+n])
			col += n
			i += n
			joins = true
			continue
		}
		tok, w, n := s.token(line[i:])
		i += n
		switch {
		case isSGR(tok):
			// Past the right edge a style still runs on to the next row.
			s.setPen(tok)
			if col < s.width {
				s.frame.WriteString(s.sgrAt(tok))
				styled = true
			}
		case !printable(tok):
			// Controls and other escape sequences would move the cursor
			// or change cells already written.
		case w == 0:
			if joins {
				s.frame.WriteString(tok)
			}
		case col >= s.width:
			joins = false
		case col+w > s.width: // a wide character cut by the right edge
			s.frame.WriteString(strings.Repeat(" ", s.width-col))
			col = s.width
			joins = false
		default:
			s.frame.WriteString(tok)
			col += w
			joins = true
		}
	}
	if styled {
		s.frame.WriteString(ansi.ResetStyle)
	}
	if col < s.width {
		s.frame.WriteString(ansi.EraseLineRight)
	}
	return s.penEnd()
}

// penEnd is the styles in force, as one string: a line's end, the next
// row's entry.
func (s *Screen) penEnd() string {
	switch inForce := s.pen[s.penFrom:]; len(inForce) {
	case 0:
		return ""
	case 1:
		return strings.Clone(inForce[0])
	default:
		return strings.Join(inForce, "")
	}
}

// walk reads str from i to at, from column col, applying its styles to
// s.pen; it returns the column at at, and whether at is a boundary between
// two characters or sequences (else the walk ends past it).
func (s *Screen) walk(str string, i, at, col int) (int, bool) {
	for i < at {
		if n := asciiRun(str[i:]); n > 0 {
			n = min(n, at-i)
			col += n
			i += n
			continue
		}
		tok, w, n := s.token(str[i:])
		if isSGR(tok) {
			s.setPen(tok)
		} else if printable(tok) {
			col += w
		}
		i += n
	}
	return col, i == at
}

// sameTail returns where in line, after cut, the bytes that end both line
// and old begin at the same cell with the same styles in force in both (the
// terminal shows them already: a counter changed in the middle of a row
// need not rewrite the rest), or -1. Both lines are at cell cutCol at cut,
// line with s.pen's styles in force, old with oldPen's.
func (s *Screen) sameTail(old, line string, cut, cutCol int, oldPen []string) int {
	n := 0
	for n < len(line)-cut && n < len(old)-cut && line[len(line)-1-n] == old[len(old)-1-n] {
		n++
	}
	// From between two ASCII bytes in both lines, after the change.
	for ; n > 0; n-- {
		p, q := len(line)-n, len(old)-n
		if p > cut && q > 0 && line[p] < 0x80 && line[p-1] < 0x80 && old[q-1] < 0x80 {
			break
		}
	}
	if n == 0 {
		return -1
	}
	p, q := len(line)-n, len(old)-n
	keep, from := len(s.pen), s.penFrom
	pen := s.pen[from:keep:keep]                             // the line's styles at cut
	defer func() { s.pen, s.penFrom = s.pen[:keep], from }() // the scratch past them goes
	// The old line first, on a scratch list after the line's own.
	base := len(s.pen)
	s.pen = append(s.pen, oldPen...)
	s.penFrom = base
	oldCol, ok := s.walk(old, cut, q, cutCol)
	if !ok || oldCol >= s.width {
		return -1
	}
	oldEnd := len(s.pen)
	oldFrom := s.penFrom
	s.penFrom = oldEnd
	s.pen = append(s.pen, pen...)
	newCol, ok := s.walk(line, cut, p, cutCol)
	if !ok || newCol != oldCol || !slices.Equal(s.pen[oldFrom:oldEnd], s.pen[s.penFrom:]) {
		return -1
	}
	return p
}

// setPen applies an SGR sequence to the styles in force.
func (s *Screen) setPen(seq string) {
	if seq == ansi.ResetStyle || seq == "\x1b[0m" {
		s.penFrom = len(s.pen)
	} else {
		s.pen = append(s.pen, seq)
	}
}

// asciiRun is the length of the printable ASCII at the start of str: one
// cell a byte. A last byte followed by a non-ASCII one is left out (a
// combining mark may join it in a cluster).
func asciiRun(str string) int {
	n := 0
	for n < len(str) && str[n] >= 0x20 && str[n] < 0x7f {
		n++
	}
	if n > 0 && n < len(str) && str[n] >= 0x80 {
		n--
	}
	return n
}

// token is the escape sequence or grapheme at the start of str, its width
// in cells, and its length in bytes.
func (s *Screen) token(str string) (tok string, width, n int) {
	if s.grapheme {
		tok, width, n, _ = ansi.DecodeSequence(str, ansi.NormalState, nil)
	} else if g := knownGlyph(str); g > 0 {
		return str[:g], 1, g
	} else {
		tok, width, n, _ = ansi.DecodeSequenceWc(str, ansi.NormalState, nil)
	}
	if n == 0 { // cannot happen for a non-empty string; never loop
		return str[:1], 0, 1
	}
	return tok, width, n
}

// isSGR reports whether tok is a Select Graphic Rendition sequence (a
// style), the only escape sequences a view's content may carry.
func isSGR(tok string) bool {
	return len(tok) >= 3 && tok[0] == ansi.ESC && tok[1] == '[' && tok[len(tok)-1] == 'm' &&
		(tok[2] < '<' || tok[2] > '?')
}

// printable reports whether tok is text: not a control character, an
// escape sequence or a byte that is not UTF-8.
func printable(tok string) bool {
	if c := tok[0]; c < 0x80 {
		return c >= 0x20 && c != 0x7f
	}
	r, size := utf8.DecodeRuneInString(tok)
	return !(r == utf8.RuneError && size == 1) && !unicode.IsControl(r)
}

// sgrAt is seq as the colour profile writes it (downsampled, or dropped on
// a terminal without colours), remembered: a view has a few styles.
func (s *Screen) sgrAt(seq string) string {
	if s.profile == colorprofile.TrueColor {
		return seq
	}
	if out, ok := s.sgr[seq]; ok {
		return out
	}
	if s.sgr == nil || len(s.sgr) > 4096 {
		s.sgr = make(map[string]string)
	}
	var b strings.Builder
	_, _ = (&colorprofile.Writer{Forward: &b, Profile: s.profile}).WriteString(seq)
	out := b.String()
	s.sgr[strings.Clone(seq)] = out
	return out
}

// moveTo puts the cursor at column x of row y (0-based).
func (s *Screen) moveTo(x, y int) {
	b := append(s.frame.AvailableBuffer(), ansi.ESC, '[')
	b = strconv.AppendInt(b, int64(y+1), 10)
	if x > 0 {
		b = append(b, ';')
		b = strconv.AppendInt(b, int64(x+1), 10)
	}
	s.frame.Write(append(b, 'H'))
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
		s.frame.WriteString(ansi.ResetModeSynchronizedOutput) // should a frame have been cut
	}
	s.moveTo(0, max(s.height-1, 0))
	s.frame.WriteString(ansi.ResetStyle + ansi.ResetModeAltScreenSaveCursor + ansi.ShowCursor +
		ansi.ResetModeBracketedPaste + ansi.ResetModifyOtherKeys + ansi.PopKittyKeyboard(1))
	if s.mouse != tea.MouseModeNone {
		s.frame.WriteString(mouseSequence(s.mouse, tea.MouseModeNone))
	}
	if s.title != "" {
		s.frame.WriteString(ansi.SetWindowTitle(""))
	}
	if s.grapheme {
		s.frame.WriteString(ansi.ResetModeUnicodeCore)
	}
	return s.flush()
}

// start takes the terminal: the alternate screen (the cursor hidden after
// entering it, as some terminals keep one cursor state per screen), pasted
// text bracketed, and the keyboard enhancements Bubble Tea's renderer asks
// for (modifyOtherKeys, Kitty's key disambiguation), so keys arrive as they
// did with it.
func (s *Screen) start() {
	s.started, s.redraw = true, true
	s.frame.WriteString(ansi.SetModeAltScreenSaveCursor + ansi.HideCursor + ansi.SetModeBracketedPaste +
		ansi.SetModifyOtherKeys2 + ansi.PushKittyKeyboard(1))
	if askModes(uv.Environ(s.env)) {
		s.frame.WriteString(ansi.RequestModeSynchronizedOutput + ansi.RequestModeUnicodeCore)
	}
}

// flush writes what was queued, in one write.
func (s *Screen) flush() error {
	if s.frame.Len() == 0 {
		return nil
	}
	_, err := s.w.Write(s.frame.Bytes())
	s.frame.Reset()
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
