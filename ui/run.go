package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
)

// quitGrace is how long a quit may take (final render, terminal restored by
// Bubble Tea) before the program is killed.
const quitGrace = 500 * time.Millisecond

// Run builds the program and runs it until the user quits or ctx is
// cancelled (the command line cancels it on SIGINT, SIGTERM and SIGHUP; it
// owns those signals, Bubble Tea's own handler is off). A cancelled ctx is a
// quit, then a kill after quitGrace. Bubble Tea restores the terminal on a
// quit and a kill; what can still go wrong (a kill before the program took
// the terminal, a wedged program) is the caller's to repair, with the modes
// it saved before calling Run. Panics inside the model are recovered, logged
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
	p := tea.NewProgram(m, tea.WithoutSignalHandler())

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
