package testenv

import (
	"os"
	"os/signal"
	"syscall"
)

// DefaultSignalsForChildren makes the programs a test starts begin with
// SIGINT and SIGHUP at their default action even when the test binary was
// itself started with them ignored (under nohup, or as a background job of
// a script): an ignored signal stays ignored across exec, a caught one does
// not. The test binary goes on ignoring them. Call it from TestMain in
// packages whose tests send those signals to programs they start.
func DefaultSignalsForChildren() {
	var ignored []os.Signal
	for _, s := range []os.Signal{syscall.SIGINT, syscall.SIGHUP} {
		if signal.Ignored(s) {
			ignored = append(ignored, s)
		}
	}
	if len(ignored) == 0 {
		return
	}
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, ignored...)
	go func() {
		for range ch {
		}
	}()
}
