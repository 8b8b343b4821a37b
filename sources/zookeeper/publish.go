package zookeeper

import (
	"fmt"
	"sort"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/stacktui/stacktui/sources"
)

// publishData is the engine's way to publish: new services (nil = unchanged),
// events, and whether a full read has just completed for session seq.
func (s *Source) publishData(services []sources.Service, events []sources.Event, dataErr string, fullSync bool, seq uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	changedErr := dataErr != s.dataErr
	s.dataErr = dataErr
	if services != nil {
		s.services = services
	}
	live := s.sessState == zk.StateHasSession && s.sessSeq == seq
	if fullSync && live {
		if s.state != sources.StateConnected {
			events = append(events, s.connEvent(fmt.Sprintf("connected to ZooKeeper %s", s.addr)))
		}
		s.state, s.err, s.synced, s.connErr = sources.StateConnected, "", true, ""
	}
	if s.state == sources.StateConnected {
		s.lastGood = time.Now()
	}
	if services == nil && len(events) == 0 && !fullSync && !changedErr {
		return
	}
	s.publishLocked(events)
}

// sessionSeq reports the session counter and whether a session is up now.
func (s *Source) sessionSeq() (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessSeq, s.sessState == zk.StateHasSession
}

// publishLocked builds the snapshot and hands it to the reader, merging the
// events of an Update the reader has not collected yet. s.mu is held, so
// this is the only sender and the send below never blocks.
func (s *Source) publishLocked(events []sources.Event) {
	now := time.Now()
	errText := s.err
	if s.connErr != "" && s.state != sources.StateConnected {
		if errText == "" {
			errText = "connecting to ZooKeeper " + s.addr
		}
		errText += " (" + s.connErr + ")"
	}
	if errText == "" {
		errText = s.dataErr
	}
	s.current = sources.Snapshot{
		Kind:     sources.KindZooKeeper,
		Address:  s.addr,
		State:    s.state,
		Err:      errText,
		At:       now,
		LastGood: s.lastGood,
		Services: s.services,
		Synced:   s.synced,
	}
	var pending []sources.Event
	select {
	case u := <-s.out:
		pending = u.Events
	default:
	}
	all := append(pending, events...)
	if len(all) > maxPendingEvents {
		all = all[len(all)-maxPendingEvents:]
	}
	s.out <- sources.Update{Snapshot: s.current, Events: all}
}

// sortedServices builds the published, immutable service list.
func sortedServices(m map[string]*svcState) []sources.Service {
	out := make([]sources.Service, 0, len(m))
	for _, sv := range m {
		out = append(out, sv.service())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
