package testenv

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

var defaultSignalsOnce sync.Once

// DefaultSignalsForChildren makes the programs a test starts begin with
// SIGINT and SIGHUP at their default action even when the test binary was
// itself started with them ignored (under nohup, or as a background job of
// a script): an ignored signal stays ignored across exec, a caught one does
// not. The test binary goes on ignoring them. testenv does it before it
// starts a process; call it from TestMain in packages whose tests signal
// programs they start themselves. Only the first call does anything.
func DefaultSignalsForChildren() { defaultSignalsOnce.Do(defaultSignals) }

func defaultSignals() {
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
