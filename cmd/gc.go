package cmd

import (
	"runtime/debug"
	"sync"
	"time"
)

// startupHeapLimit bounds the heap while collection waits for the first
// screen; reaching it collects as usual.
const startupHeapLimit = 512 << 20

// startupGCDeadline resumes collection even if the first screen never
// comes (a source that neither answers nor fails).
const startupGCDeadline = 15 * time.Second

// deferGC stops garbage collection until the returned func is called (or
// startupGCDeadline passes), with startupHeapLimit as a safety net. The first
// read of a large HAProxy allocates its whole snapshot at once, from a
// nearly empty heap, so collection ran again and again during it, and on a
// two-core host that took the CPU HAProxy needed to write the reply: at
// 50,000 servers it delayed the first screen by 100-200 ms. Resuming
// restores the settings from GOGC and GOMEMLIMIT, then collects once and
// hands the start-up garbage back to the OS (in the background: resume is
// called from the event loop), or it would stay in RSS for minutes.
func deferGC() (resume func()) {
	percent := debug.SetGCPercent(-1)
	limit := debug.SetMemoryLimit(startupHeapLimit)
	var once sync.Once
	resume = func() {
		once.Do(func() {
			debug.SetGCPercent(percent)
			debug.SetMemoryLimit(limit)
			go debug.FreeOSMemory()
		})
	}
	time.AfterFunc(startupGCDeadline, resume)
	return resume
}
