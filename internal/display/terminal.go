package display

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/charmbracelet/x/term"
)

// Terminal is the controlling terminal's input and size while a Screen
// draws on it: what Bubble Tea does for its own renderer and skips without
// one (raw mode, the size at start, resizes).
type Terminal struct {
	// In is where keys come from: standard input when it is a terminal,
	// else the controlling terminal, opened.
	In *os.File

	out    *os.File
	opened bool // In was opened here and is closed by Restore
	state  *term.State
}

// OpenTerminal puts the terminal's input in raw mode (keys arrive one by
// one, unechoed) and reads sizes from out. Restore undoes it.
func OpenTerminal(in, out *os.File) (*Terminal, error) {
	t := &Terminal{In: in, out: out}
	if in == nil || !term.IsTerminal(in.Fd()) {
		tty, err := os.Open("/dev/tty")
		if err != nil {
			return nil, fmt.Errorf("standard input is not a terminal and there is no controlling terminal: %w", err)
		}
		t.In, t.opened = tty, true
	}
	st, err := term.MakeRaw(t.In.Fd())
	if err != nil {
		if t.opened {
			_ = t.In.Close()
		}
		return nil, fmt.Errorf("putting the terminal in raw mode: %w", err)
	}
	t.state = st
	return t, nil
}

// Size is the terminal's size in cells; when out is not a terminal, COLUMNS
// and LINES, else 80x24 (Bubble Tea's fallbacks).
func (t *Terminal) Size() (width, height int) {
	if t.out != nil && term.IsTerminal(t.out.Fd()) {
		if w, h, err := term.GetSize(t.out.Fd()); err == nil && w > 0 && h > 0 {
			return w, h
		}
	}
	return envSize("COLUMNS", 80), envSize("LINES", 24)
}

func envSize(name string, fallback int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return fallback
}

// OnResize calls f with the new size after every SIGWINCH until stop is
// called. f runs on its own goroutine.
func (t *Terminal) OnResize(f func(width, height int)) (stop func()) {
	ch := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(ch, syscall.SIGWINCH)
	go func() {
		for {
			select {
			case <-done:
				return
			case <-ch:
				f(t.Size())
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

// Restore puts the input's modes back as they were (echo, canonical input).
func (t *Terminal) Restore() error {
	err := term.Restore(t.In.Fd(), t.state)
	if t.opened {
		_ = t.In.Close()
	}
	return err
}
