package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
)

// Run builds the program and runs it until the user quits, ctx is
// cancelled, or the process gets SIGTERM or SIGHUP (an SSH drop). The
// terminal is restored in every case, including a panic: panics inside the
// model are recovered, logged with their stack to the log file (never the
// screen) and reported in the status bar.
func Run(ctx context.Context, o Options) (err error) {
	m := New(o)
	log := m.log
	defer func() {
		if r := recover(); r != nil {
			log.Error("panic", "panic", fmt.Sprint(r), "stack", stack())
			err = fmt.Errorf("stacktui stopped on an internal error: %v (the stack is in the log file)", r)
		}
	}()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := tea.NewProgram(m, tea.WithContext(ctx))

	// SIGHUP: the terminal went away. Quit cleanly; if the renderer is
	// stuck on a dead terminal, kill after a grace period.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		select {
		case <-hup:
			log.Info("SIGHUP: terminal hung up, quitting")
			p.Quit()
			select {
			case <-time.After(2 * time.Second):
				p.Kill()
			case <-ctx.Done():
			}
		case <-ctx.Done():
		}
	}()

	_, err = p.Run()
	if err != nil {
		if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil && !errors.Is(err, tea.ErrProgramPanic) {
			return nil // cancelled by the caller or killed after a hang-up
		}
		if errors.Is(err, tea.ErrProgramPanic) {
			log.Error("program panicked", "err", err)
			return fmt.Errorf("stacktui stopped on an internal error (details in the log file): %w", err)
		}
		return fmt.Errorf("running the console: %w", err)
	}
	return nil
}
