package serf

import (
	"fmt"
	"time"

	"github.com/stacktui/stacktui/sources"
)

// maxPendingEvents bounds the events kept for a reader that has fallen behind.
const maxPendingEvents = 10000

// publish sets Current and offers the update without ever blocking: the
// channel holds one update, and an update the reader has not taken yet is
// merged into the new one (newest snapshot, events in order). Only the run
// goroutine sends, so after the drain the send always has room. A taken-back
// update was never seen by the reader, so its event slice is ours to extend.
func (s *Source) publish(snap sources.Snapshot, events []sources.Event) {
	s.mu.Lock()
	s.cur = snap
	s.mu.Unlock()
	u := sources.Update{Snapshot: snap, Events: events}
	select {
	case old := <-s.updates:
		u.Events = s.bound(append(old.Events, events...))
	default:
		s.dropped = 0 // the reader has everything so far
	}
	s.updates <- u
}

// bound keeps at most maxPendingEvents events for a reader that has fallen
// behind: past the limit it drops the oldest half at once (so the copy is
// rare) and leads with one note counting everything dropped.
func (s *Source) bound(evs []sources.Event) []sources.Event {
	if len(evs) <= maxPendingEvents {
		return evs
	}
	body := evs
	if s.dropped > 0 {
		body = evs[1:] // the previous note
	}
	drop := len(body) - maxPendingEvents/2
	s.dropped += drop
	out := make([]sources.Event, 0, maxPendingEvents+1)
	out = append(out, sources.Event{At: time.Now(), Kind: sources.EventResync, Source: sources.KindSerf,
		Message: fmt.Sprintf("%d older Serf events were dropped because the display fell behind; the snapshot is complete", s.dropped)})
	return append(out, body[drop:]...)
}
