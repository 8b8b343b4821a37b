package zookeeper

import (
	"fmt"
	"log/slog"
	"strings"
)

// zkLogger routes the go-zookeeper client's own log lines to slog (never
// to the terminal the TUI draws on) and keeps its dial failures for the
// connection status.
type zkLogger struct {
	log  *slog.Logger
	note func(string)
}

// Printf implements zk.Logger.
func (l zkLogger) Printf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	switch {
	case strings.HasPrefix(msg, "failed to connect"):
		l.log.Debug(msg, "component", "zk-client")
		if l.note != nil {
			l.note(msg)
		}
	case strings.Contains(msg, "fail"), strings.Contains(msg, "error"):
		l.log.Info(msg, "component", "zk-client")
	default:
		l.log.Debug(msg, "component", "zk-client")
	}
}
