package actions

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SerfWeightTag is the member tag the getyourguide Synapse applies as the
// HAProxy weight of that member's servers: 0 drains them.
const SerfWeightTag = "smart:serverweight"

// SerfEventSizeLimit is Serf's default limit on a user event's name plus
// payload; an agent may be configured with a higher one.
const SerfEventSizeLimit = 512

// serfTags sets and deletes tags of the local Serf agent.
type serfTags struct {
	base
	set map[string]string
	del []string
}

// NewSerfTags plans setting the tags in set and deleting those in del on the
// local Serf agent.
func NewSerfTags(set map[string]string, del []string) (Action, error) {
	if len(set) == 0 && len(del) == 0 {
		return nil, errors.New("serf tags: nothing to set or delete")
	}
	for k, v := range set {
		if err := validTagKey(k); err != nil {
			return nil, err
		}
		if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
			return nil, fmt.Errorf("serf tags: value of %s must be printable text", k)
		}
		if k == SerfWeightTag {
			if w, err := strconv.Atoi(v); err != nil || w < 0 || w > 256 {
				return nil, fmt.Errorf("serf tags: %s must be a weight from 0 to 256, not %q", SerfWeightTag, v)
			}
		}
	}
	del = slices.Clone(del)
	slices.Sort(del)
	del = slices.Compact(del)
	for _, k := range del {
		if err := validTagKey(k); err != nil {
			return nil, err
		}
		if _, ok := set[k]; ok {
			return nil, fmt.Errorf("serf tags: %s is both set and deleted", k)
		}
	}
	s := &serfTags{set: maps.Clone(set), del: del}
	var cmds, targets, warn []string
	for _, k := range slices.Sorted(maps.Keys(set)) {
		cmds = append(cmds, "serf tags -set "+k+"="+set[k])
		targets = append(targets, "tag "+k)
		if k == SerfWeightTag && set[k] == "0" {
			warn = append(warn, "smart:serverweight=0 drains this member's servers in every Synapse that reads it.")
		}
	}
	for _, k := range del {
		cmds = append(cmds, "serf tags -delete "+k)
		targets = append(targets, "tag "+k)
		if strings.HasPrefix(k, "smart:") && k != SerfWeightTag {
			warn = append(warn, "deleting "+k+" deregisters that service on this member in every Synapse.")
		}
	}
	for i := range targets {
		targets[i] = "local Serf agent on " + hostname() + ": " + targets[i]
	}
	title := fmt.Sprintf("Serf: change %d tag%s on the local agent", len(cmds), plural(len(cmds)))
	if v, ok := set[SerfWeightTag]; ok && len(cmds) == 1 {
		title = "Serf: set this member's weight to " + v
		if v == "0" {
			title = "Serf: drain this member (weight 0)"
		}
	}
	s.plan = Plan{
		Kind:        KindSerfTags,
		Title:       title,
		Targets:     targets,
		Commands:    cmds,
		Transient:   "the agent replaces tags set over RPC with its configured tags at its next SIGHUP (Nerve's Serf reporter sends one on every service up/down) or restart",
		Alternative: "change the tags in the agent's configuration to make it last",
		Undo:        "press t to set the tags back",
		Warning:     strings.Join(warn, " "),
	}
	return s, nil
}

func validTagKey(k string) error {
	if k == "" {
		return errors.New("serf tags: empty tag name")
	}
	if !utf8.ValidString(k) || strings.ContainsFunc(k, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '=' }) {
		return fmt.Errorf("serf tags: tag name %q may not contain spaces, control characters or '='", k)
	}
	return nil
}

func (s *serfTags) check(w *Writers) error {
	if w.Serf == nil {
		return errors.New("serf tags: no Serf RPC connection (pass --serf)")
	}
	return nil
}

func (s *serfTags) apply(_ context.Context, w *Writers) ([]Step, error) {
	st := Step{Command: strings.Join(s.plan.Commands, "; ")}
	if err := w.Serf.UpdateTags(maps.Clone(s.set), slices.Clone(s.del)); err != nil {
		st.Err = err.Error()
		return []Step{st}, fmt.Errorf("serf tags: %w", err)
	}
	return []Step{st}, nil
}

// serfEvent sends one Serf user event.
type serfEvent struct {
	base
	name     string
	payload  []byte
	coalesce bool
}

// NewSerfEvent plans sending the user event name with payload through the
// local Serf agent; coalesce lets Serf merge events of the same name.
func NewSerfEvent(name string, payload []byte, coalesce bool) (Action, error) {
	if name == "" {
		return nil, errors.New("serf event: empty event name")
	}
	if !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return nil, fmt.Errorf("serf event: event name %q may not contain spaces or control characters", name)
	}
	e := &serfEvent{name: name, payload: slices.Clone(payload), coalesce: coalesce}
	cmd := "serf event"
	if !coalesce {
		cmd += " -coalesce=false"
	}
	cmd += " " + name
	if len(payload) > 0 {
		cmd += " " + showPayload(payload)
	}
	e.plan = Plan{
		Kind:      KindSerfEvent,
		Title:     "Serf: send user event " + name,
		Targets:   []string{"every member of the Serf cluster of " + hostname()},
		Commands:  []string{cmd},
		Transient: "a user event is delivered once, to the members alive now",
		Undo:      "a sent event cannot be taken back",
	}
	if n := len(name) + len(payload); n > SerfEventSizeLimit {
		e.plan.Warning = fmt.Sprintf("name and payload are %d bytes; Serf refuses more than %d unless the agent raised its limit.", n, SerfEventSizeLimit)
	}
	return e, nil
}

// showPayload shows printable payloads quoted and others as a byte count.
func showPayload(p []byte) string {
	if utf8.Valid(p) && !strings.ContainsFunc(string(p), func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
		return shellQuote(string(p))
	}
	return fmt.Sprintf("<%d bytes of binary payload>", len(p))
}

func (e *serfEvent) check(w *Writers) error {
	if w.Serf == nil {
		return errors.New("serf event: no Serf RPC connection (pass --serf)")
	}
	return nil
}

func (e *serfEvent) apply(_ context.Context, w *Writers) ([]Step, error) {
	st := Step{Command: e.plan.Commands[0]}
	if err := w.Serf.UserEvent(e.name, slices.Clone(e.payload), e.coalesce); err != nil {
		st.Err = err.Error()
		return []Step{st}, fmt.Errorf("serf event: %w", err)
	}
	return []Step{st}, nil
}
