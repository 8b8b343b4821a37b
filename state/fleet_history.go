package state

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// FleetHistory remembers, across fleet joins, when each registry service's
// set of registered instances last changed and since when each host has
// disagreed with the registry about each instance: what a single read
// cannot know. Memory is bounded by the current registry and findings:
// what is no longer seen is dropped at the next Observe. It is safe for
// concurrent use.
type FleetHistory struct {
	mu       sync.RWMutex
	services map[string]svcMark
	seen     map[findingKey]time.Time
}

// svcMark is a service's registered set and when it was last seen to change.
type svcMark struct {
	sig     string
	changed time.Time // zero: unchanged since the first observation
}

type findingKey struct {
	host, key string
	kind      FleetKind
}

// NewFleetHistory returns an empty FleetHistory.
func NewFleetHistory() *FleetHistory {
	return &FleetHistory{services: map[string]svcMark{}, seen: map[findingKey]time.Time{}}
}

// Observe records v: a service whose registered instances differ from the
// last observation changed at v.At, and every finding not seen before
// began at v.At. A change is dated by the registry snapshot's At. A view with a stale registry records no service change
// (its registrations are old news, not a change).
func (h *FleetHistory) Observe(v *FleetView) {
	if v == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	stale := v.Registry != nil && v.Registry.Stale()
	// A change is dated by the registry snapshot that shows it, which was
	// built when the change was seen, not by the later join.
	changedAt := v.At
	if v.Registry != nil && !v.Registry.At.IsZero() && v.Registry.At.Before(changedAt) {
		changedAt = v.Registry.At
	}
	services := make(map[string]svcMark, len(v.Services))
	seen := make(map[findingKey]time.Time, len(h.seen))
	for i := range v.Services {
		s := &v.Services[i]
		var keys []string
		for k := range s.Instances {
			if s.Instances[k].Registration != nil {
				keys = append(keys, s.Instances[k].Key)
			}
		}
		slices.Sort(keys)
		sig := strings.Join(keys, "\n")
		m, ok := h.services[s.Name]
		switch {
		case !ok:
			m = svcMark{sig: sig}
		case m.sig != sig && !stale:
			m = svcMark{sig: sig, changed: changedAt}
		}
		services[s.Name] = m
		for k := range s.Instances {
			for _, f := range s.Instances[k].Findings {
				fk := findingKey{f.Host, s.Instances[k].Key, f.Kind}
				t, ok := h.seen[fk]
				if !ok {
					t = v.At
				}
				seen[fk] = t
			}
		}
	}
	h.services, h.seen = services, seen
}

// serviceChanged is when the service's registrations were last seen to
// change, zero when not since the first observation.
func (h *FleetHistory) serviceChanged(name string) time.Time {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.services[name].changed
}

// firstSeen is when the finding was first observed.
func (h *FleetHistory) firstSeen(host, key string, kind FleetKind) (time.Time, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	t, ok := h.seen[findingKey{host, key, kind}]
	return t, ok
}
