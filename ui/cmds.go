package ui

import (
	"context"
	"errors"
	"runtime/debug"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/sources"
)

// guard wraps a command so a panic inside it becomes a panicMsg (logged to
// the log file by Update) instead of a stack trace on the user's screen.
func guard(c tea.Cmd) tea.Cmd {
	if c == nil {
		return nil
	}
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil {
				msg = panicMsg{val: r, stack: string(debug.Stack())}
			}
		}()
		return c()
	}
}

// waitFrame blocks for the pipeline's next frame; Update re-arms it after
// each message.
func waitFrame(sub *live.Subscription) tea.Cmd {
	return guard(func() tea.Msg {
		f, ok := sub.Next(context.Background())
		if !ok {
			return feedClosedMsg{}
		}
		return frameMsg{f}
	})
}

// tickEvery sends a tickMsg after d.
func tickEvery(d time.Duration) tea.Cmd {
	return tea.Tick(d, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// pollHealth reads the ensemble's health with a timeout.
func pollHealth(h func(context.Context) []sources.ServerHealth) tea.Cmd {
	return guard(func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return healthMsg{h(ctx)}
	})
}

// scheduleHealth asks for the next health poll after d.
func scheduleHealth(d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return healthTickMsg{} })
}

// loadChildren lists a znode's children.
func loadChildren(b sources.Browser, path string) tea.Cmd {
	return guard(func() tea.Msg {
		c, err := b.Children(path)
		return childrenMsg{path: path, children: c, err: err}
	})
}

// loadNode reads a znode's data and stat.
func loadNode(b sources.Browser, path string) tea.Cmd {
	return guard(func() tea.Msg {
		d, st, err := b.Get(path)
		return nodeMsg{path: path, data: d, stat: st, err: err}
	})
}

// runAction applies an action through the executor, the one choke point.
// A replay has no executor: nothing can reach anything from it.
func runAction(e *actions.Executor, a actions.Action) tea.Cmd {
	return guard(func() tea.Msg {
		if e == nil {
			now := time.Now()
			return actionDoneMsg{actions.Result{Started: now, Finished: now,
				Err: errors.New("this console has no executor (a replay): nothing can be changed from it")}}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return actionDoneMsg{e.Run(ctx, a)}
	})
}

// readAudit loads recent audit records for the events view.
func readAudit(a *actions.AuditLog) tea.Cmd {
	return guard(func() tea.Msg {
		recs, err := a.Recent(200)
		return auditMsg{recs, err}
	})
}
