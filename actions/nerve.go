package actions

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/stacktui/stacktui/actions/hacheck"
	"github.com/stacktui/stacktui/sources/config"
)

// DisabledSuffix is appended to a Nerve service file moved aside.
const DisabledSuffix = config.DisabledSuffix

// nerveExts are the service file names Nerve reads from service_conf_dir.
var nerveExts = []string{".json", ".yaml", ".yml"}

// nerveToggle moves a Nerve service file aside (or back) and SIGHUPs Nerve.
type nerveToggle struct {
	base
	from, to string
	pid      PIDSource
}

// NewNerveToggle plans the Nerve service_conf_dir toggle for service on the
// host w: with
// disable, move <confDir>/<service>.json|yaml to <file>.disabled, else move
// it back; then send SIGHUP to Nerve (pid from nervePID, read when applied),
// which reaps or restarts that service's watcher and deletes or creates its
// registration.
func NewNerveToggle(w Where, confDir, service string, disable bool, nervePID PIDSource) (Action, error) {
	if confDir == "" {
		return nil, errors.New("nerve toggle: no Nerve service_conf_dir configured")
	}
	if err := hacheck.ValidService(service); err != nil {
		return nil, fmt.Errorf("nerve toggle: %w", err)
	}
	if nervePID == nil {
		return nil, errors.New("nerve toggle: no way to find Nerve's pid: configure a Nerve pid file or pid command")
	}
	dir := filepath.Clean(confDir)
	var found []string
	for _, ext := range nerveExts {
		name := filepath.Join(dir, service+ext)
		if !disable {
			name += DisabledSuffix
		}
		if _, err := w.fs().Stat(name); err == nil {
			found = append(found, name)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("nerve toggle: %w", err)
		}
	}
	state := "enabled"
	if !disable {
		state = "disabled"
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("nerve toggle: no %s service file for %s in %s (looked for %s.json, .yaml, .yml%s)",
			state, service, dir, service, map[bool]string{true: "", false: " + " + DisabledSuffix}[disable])
	case 1:
	default:
		return nil, fmt.Errorf("nerve toggle: several %s service files for %s: %v: resolve that by hand first", state, service, found)
	}
	n := &nerveToggle{from: found[0], pid: nervePID}
	if disable {
		n.to = n.from + DisabledSuffix
	} else {
		n.to = n.from[:len(n.from)-len(DisabledSuffix)]
	}
	if _, err := w.fs().Stat(n.to); err == nil {
		return nil, fmt.Errorf("nerve toggle: both %s and %s exist: resolve that by hand first", n.from, n.to)
	}
	n.plan = Plan{
		Kind:     KindMaintenance,
		Targets:  []string{"Nerve service " + service + w.on() + " (" + dir + ")"},
		Commands: []string{"mv " + n.from + " " + n.to, "kill -HUP <nerve pid from " + nervePID.String() + ">"},
		Durable:  true,
	}
	if disable {
		n.plan.Title = "Nerve: stop registering " + service + " on " + w.here()
		n.plan.Warning = "Nerve deletes " + w.Name() + "'s registration of " + service + " at once: every Synapse stops routing to it."
		n.plan.Undo = "toggle the Nerve service again to register it (moves " + filepath.Base(n.to) + " back)"
	} else {
		n.plan.Title = "Nerve: register " + service + " on " + w.here() + " again"
		n.plan.Warning = "Nerve registers " + service + " once its health check passes."
		n.plan.Undo = "toggle the Nerve service again to stop registering it"
	}
	return n, nil
}

func (n *nerveToggle) check(w *Writers) error {
	if w.Files == nil || w.Procs == nil {
		return errors.New("nerve toggle: no file writer or process runner configured")
	}
	return nil
}

func (n *nerveToggle) apply(ctx context.Context, w *Writers) ([]Step, error) {
	// Find the pid first: the commonest failure then changes nothing.
	find := Step{Command: "find nerve pid (" + n.pid.String() + ")"}
	pid, err := n.pid.PID(ctx)
	if err != nil {
		find.Err = err.Error()
		return []Step{find}, fmt.Errorf("nothing changed: %w", err)
	}
	find.Output = strconv.Itoa(pid)
	steps := []Step{find}

	mv := Step{Command: "mv " + n.from + " " + n.to}
	if err := w.Files.Rename(n.from, n.to); err != nil {
		mv.Err = err.Error()
		return append(steps, mv), fmt.Errorf("nothing changed: move the Nerve service file: %w", err)
	}
	steps = append(steps, mv)

	hup := Step{Command: "kill -HUP " + strconv.Itoa(pid)}
	if err := w.Procs.Signal(pid, syscall.SIGHUP); err != nil {
		hup.Err = err.Error()
		return append(steps, hup), fmt.Errorf("the service file was moved but Nerve (pid %d) was not signalled: %w: send it SIGHUP yourself, or move %s back", pid, err, n.to)
	}
	return append(steps, hup), nil
}
