package display

import (
	"testing"
	"time"
)

// fakeClock is the time the pacer is told, moved by hand, with the one
// timer a pacer may ask for.
type fakeClock struct {
	now   time.Time
	timer time.Time // when the armed timer fires; zero when none
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)} }

func (c *fakeClock) advance(d time.Duration) { c.now = c.now.Add(d) }

// pacedLoop drives a Pacer the way the console does and counts frames.
type pacedLoop struct {
	t      *testing.T
	clock  *fakeClock
	p      *Pacer
	frames []time.Time
}

func newPacedLoop(t *testing.T) *pacedLoop {
	return &pacedLoop{t: t, clock: newFakeClock(), p: NewPacer(Interval)}
}

// change is a message that may have changed the view.
func (l *pacedLoop) change() {
	l.t.Helper()
	d := l.p.Changed(l.clock.now)
	switch {
	case d.Draw && d.Wait != 0:
		l.t.Fatalf("both draw and wait: %+v", d)
	case d.Draw:
		l.draw()
	case d.Wait > 0:
		if !l.clock.timer.IsZero() {
			l.t.Fatalf("a second timer armed while one is pending")
		}
		l.clock.timer = l.clock.now.Add(d.Wait)
	}
}

// runTo moves the clock to now+d, firing the timer if it falls due.
func (l *pacedLoop) runTo(d time.Duration) {
	end := l.clock.now.Add(d)
	if !l.clock.timer.IsZero() && !l.clock.timer.After(end) {
		l.clock.now = l.clock.timer
		l.clock.timer = time.Time{}
		if l.p.Due() {
			l.draw()
		}
	}
	l.clock.now = end
}

func (l *pacedLoop) draw() {
	l.frames = append(l.frames, l.clock.now)
	l.p.Drawn(l.clock.now, true)
}

// TestPacerDrawsAtOnce: a change after a quiet spell is drawn at the
// moment it comes, with no timer (a key's frame never waits for a tick).
func TestPacerDrawsAtOnce(t *testing.T) {
	l := newPacedLoop(t)
	l.change()
	if len(l.frames) != 1 || !l.frames[0].Equal(l.clock.now) {
		t.Fatalf("the first change was not drawn at once: frames %v", l.frames)
	}
	l.runTo(time.Second)
	start := l.clock.now
	l.change()
	if len(l.frames) != 2 || !l.frames[1].Equal(start) || !l.clock.timer.IsZero() {
		t.Fatalf("a change a second after the last frame: frames %v, timer %v", l.frames, l.clock.timer)
	}
	// Exactly one interval after a frame counts as old enough.
	l.runTo(Interval)
	l.change()
	if len(l.frames) != 3 || !l.frames[2].Equal(l.clock.now) {
		t.Fatalf("a change one interval after the last frame waited: frames %v", l.frames)
	}
}

// TestPacerCoalescesABurst: of changes inside one interval after a quiet
// spell, the first two are drawn at once and the rest become one frame at
// the interval's end, with one timer; changes after it are paced from
// there, one frame per interval.
func TestPacerCoalescesABurst(t *testing.T) {
	l := newPacedLoop(t)
	l.change() // frame 1 at 0
	first := l.clock.now
	l.runTo(time.Millisecond)
	l.change() // frame 2 at 1 ms: the frame before it is long ago
	for range 9 {
		l.runTo(time.Millisecond)
		l.change()
	}
	if len(l.frames) != 2 || !l.frames[1].Equal(first.Add(time.Millisecond)) {
		t.Fatalf("a burst inside the interval drew frames %v, want the first two only", l.frames)
	}
	if want := l.frames[1].Add(Interval); !l.clock.timer.Equal(want) {
		t.Fatalf("timer at %v, want an interval after the second frame, %v", l.clock.timer, want)
	}
	l.runTo(10 * time.Millisecond)
	if len(l.frames) != 3 || !l.frames[2].Equal(l.frames[1].Add(Interval)) {
		t.Fatalf("the burst's frame: frames %v, want the third at %v", l.frames, l.frames[1].Add(Interval))
	}
	// 2 ms after the third frame, with the second 18 ms old: this waits
	// until the third is an interval old.
	l.runTo(2 * time.Millisecond)
	l.change()
	if len(l.frames) != 3 || l.clock.timer.IsZero() {
		t.Fatalf("a change 2 ms after a frame drew at once")
	}
	l.runTo(Interval)
	if len(l.frames) != 4 || !l.frames[3].Equal(l.frames[2].Add(Interval)) {
		t.Fatalf("frames %v: the fourth is not one interval after the third", l.frames)
	}
}

