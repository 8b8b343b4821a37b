package actions

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// reload runs the host's Synapse reload (or restart) command.
type reload struct {
	base
	command string
	what    string // "reload command" or "restart command", for errors
}

// NewReload plans running command (Synapse's haproxy.reload_command,
// --reload-cmd, or a configured Synapse restart command) with /bin/sh -c on
// the host w. Its output and exit code are in the result. stacktui never
// reloads through HAProxy's master CLI.
func NewReload(w Where, command string) (Action, error) {
	return newCommand(command, "reload", "set Synapse's haproxy.reload_command or pass --reload-cmd", Plan{
		Kind:    KindReload,
		Title:   "Reload: run the reload command on " + w.here(),
		Targets: []string{"HAProxy/Synapse" + w.on()},
		Warning: "A reload resets weights and server states set over the HAProxy socket to what the configuration says.",
		Undo:    "nothing to undo: a reload applies the configuration on disk",
	})
}

// newCommand plans running command with /bin/sh -c, with plan's texts; what
// ("reload", "restart") and hint name it in errors.
func newCommand(command, what, hint string, plan Plan) (Action, error) {
	command = strings.TrimSpace(command)
	if command == "" {
		return nil, fmt.Errorf("%s: no %s command: %s", what, what, hint)
	}
	if strings.ContainsRune(command, 0) {
		return nil, fmt.Errorf("%s: the %s command contains a NUL byte", what, what)
	}
	r := &reload{command: command, what: what + " command"}
	plan.Commands = []string{"/bin/sh -c " + shellQuote(command)}
	plan.Durable = true
	r.plan = plan
	return r, nil
}

func (r *reload) check(w *Writers) error {
	if w.Procs == nil {
		return errors.New("reload: no process runner configured")
	}
	return nil
}

func (r *reload) apply(ctx context.Context, w *Writers) ([]Step, error) {
	st := Step{Command: r.plan.Commands[0]}
	out, code, err := w.Procs.Run(ctx, r.command)
	st.Output, st.ExitCode = string(out), code
	switch {
	case err != nil:
		st.Err = err.Error()
		return []Step{st}, fmt.Errorf("%s: %w", r.what, err)
	case code != 0:
		st.Err = "exit status " + strconv.Itoa(code)
		return []Step{st}, fmt.Errorf("%s exited with status %d: see its output", r.what, code)
	}
	return []Step{st}, nil
}

// NewRestart plans restarting Synapse on the host w with command
// (--restart-synapse-cmd, e.g. "systemctl restart synapse"), run with
// /bin/sh -c: the handbook's
// "force-restart everything" with a reload. Synapse has no SIGHUP handling,
// so a changed Synapse config needs this. Output and exit code are in the
// result.
func NewRestart(w Where, command string) (Action, error) {
	return newCommand(command, "restart", `pass --restart-synapse-cmd (e.g. "systemctl restart synapse")`, Plan{
		Kind:    KindRestart,
		Title:   "Restart Synapse on " + w.here(),
		Targets: []string{"Synapse" + w.on()},
		Warning: "While Synapse restarts, registry changes do not reach HAProxy; it rewrites HAProxy's configuration when it is back (and, configured so, reloads it, resetting weights and states set over the socket).",
		Undo:    "nothing to undo: a restart applies Synapse's configuration on disk",
	})
}

// shellQuote quotes s for /bin/sh, for showing the exact command run.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
