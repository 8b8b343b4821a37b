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

// TestPacerCoalescesABurst: changes inside one interval after a frame
// become one frame at the interval's end, carrying all of them, with one
// timer; the next change after it is paced from that frame.
func TestPacerCoalescesABurst(t *testing.T) {
	l := newPacedLoop(t)
	l.change() // frame 1 at 0
	first := l.clock.now
	for range 10 {
		l.runTo(time.Millisecond)
		l.change()
	}
	if len(l.frames) != 1 {
		t.Fatalf("a burst inside the interval drew %d frames, want only the first", len(l.frames))
	}
	if want := first.Add(Interval); !l.clock.timer.Equal(want) {
		t.Fatalf("timer at %v, want the interval's end %v", l.clock.timer, want)
	}
	l.runTo(20 * time.Millisecond)
	if len(l.frames) != 2 || !l.frames[1].Equal(first.Add(Interval)) {
		t.Fatalf("the burst's frame: frames %v, want the second at %v", l.frames, first.Add(Interval))
	}
	// 20 ms after the first frame, 3.3 ms after the second: this waits.
	l.change()
	if len(l.frames) != 2 || l.clock.timer.IsZero() {
		t.Fatalf("a change 3 ms after a frame drew at once")
	}
	l.runTo(Interval)
	if len(l.frames) != 3 || !l.frames[2].Equal(l.frames[1].Add(Interval)) {
		t.Fatalf("frames %v: the third is not one interval after the second", l.frames)
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
	if d := p.Changed(now.Add(time.Millisecond)); d.Wait == 0 {
		t.Fatalf("a change 1 ms after a frame: %+v, want a wait", d)
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
