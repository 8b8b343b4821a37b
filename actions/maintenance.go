package actions

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stacktui/stacktui/actions/hacheck"
)

// MaxReasonLen bounds a maintenance reason: it is shown in tables and by hastatus.
const MaxReasonLen = 1024

// maintenance writes one hacheck spool file, or removes some.
type maintenance struct {
	base
	paths  []string // the file written; the files removed
	reason string
	expiry time.Duration
	remove bool
}

// NewMaintenance plans durable Nerve maintenance on the host w: a hacheck
// spool file <spoolDir>/<service>, <service>:<port> (port > 0) or "all"
// (service "all") holding reason and, when expiry > 0, an expiration that
// far after the moment it is applied. hacheck then fails Nerve's check and
// Nerve deregisters.
func NewMaintenance(w Where, spoolDir, service string, port int, reason string, expiry time.Duration) (Action, error) {
	path, what, err := spoolPath(w, spoolDir, service, port)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if err := validReason(reason); err != nil {
		return nil, err
	}
	if expiry < 0 {
		return nil, fmt.Errorf("maintenance: expiry %s is negative: give a duration such as 2h, or none", expiry)
	}
	exp := "null"
	expWords := "no expiry"
	if expiry > 0 {
		exp = fmt.Sprintf("<unix time when applied + %d>", int64(expiry/time.Second))
		expWords = "expires " + expiry.String() + " after it is applied"
	}
	m := &maintenance{paths: []string{path}, reason: reason, expiry: expiry}
	m.plan = Plan{
		Kind:     KindMaintenance,
		Title:    "Maintenance: take " + what + " down on " + w.here() + " (hacheck)",
		Targets:  []string{"hacheck spool " + filepath.Dir(path) + ": " + what + w.on() + " (" + expWords + ")"},
		Commands: []string{fmt.Sprintf("write %s: {\"reason\": %s, \"expiration\": %s, \"creation\": <unix time when applied>}", path, quoteReason(reason), exp)},
		Durable:  true,
		Undo:     "press " + Key("end-durable") + " to end maintenance (removes " + path + ")",
		Warning:  "Nerve deregisters the instance once its health check through hacheck fails (after its fall count), not at once.",
	}
	if service == hacheck.All {
		m.plan.Warning = "\"all\" takes EVERY service checked through hacheck on " + w.here() + " down. " + m.plan.Warning
	}
	return m, nil
}

// NewMaintenanceUndo plans the end of hacheck maintenance on the host w:
// removing the spool file NewMaintenance would write for service and port.
func NewMaintenanceUndo(w Where, spoolDir, service string, port int) (Action, error) {
	path, what, err := spoolPath(w, spoolDir, service, port)
	if err != nil {
		return nil, err
	}
	if _, err := w.fs().Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("maintenance: %s is not in hacheck maintenance (no spool file %s): nothing to undo", what, path)
		}
		return nil, fmt.Errorf("maintenance: check spool file %s: %w", path, err)
	}
	m := &maintenance{paths: []string{path}, remove: true}
	m.plan = Plan{
		Kind:     KindMaintenance,
		Title:    "End maintenance: bring " + what + " back on " + w.here() + " (hacheck)",
		Targets:  []string{"hacheck spool " + filepath.Dir(path) + ": " + what + w.on()},
		Commands: []string{"remove " + path},
		Durable:  true,
		Undo:     "press " + Key("durable") + " to put it in maintenance again",
		Warning:  "Nerve registers the instance again only once its health check passes (after its rise count); other spool files (\"all\", the service without port) still apply.",
	}
	return m, nil
}

// spoolPath is the spool file for service and port on the host w, whose
// spool directory must exist there.
func spoolPath(w Where, spoolDir, service string, port int) (path, what string, err error) {
	if spoolDir == "" {
		return "", "", errors.New("maintenance: no hacheck spool directory: set --hacheck-spool")
	}
	name, err := hacheck.FileName(service, port)
	if err != nil {
		return "", "", fmt.Errorf("maintenance: %w", err)
	}
	dir := filepath.Clean(spoolDir)
	st, err := w.fs().Stat(dir)
	if err != nil {
		return "", "", fmt.Errorf("maintenance: hacheck spool directory %s on %s: %w (is hacheck installed there? check --hacheck-spool)", dir, w.Name(), err)
	}
	if !st.IsDir() {
		return "", "", fmt.Errorf("maintenance: hacheck spool %s is not a directory (check --hacheck-spool)", dir)
	}
	what = name
	if service == hacheck.All {
		what = "all services"
	}
	return filepath.Join(dir, name), what, nil
}

func validReason(reason string) error {
	switch {
	case reason == "":
		return errors.New("maintenance: a reason is required (colleagues see it in stacktui and hastatus)")
	case len(reason) > MaxReasonLen:
		return fmt.Errorf("maintenance: reason of %d bytes is longer than %d", len(reason), MaxReasonLen)
	case !utf8.ValidString(reason):
		return errors.New("maintenance: reason is not valid UTF-8")
	}
	for _, r := range reason {
		if unicode.IsControl(r) {
			return fmt.Errorf("maintenance: reason contains the control character %q", r)
		}
	}
	return nil
}

func quoteReason(r string) string {
	b := hacheck.Encode(r, time.Time{}, time.Time{})
	// {"reason": <quoted>, ...}: cut the quoted string back out so the plan
	// shows exactly the bytes that will be written.
	s := strings.TrimPrefix(string(b), `{"reason": `)
	return s[:strings.Index(s, `, "expiration": `)]
}

func (m *maintenance) check(w *Writers) error {
	if w.Files == nil {
		return errors.New("maintenance: no file writer configured")
	}
	return nil
}

func (m *maintenance) apply(_ context.Context, w *Writers) ([]Step, error) {
	if m.remove {
		var steps []Step
		for _, p := range m.paths {
			st := Step{Command: "remove " + p}
			err := w.Files.Remove(p)
			if errors.Is(err, fs.ErrNotExist) {
				st.Output, err = "already gone", nil
			}
			if err != nil {
				st.Err = err.Error()
				return append(steps, st), fmt.Errorf("remove spool file: %w", err)
			}
			steps = append(steps, st)
		}
		return steps, nil
	}
	path := m.paths[0]
	now := time.Now()
	creation := now
	// hacheck keeps the creation time when the same reason is written again,
	// so a refreshed expiry still shows how long the service has been down.
	if old, err := w.Files.ReadFile(path); err == nil {
		if e := hacheck.Parse(old); !e.Legacy && e.Reason == m.reason && !e.Creation.IsZero() {
			creation = e.Creation
		}
	}
	var exp time.Time
	if m.expiry > 0 {
		exp = now.Add(m.expiry)
	}
	data := hacheck.Encode(m.reason, exp, creation)
	st := Step{Command: "write " + path + ": " + string(data)}
	if err := w.Files.WriteFile(path, data, 0o644); err != nil {
		st.Err = err.Error()
		return []Step{st}, fmt.Errorf("write spool file: %w (check permissions on %s)", err, filepath.Dir(path))
	}
	return []Step{st}, nil
}
