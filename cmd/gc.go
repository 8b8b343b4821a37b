package cmd

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"slices"
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

// Without GOMEMLIMIT, a soft limit of limitFactor times the smallest live
// heap of the last limitSamples readings, limitEvery apart (at least
// minSoftLimit), bounds the brief peaks of a full read and its join (the
// old rows and view live until the new ones are made): without it, a
// collection that happened to run in one set the next goal from its peak
// (130 MB instead of 80 at 50,000 servers), and the memory stayed resident
// for minutes. In between, GOGC's target is the same: collecting more often
// (GOGC=50) kept 5 MB less for 10-20 % more collections. The floor is what
// a console may use before the limit acts at all. At 50,000 servers the live
// heap is 23 MB between full reads and 38 MB at a full read's peak; side by
// side for 7 minutes, a floor of 64 MB kept 69 MB resident at most, 52 MB
// kept 62 MB for 0.15 points of CPU more (a collection every 12 s instead of
// 18), and 48 MB kept 57 MB for 0.24 points, collecting three times at each
// full read's peak. Smaller consoles stay below the floor.
const (
	limitFactor  = 2
	limitSamples = 4
	minSoftLimit = 52 << 20
	limitEvery   = 15 * time.Second
)

// deferGC stops garbage collection until the returned func is called (or
// startupGCDeadline passes), with startupHeapLimit as a safety net. The first
// read of a large HAProxy allocates its whole snapshot at once, from a
// nearly empty heap, so collection ran again and again during it, and on a
// two-core host that took the CPU HAProxy needed to write the reply: at
// 50,000 servers it delayed the first screen by 100-200 ms. Resuming
// restores the settings from GOGC and GOMEMLIMIT (and, when GOMEMLIMIT is
// not set, keeps the soft limit), then collects once and hands
// the start-up garbage back to the OS (in the background: resume is called
// from the event loop), or it would stay in RSS for minutes. stop ends the
// soft limit's renewals.
func deferGC() (resume, stop func()) {
	percent := debug.SetGCPercent(-1)
	limit := debug.SetMemoryLimit(startupHeapLimit)
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

// softLimit keeps the memory limit at limitFactor times the smallest
// recent live heap until done is closed, then puts back limit.
func softLimit(done <-chan struct{}, limit int64) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var recent []int64
	t := time.NewTicker(limitEvery)
	defer t.Stop()
	for {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			recent = append(recent, int64(sample[0].Value.Uint64()))
			if len(recent) > limitSamples {
				recent = recent[1:]
			}
			debug.SetMemoryLimit(softLimitFor(recent))
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

// softLimitFor is the soft limit for the recent live heap readings, oldest
// first: never below the latest and a quarter, so a heap that really grew
// (a reload with more servers) is not collected over and over until the
// smallest reading catches up.
func softLimitFor(recent []int64) int64 {
	live := recent[len(recent)-1]
	return max(minSoftLimit, limitFactor*slices.Min(recent), live+live/4)
}
