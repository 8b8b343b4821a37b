package cmd

import (
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"
)

// configDir is $XDG_CONFIG_HOME/stacktui, or ~/.config/stacktui.
func configDir() string {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "stacktui")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".config", "stacktui")
	}
	return filepath.Join(os.TempDir(), "stacktui")
}

// stateDir is $XDG_STATE_HOME/stacktui, or ~/.local/state/stacktui.
func stateDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "stacktui")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "state", "stacktui")
	}
	return filepath.Join(os.TempDir(), "stacktui")
}

// defaultLogPath is where the log goes; defaultAuditPath where actions are recorded.
func defaultLogPath() string   { return filepath.Join(stateDir(), "stacktui.log") }
func defaultAuditPath() string { return filepath.Join(stateDir(), "audit.log") }

// openLog opens the log file, falling back to a per-user file in the temp dir
// when the state dir cannot be written (a read-only home must not stop
// stacktui), and to nowhere at all as a last resort. It never logs to the
// terminal the TUI draws on.
func openLog(debug bool) (*slog.Logger, func()) {
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	for _, p := range []string{defaultLogPath(), filepath.Join(os.TempDir(), "stacktui-"+userName(), "stacktui.log")} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			continue
		}
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			continue
		}
		// Libraries that log with the standard logger (the Serf RPC client does)
		// must not scribble over the TUI either.
		log.SetOutput(f)
		return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: level})), func() { f.Close() }
	}
	log.SetOutput(io.Discard)
	return slog.New(slog.NewTextHandler(io.Discard, nil)), func() {}
}

func userName() string {
	for _, k := range []string{"SUDO_USER", "USER", "LOGNAME"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "unknown"
}
