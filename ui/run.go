package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stacktui/stacktui/internal/display"
)

// quitGrace is how long a quit may take before the program is killed.
const quitGrace = 500 * time.Millisecond

// Run builds the program and runs it until the user quits or ctx is
// cancelled (the command line cancels it on SIGINT, SIGTERM and SIGHUP; it
// owns those signals, Bubble Tea's own handler is off). A cancelled ctx is a
// quit, then a kill after quitGrace. Run restores the terminal after a quit
// and a kill; what can still go wrong (a kill before the program took
// the terminal, a wedged program) is the caller's to repair, with the modes
// it saved before calling Run. Frames are drawn by internal/display (see
// console), which Run gives the terminal to and takes it back from, with
// the input's raw mode. Panics inside the model are recovered, logged
// with their stack to the log file (never the screen) and reported.
func Run(ctx context.Context, o Options) (err error) {
	m := New(o)
	log := m.log
	defer func() {
		if r := recover(); r != nil {
			log.Error("panic", "panic", fmt.Sprint(r), "stack", stack())
			err = fmt.Errorf("stacktui stopped on an internal error: %v (the stack is in the log file)", r)
		}
	}()
	if ctx.Err() != nil {
		return nil // stopped before the screen was taken
	}
	tty, err := display.OpenTerminal(os.Stdin, os.Stdout)
	if err != nil {
		return fmt.Errorf("taking the terminal: %w", err)
	}
	defer func() {
		if rerr := tty.Restore(); rerr != nil {
			log.Warn("restoring the terminal's modes", "err", rerr)
		}
	}()
	w, h := tty.Size()
	scr := display.New(os.Stdout, os.Environ(), w, h)
	defer func() {
		// After the program: its event loop, the screen's only user, is over.
		if cerr := scr.Close(); cerr != nil {
			log.Warn("giving the terminal back", "err", cerr)
		}
	}()
	c := newConsole(m, scr)
	// The screen detected the colour profile: Bubble Tea need not run the
	// same detection again (inside tmux each one runs `tmux info`).
	p := tea.NewProgram(c, append(programOptions(tty.In, w, h), tea.WithColorProfile(scr.ColorProfile()))...)
	stopResize := tty.OnResize(func(w, h int) { p.Send(tea.WindowSizeMsg{Width: w, Height: h}) })
	defer stopResize()

	stopped := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-stopped:
			return
		}
		log.Info("stopping the console", "cause", context.Cause(ctx))
		go p.Quit()
		select {
		case <-time.After(quitGrace):
			log.Warn("the console did not quit in time: killing it", "grace", quitGrace)
			p.Kill()
		case <-stopped:
		}
	}()
	_, err = p.Run()
	close(stopped)
	if err == nil && c.stopErr != nil {
		log.Error("the console stopped", "err", c.stopErr)
		return fmt.Errorf("stacktui stopped on an internal error (details in the log file): %w", c.stopErr)
	}
	if err != nil {
		if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil && !errors.Is(err, tea.ErrProgramPanic) {
			return nil // stopped by the caller
		}
		if errors.Is(err, tea.ErrProgramPanic) {
			log.Error("program panicked", "err", err)
			return fmt.Errorf("stacktui stopped on an internal error (details in the log file): %w", err)
		}
		return fmt.Errorf("running the console: %w", err)
	}
	return nil
}

// programOptions runs the console's program on in, at width x height
// (the size Bubble Tea's first WindowSizeMsg carries: without a renderer it
// reads none). Bubble Tea's renderer is off, internal/display draws; its
// ticker still runs, to write what its own commands queue (those not
// turned into sequenceMsg by outputFilter), so at its slowest, 1 Hz. The
// signals are stacktui's (see Run).
func programOptions(in io.Reader, width, height int) []tea.ProgramOption {
	return []tea.ProgramOption{tea.WithoutSignalHandler(), tea.WithoutRenderer(), tea.WithFPS(1),
		tea.WithInput(in), tea.WithWindowSize(width, height), tea.WithFilter(outputFilter)}
}
