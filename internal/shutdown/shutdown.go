// Package shutdown is the process's one owner of SIGINT, SIGTERM and SIGHUP.
//
// The first signal cancels the context every command runs under, so each
// stops in its own way (the console quits, watch ends its stream, a one-shot
// command gives up). A watchdog then makes sure the process is gone soon
// after, whatever is stuck: when the process is still running Deadline after
// the signal (or at once on a second signal), it runs the last-resort hooks
// registered with AtExit (restore the terminal, remove the demo's files),
// each bounded in time, and exits with 128+signal.
package shutdown

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Deadline is how long after a signal the watchdog lets the process stop by
// itself. It leaves room for the last-resort hooks within the 2 s an operator
// can expect between `kill` and a usable terminal.
const Deadline = 1400 * time.Millisecond

// hookBudget bounds the last-resort hooks together: a hook stuck on a
// blocked terminal must not keep the process alive.
const hookBudget = 300 * time.Millisecond

// Signals are the signals the handler owns: SIGTERM, and SIGINT and SIGHUP
// unless the process was started with them ignored. nohup ignores SIGHUP
// and a script's background job SIGINT on purpose; taking them over would
// end `nohup stacktui watch` at logout.
func Signals() []os.Signal {
	out := []os.Signal{syscall.SIGTERM}
	for _, s := range []os.Signal{syscall.SIGINT, syscall.SIGHUP} {
		if !signal.Ignored(s) {
			out = append(out, s)
		}
	}
	return out
}

// Handler turns the first signal into a cancelled context and guards the
// exit with a watchdog. The zero value is not usable: call Install.
type Handler struct {
	ctx      context.Context
	cancel   context.CancelCauseFunc
	sigs     chan os.Signal
	deadline time.Duration
	exit     func(int)
	stderr   io.Writer
	stop     chan struct{}
	stopOnce sync.Once

	mu    sync.Mutex
	got   os.Signal
	hooks map[int]func()
	next  int
}

// Install starts owning Signals(); deadline is the watchdog's grace. Stop
// gives them back.
func Install(deadline time.Duration) *Handler {
	return install(deadline, os.Exit, os.Stderr, Signals()...)
}

func install(deadline time.Duration, exit func(int), stderr io.Writer, sigs ...os.Signal) *Handler {
	h := &Handler{
		sigs:     make(chan os.Signal, 4),
		deadline: deadline,
		exit:     exit,
		stderr:   stderr,
		stop:     make(chan struct{}),
		hooks:    map[int]func(){},
	}
	h.ctx, h.cancel = context.WithCancelCause(context.WithValue(context.Background(), handlerKey{}, h))
	signal.Notify(h.sigs, sigs...)
	go h.loop()
	return h
}

type handlerKey struct{}

// Context is cancelled at the first signal; its cause is an *Interrupted.
// It carries the handler, for AtExit.
func (h *Handler) Context() context.Context { return h.ctx }

// Signal is the first signal received, nil when none came.
func (h *Handler) Signal() os.Signal {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.got
}

// Stop gives the signals back to the runtime's defaults. A watchdog already
// running still fires: the process is on its way out anyway.
func (h *Handler) Stop() {
	h.stopOnce.Do(func() {
		signal.Stop(h.sigs)
		close(h.stop)
	})
}

// AtExit registers f as a last-resort hook of the handler in ctx (no-op
// without one) and returns its removal. Hooks run concurrently, only when
// the watchdog fires, and must be safe to run while the rest of the program
// is still running (or wedged).
func AtExit(ctx context.Context, f func()) (remove func()) {
	h, _ := ctx.Value(handlerKey{}).(*Handler)
	if h == nil {
		return func() {}
	}
	h.mu.Lock()
	id := h.next
	h.next++
	h.hooks[id] = f
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		delete(h.hooks, id)
		h.mu.Unlock()
	}
}

// Interrupted is the cancellation cause: which signal stopped the command.
type Interrupted struct{ Signal os.Signal }

func (i *Interrupted) Error() string { return "interrupted by " + Name(i.Signal) }

// Name is the signal's conventional name, e.g. SIGTERM.
func Name(s os.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return s.String()
}

// ExitCode is the shell's convention for a process stopped by s: 128+s.
func ExitCode(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 1
}

func (h *Handler) loop() {
	var watchdog <-chan time.Time
	stop := h.stop
	for {
		select {
		case s := <-h.sigs:
			h.mu.Lock()
			first := h.got == nil
			if first {
				h.got = s
			}
			h.mu.Unlock()
			if !first {
				// A second signal: the operator does not want to wait.
				h.lastResort(fmt.Sprintf("second signal (%s)", Name(s)))
				return
			}
			h.cancel(&Interrupted{Signal: s})
			watchdog = time.After(h.deadline)
		case <-watchdog:
			h.lastResort(fmt.Sprintf("still running %s after %s", h.deadline, Name(h.Signal())))
			return
		case <-stop:
			if watchdog == nil {
				return
			}
			// Stopped after a signal: keep the watchdog armed until exit.
			stop = nil
		}
	}
}

// lastResort runs every hook, bounded by hookBudget, says why on stderr and
// exits.
func (h *Handler) lastResort(why string) {
	h.mu.Lock()
	hooks := make([]func(), 0, len(h.hooks))
	for _, f := range h.hooks {
		hooks = append(hooks, f)
	}
	sig := h.got
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, f := range hooks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		fmt.Fprintf(h.stderr, "stacktui: %s: forced exit\n", why)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(hookBudget):
	}
	h.exit(ExitCode(sig))
}
