package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// chaosKind is one kind of trouble the chaos loop causes.
type chaosKind int

const (
	chaosHealth     chaosKind = iota // /health fails: HAProxy marks it DOWN, Nerve deregisters it
	chaosDeregister                  // its Nerve stops: deregistered while healthy, HAProxy MAINT
	chaosStuck                       // /health fails but Nerve is stuck: registered and DOWN
	chaosSlow                        // `/` answers much slower
)

// chaosEvent is one trouble in progress.
type chaosEvent struct {
	kind  chaosKind
	inst  *liveInstance
	start time.Time
	until time.Time
}

// describe is the event in one line at now: how long it has lasted, the
// way an on-call engineer counts, and when the demo ends it.
func (e *chaosEvent) describe(now time.Time) string {
	lasted := max(now.Sub(e.start).Round(time.Second), 0)
	left := max(e.until.Sub(now).Round(time.Second), time.Second)
	who := e.inst.Service + ": " + e.inst.Node
	switch e.kind {
	case chaosHealth:
		return fmt.Sprintf("%s failing its health check for %s (ends in %s)", who, lasted, left)
	case chaosDeregister:
		return fmt.Sprintf("%s deregistered (its Nerve stopped) for %s (back in %s)", who, lasted, left)
	case chaosStuck:
		return fmt.Sprintf("%s failing its health check for %s, its Nerve stuck (still registered; ends in %s)", who, lasted, left)
	default:
		return fmt.Sprintf("%s answering 300ms slower for %s (ends in %s)", who, lasted, left)
	}
}

// apply turns the trouble on or off.
func (e *chaosEvent) apply(on bool) {
	li := e.inst
	switch e.kind {
	case chaosHealth:
		li.failing.Store(on)
	case chaosDeregister:
		li.nerveOff.Store(on)
	case chaosStuck:
		li.nerveBlind.Store(on)
		li.failing.Store(on)
	case chaosSlow:
		if on {
			li.extraDelay.Store(int64(300 * time.Millisecond))
		} else {
			li.extraDelay.Store(0)
		}
	}
}

// chaos causes one trouble every `every` to 2x`every`, each lasting about
// `dur`, never two at once on the same service so every service keeps
// healthy instances.
type chaos struct {
	insts    []*liveInstance
	services int
	every    time.Duration // <= 0: off
	dur      time.Duration

	mu     sync.Mutex
	rng    *rand.Rand
	active []*chaosEvent
	next   time.Time
}

// newChaos seeds the loop so a given Seed replays the same story.
func newChaos(insts []*liveInstance, services int, every, dur time.Duration, seed int64) *chaos {
	return &chaos{insts: insts, services: services, every: every, dur: dur,
		rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed))}
}

// jitter is d scaled by a factor in [lo, hi).
func (c *chaos) jitter(d time.Duration, lo, hi float64) time.Duration {
	return time.Duration(float64(d) * (lo + (hi-lo)*c.rng.Float64()))
}

// run drives the chaos until ctx ends, then undoes whatever is active.
func (c *chaos) run(ctx context.Context) {
	if c.every <= 0 {
		return
	}
	c.mu.Lock()
	c.next = time.Now().Add(c.jitter(c.every, 0.5, 1))
	c.mu.Unlock()
	t := time.NewTicker(min(200*time.Millisecond, c.every/4))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			c.mu.Lock()
			for _, e := range c.active {
				e.apply(false)
			}
			c.active = nil
			c.mu.Unlock()
			return
		case now := <-t.C:
			c.tick(now)
		}
	}
}

// tick ends the events that are over and starts a new one when due.
func (c *chaos) tick(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keep := c.active[:0]
	for _, e := range c.active {
		if now.Before(e.until) {
			keep = append(keep, e)
			continue
		}
		e.apply(false)
	}
	c.active = keep
	if now.Before(c.next) {
		return
	}
	c.next = now.Add(c.jitter(c.every, 1, 2))
	if e := c.pick(now); e != nil {
		e.apply(true)
		c.active = append(c.active, e)
	}
}

// pick chooses an instance of a service with no trouble yet, and a kind.
func (c *chaos) pick(now time.Time) *chaosEvent {
	busy := map[string]bool{}
	for _, e := range c.active {
		busy[e.inst.Service] = true
	}
	var free []*liveInstance
	for _, li := range c.insts {
		if !busy[li.Service] {
			free = append(free, li)
		}
	}
	if len(free) == 0 {
		return nil
	}
	li := free[c.rng.IntN(len(free))]
	// Health failures and deregistrations are what on-call sees most.
	kinds := []chaosKind{chaosHealth, chaosHealth, chaosDeregister, chaosDeregister, chaosStuck, chaosSlow}
	return &chaosEvent{kind: kinds[c.rng.IntN(len(kinds))], inst: li, start: now,
		until: now.Add(c.jitter(c.dur, 0.75, 1.25))}
}

// happening is one line for the help bar: the troubles in progress, newest
// first, or when the next one is due.
func (c *chaos) happening(now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.every <= 0 {
		return fmt.Sprintf("chaos off: %d instances of %d services", len(c.insts), c.services)
	}
	if len(c.active) == 0 {
		in := c.next.Sub(now).Round(time.Second)
		if c.next.IsZero() || in < 0 {
			in = 0
		}
		return fmt.Sprintf("quiet: %d instances of %d services; next trouble in ~%s", len(c.insts), c.services, in)
	}
	parts := make([]string, 0, len(c.active))
	for i := len(c.active) - 1; i >= 0; i-- {
		parts = append(parts, c.active[i].describe(now))
	}
	return strings.Join(parts, "; ")
}
