package live

import (
	"context"
	"sync"

	"github.com/stacktui/stacktui/state"
)

// Subscription is one consumer's mailbox. Publishing never waits for the
// consumer: a frame it has not taken yet is replaced by the newer one,
// whose Events are appended to the untaken ones and whose Changed is
// or-ed with theirs, so nothing is lost and a slow consumer catches up in
// one step. A frame with Reset replaces the waiting one whole: its events
// are the timeline from the start.
type Subscription struct {
	mu     sync.Mutex
	frame  Frame
	has    bool
	closed bool
	wake   chan struct{} // holds one token while a frame is waiting
	drop   func(*Subscription)
}

// NewSubscription returns a mailbox nothing publishes to yet: Publish
// fills it (tests, and whatever feeds frames by hand).
func NewSubscription() *Subscription { return &Subscription{wake: make(chan struct{}, 1)} }

// Publish puts f in the mailbox without waiting.
func (s *Subscription) Publish(f Frame) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if s.has && !f.Reset {
		// The consumer has not taken the previous frame: fold it in. The
		// events are copied, never appended in place: the old slice may be
		// the one another subscriber holds.
		evs := make([]state.Event, 0, len(s.frame.Events)+len(f.Events))
		evs = append(append(evs, s.frame.Events...), f.Events...)
		f.Events = evs
		f.Changed |= s.frame.Changed
	}
	s.frame, s.has = f, true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Next waits for the next frame. ok is false when the subscription is
// closed (the pipeline stopped, or Close) and every frame was taken, or
// when ctx ends.
func (s *Subscription) Next(ctx context.Context) (f Frame, ok bool) {
	for {
		if f, ok, done := s.take(); ok || done {
			return f, ok
		}
		select {
		case <-s.wake:
		case <-ctx.Done():
			return Frame{}, false
		}
	}
}

// TryNext takes the waiting frame, if any, without waiting.
func (s *Subscription) TryNext() (Frame, bool) {
	f, ok, _ := s.take()
	return f, ok
}

// take returns the waiting frame; done when there is none and never will be.
func (s *Subscription) take() (f Frame, ok, done bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.has {
		f, s.has, s.frame = s.frame, false, Frame{}
		return f, true, false
	}
	return Frame{}, false, s.closed
}

// Close ends the subscription: the pipeline stops publishing to it, and
// Next returns false once the waiting frame is taken.
func (s *Subscription) Close() {
	s.mu.Lock()
	already := s.closed
	s.closed = true
	drop := s.drop
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	if !already && drop != nil {
		drop(s)
	}
}
