package demo

import (
	"bytes"
	"log/slog"
)

// slogWriter turns a library's log lines (Serf, memberlist) into debug
// records of the demo's logger, so nothing reaches the terminal.
type slogWriter struct {
	l         *slog.Logger
	component string
}

func (w slogWriter) Write(p []byte) (int, error) {
	for _, line := range bytes.Split(bytes.TrimRight(p, "\n"), []byte("\n")) {
		if len(line) > 0 {
			w.l.Debug(string(line), "component", w.component)
		}
	}
	return len(p), nil
}