// TestPacerLoneChangeAfterAFrame: a change a few milliseconds after a
// frame that followed a quiet spell (a registry change just after a poll
// redrew the screen) is drawn at once, not an interval later.
func TestPacerLoneChangeAfterAFrame(t *testing.T) {
	l := newPacedLoop(t)
	for i := range 5 {
		l.change() // the poll's frame
		l.runTo(3 * time.Millisecond)
		l.change() // the registry change's
		if len(l.frames) != 2*(i+1) || !l.frames[len(l.frames)-1].Equal(l.clock.now) || !l.clock.timer.IsZero() {
			t.Fatalf("round %d: frames %v, timer %v: the change 3 ms after a frame waited", i, l.frames, l.clock.timer)
		}
		l.runTo(time.Second)
	}
}

// TestPacerCeiling: a change every millisecond for a second draws no more
// than one frame per interval, plus the one drawn back to back at the start.
func TestPacerCeiling(t *testing.T) {
	l := newPacedLoop(t)
	for range 1000 {
		l.change()
		l.runTo(time.Millisecond)
	}
	if n, most := len(l.frames), int(time.Second/Interval)+2; n > most || n < most-2 {
		t.Fatalf("%d frames in a second of changes, want about %d and no more", n, most)
	}
	// However they fall, k+1 frames span at least k-1 intervals.
	for i := range l.frames {
		for j := i + 2; j < len(l.frames); j++ {
			if span := l.frames[j].Sub(l.frames[i]); span < time.Duration(j-i-1)*Interval {
				t.Fatalf("frames %d to %d span %v, less than %d intervals", i, j, span, j-i-1)
			}
		}
	}
}

// TestPacerIdle: without changes nothing is drawn and no timer is asked
// for, however long; a timer that fires after its change was drawn
// anyway draws nothing.
func TestPacerIdle(t *testing.T) {
	l := newPacedLoop(t)
	l.change()
	for range 600 {
		l.runTo(100 * time.Millisecond)
	}
	if len(l.frames) != 1 || !l.clock.timer.IsZero() {
		t.Fatalf("idle for a minute: %d frames, timer %v; want 1 and none", len(l.frames), l.clock.timer)
	}
	p := NewPacer(Interval)
	now := l.clock.now
	p.Drawn(now, true)
	p.Drawn(now, true)
	if d := p.Changed(now.Add(time.Millisecond)); d.Wait == 0 {
		t.Fatalf("a change 1 ms after two frames: %+v, want a wait", d)
	}
	p.Drawn(now.Add(2*time.Millisecond), true) // drawn by some other path
	if p.Due() {
		t.Fatal("the timer drew a view already drawn")
	}
}

// TestPacerUnchangedViewIsNoFrame: a view found unchanged writes nothing,
// so it does not hold back the next real change.
func TestPacerUnchangedViewIsNoFrame(t *testing.T) {
	p := NewPacer(Interval)
	t0 := newFakeClock().now
	p.Drawn(t0, true)
	if d := p.Changed(t0.Add(Interval)); !d.Draw {
		t.Fatalf("%+v", d)
	}
	p.Drawn(t0.Add(Interval), false) // the view was the same: nothing written
	if d := p.Changed(t0.Add(Interval + time.Millisecond)); !d.Draw {
		t.Fatalf("a change right after an unchanged view waited: %+v", d)
	}
}
