package cmd

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// startupHeapLimit bounds the heap while collection waits for the first
// screen; reaching it collects as usual. It is the start-up peak: at 50,000
// servers the preview and the first full read come to about this much.
const startupHeapLimit = 80 << 20

// startupGCDeadline resumes collection even if the first screen never
// comes (a source that neither answers nor fails).
const startupGCDeadline = 15 * time.Second

// steadyGCPercent is the collection target after start-up unless GOGC is
// set: the console keeps a few large long-lived structures (the rows, the
// joined view, the history) and makes a steady trickle of garbage, so
// collecting at 50 % growth rather than 100 % keeps a third less memory
// resident for a collection every few seconds more (tens of milliseconds of
// one core each at 50,000 servers).
const steadyGCPercent = 50

// Without GOMEMLIMIT, a soft limit of limitFactor times the live heap (at
// least minSoftLimit), renewed every limitEvery, bounds the brief peaks of a
// full read and its join (the old rows and view live until the new ones are
// made): without it, a collection that happens to run in one sets the next
// goal from its peak, and the memory stays resident for minutes.
const (
	limitFactor  = 2
	minSoftLimit = 64 << 20
	limitEvery   = 15 * time.Second
)

// deferGC stops garbage collection until the returned func is called (or
// startupGCDeadline passes), with startupHeapLimit as a safety net. The first
// read of a large HAProxy allocates its whole snapshot at once, from a
// nearly empty heap, so collection ran again and again during it, and on a
// two-core host that took the CPU HAProxy needed to write the reply: at
// 50,000 servers it delayed the first screen by 100-200 ms. Resuming
// restores the settings from GOGC and GOMEMLIMIT (or, when they are not
// set, steadyGCPercent and the soft limit), then collects once and hands
// the start-up garbage back to the OS (in the background: resume is called
// from the event loop), or it would stay in RSS for minutes. stop ends the
// soft limit's renewals.
func deferGC() (resume, stop func()) {
	percent := debug.SetGCPercent(-1)
	limit := debug.SetMemoryLimit(startupHeapLimit)
	if os.Getenv("GOGC") == "" {
		percent = steadyGCPercent
	}
	soft := os.Getenv("GOMEMLIMIT") == ""
	done := make(chan struct{})
	var once, stopOnce sync.Once
	resume = func() {
		once.Do(func() {
			debug.SetGCPercent(percent)
			debug.SetMemoryLimit(limit)
			go func() {
				debug.FreeOSMemory()
				if soft {
					softLimit(done, limit)
				}
			}()
		})
	}
	stop = func() { stopOnce.Do(func() { close(done) }) }
	time.AfterFunc(startupGCDeadline, resume)
	return resume, stop
}

// softLimit keeps the memory limit at limitFactor times the live heap
// until done is closed, then puts back limit.
func softLimit(done <-chan struct{}, limit int64) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	t := time.NewTicker(limitEvery)
	defer t.Stop()
	for {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			debug.SetMemoryLimit(max(minSoftLimit, limitFactor*int64(sample[0].Value.Uint64())))
		}
		select {
		case <-done:
			debug.SetMemoryLimit(limit)
			return
		case <-t.C:
		}
	}
}

// oneShotGCPercent is the collection target of the commands that read once
// and exit (snapshot, check) unless GOGC is set: they build everything
// once and keep most of it to the end, so collecting at every doubling
// only repeats the scan (`snapshot --json` at 50,000 servers: a fifth of
// its CPU, for the same peak).
const oneShotGCPercent = 400

// oneShotGC sets oneShotGCPercent unless GOGC is set.
func oneShotGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(oneShotGCPercent)
	}
}
