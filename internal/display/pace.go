// Package display puts a full-screen program's frames on a terminal at once,
// paced: a changed view is drawn as soon as the last frame is a frame
// interval old, or the frame before it two intervals old; of a burst of
// changes after a quiet spell the first two are drawn at once and the rest
// together an interval later; and while nothing changes nothing is drawn
// and nothing is scheduled. Bubble Tea's own renderer draws on a fixed ticker
// instead (a key's frame waits up to a tick, and the ticker wakes the
// process 60 times a second forever); this package replaces it (see Screen
// for how a frame is written).
package display

import "time"

// Interval is the shortest time between two frames: 60 frames a second,
// Bubble Tea's default rate, as a ceiling rather than a clock.
const Interval = time.Second / 60

// Pacer decides when a changed view is drawn. It is pure: the caller tells
// it the time, draws when told to, and arms one timer when told to wait.
// The zero value is not usable: call NewPacer.
//
// A lone change just after a frame (a registry change a few milliseconds
// after a poll's frame, a key just after the screen moved) is drawn at
// once rather than an interval later: two frames may come back to back
// when the one before them is two intervals old. Over any longer stretch
// that is still at most one frame per interval, plus one.
type Pacer struct {
	interval time.Duration
	last     time.Time // when the last frame was written; zero before the first
	prev     time.Time // when the frame before it was; zero before the second
	armed    bool      // a timer is armed: a draw is due at its end
	dirty    bool      // the view may have changed since the last frame
}

// NewPacer returns a pacer that draws at most one frame per interval, and
// two back to back after a quiet spell of two.
func NewPacer(interval time.Duration) *Pacer {
	return &Pacer{interval: interval}
}

// Decision is what to do about a change: draw now, or arm one timer for
// Wait and call Due when it fires, or neither (a timer is already armed and
// will draw this change too).
type Decision struct {
	Draw bool
	Wait time.Duration
}

// Changed records that the view may have changed at now.
func (p *Pacer) Changed(now time.Time) Decision {
	p.dirty = true
	if p.armed {
		return Decision{} // the armed timer's frame will carry this change
	}
	if p.prev.IsZero() || now.Sub(p.last) >= p.interval || now.Sub(p.prev) >= 2*p.interval { // prev is zero until the second frame
		return Decision{Draw: true}
	}
	p.armed = true
	return Decision{Wait: min(p.interval-now.Sub(p.last), 2*p.interval-now.Sub(p.prev))}
}

// Due is called when the armed timer fires; it reports whether to draw.
func (p *Pacer) Due() bool {
	p.armed = false
	return p.dirty
}

// Drawn records a frame written at now (or a view found unchanged: there
// is nothing left to draw either way).
func (p *Pacer) Drawn(now time.Time, wrote bool) {
	p.dirty = false
	if wrote {
		p.prev, p.last = p.last, now
	}
}
