package actions

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
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

// serfTags sets and deletes tags of one member through its own agent.
type serfTags struct {
	base
	member SerfMember
	set    map[string]string
	del    []string
}

// SerfMember is the member whose tags a tag action changes, and the agent
// that can change them: Serf tags can only be set through the member's own
// agent's RPC.
type SerfMember struct {
	// Name is the member (node) name; empty for "whichever member the
	// connected agent is" (NewSerfTags).
	Name string
	// Addr is its gossip address (ip:port), to say which host it is.
	Addr string
	// Tags are its tags as last read, for the undo.
	Tags map[string]string
	// Agent is the RPC address of the member's own agent; empty when no
	// agent of that member is reachable from here.
	Agent string
	// Connected says Agent is the agent stacktui reads the cluster from
	// (--serf); otherwise it is one the operator configured for this member
	// (--serf-member-rpc), reached through Writers.SerfMembers.
	Connected bool
	// Via says how the agent is reached when not directly: with --ssh,
	// Agent is an address as seen from the SSH host ("SSH user@host").
	Via string
}

// DefaultSerfRPC is the Serf agent's default RPC address.
const DefaultSerfRPC = "127.0.0.1:7373"

// NewSerfTags plans setting the tags in set and deleting those in del on
// the agent stacktui is connected to (--serf), whichever member it is.
// NewMemberTags names (and, when applied, verifies) the member instead.
func NewSerfTags(set map[string]string, del []string) (Action, error) {
	return NewMemberTags(SerfMember{Connected: true}, set, del)
}

// NewMemberTags plans setting the tags in set and deleting those in del on
// member m, through m's own agent. When no agent of m is reachable (m.Agent
// is empty) it refuses with an *ElsewhereError holding the exact command to
// run on m's host. When applied, the agent is first asked its name, and
// nothing changes unless it is m.
func NewMemberTags(m SerfMember, set map[string]string, del []string) (Action, error) {
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
	who := m.Name
	if who == "" {
		who = "the member whose agent stacktui is connected to (--serf)"
	}
	if m.Agent == "" && !m.Connected {
		return nil, tagsElsewhere(m, set, del)
	}
	agent := m.Agent
	if agent == "" {
		agent = "<the --serf address>"
	}
	s := &serfTags{member: m, set: maps.Clone(set), del: del}
	var targets, warn, undo []string
	for _, k := range slices.Sorted(maps.Keys(set)) {
		targets = append(targets, "tag "+k+": "+tagChange(m, k, set[k], true))
		undo = append(undo, undoTag(m, k))
		if k == SerfWeightTag && set[k] == "0" {
			warn = append(warn, "smart:serverweight=0 drains "+who+"'s servers in every Synapse that reads it (HAProxy weight 0).")
		}
	}
	for _, k := range del {
		targets = append(targets, "tag "+k+": "+tagChange(m, k, "", false))
		undo = append(undo, undoTag(m, k))
		if strings.HasPrefix(k, "smart:") && k != SerfWeightTag {
			warn = append(warn, "deleting "+k+" deregisters that service on "+who+" in every Synapse.")
		}
	}
	through := "through its agent at " + agent
	if m.Via != "" {
		through += ", reached through " + m.Via
	}
	for i := range targets {
		targets[i] = "member " + who + " (" + through + "): " + targets[i]
	}
	n := len(set) + len(del)
	title := fmt.Sprintf("Serf: change %d tag%s of %s", n, plural(n), who)
	if v, ok := set[SerfWeightTag]; ok && n == 1 {
		title = "Serf: set the weight of " + who + " to " + v
		if v == "0" {
			title = "Serf: drain " + who + " (weight 0)"
		}
	}
	s.plan = Plan{
		Kind:        KindSerfTags,
		Title:       title,
		Targets:     targets,
		Commands:    []string{tagsCommand(agent, set, del)},
		Transient:   "the agent replaces tags set over RPC with its configured tags at its next SIGHUP (Nerve's Serf reporter sends one on every service up/down) or restart",
		Alternative: "set the tags in the agent's configuration on " + who + "'s host (its -config-dir) to make them last",
		Undo:        "press " + Key("tags") + " on " + who + " and enter " + strings.Join(undo, " "),
		Warning:     strings.Join(warn, " "),
	}
	if m.Name != "" {
		s.plan.Undo += " (the values before)"
	}
	return s, nil
}

// tagChange says what happens to tag k of m: "50 -> 0", "set to 0 (not set
// before)", "deleted (was 50)".
func tagChange(m SerfMember, k, v string, set bool) string {
	old, had := m.Tags[k]
	switch {
	case m.Tags == nil && set:
		return "set to " + v
	case m.Tags == nil:
		return "deleted"
	case set && had:
		return old + " -> " + v
	case set:
		return "set to " + v + " (not set before)"
	case had:
		return "deleted (was " + old + ")"
	}
	return "deleted (not set now)"
}

// undoTag is the tag expression that puts tag k of m back: "k=old", or
// "-k" when it was not set. Without the member's tags, the key alone.
func undoTag(m SerfMember, k string) string {
	if m.Tags == nil {
		return k + "=<previous value>"
	}
	if old, ok := m.Tags[k]; ok {
		return k + "=" + old
	}
	return "-" + k
}

// tagsCommand is the serf CLI command that makes the same change.
func tagsCommand(agent string, set map[string]string, del []string) string {
	var b strings.Builder
	b.WriteString("serf tags -rpc-addr " + agent)
	for _, k := range slices.Sorted(maps.Keys(set)) {
		b.WriteString(" -set " + shellWord(k+"="+set[k]))
	}
	for _, k := range del {
		b.WriteString(" -delete " + shellWord(k))
	}
	return b.String()
}

// tagsElsewhere is the refusal for a member no agent here can change.
func tagsElsewhere(m SerfMember, set map[string]string, del []string) error {
	host := m.Name + "'s host"
	if h, _, err := net.SplitHostPort(m.Addr); err == nil {
		host += " (" + h + ")"
	}
	return &ElsewhereError{
		What: "change the Serf tags of " + m.Name,
		Why: "Serf tags can only be changed through the member's own agent, and no RPC address of " + m.Name +
			"'s agent is configured (--serf-member-rpc " + m.Name + "=host:port); the agent stacktui reads is another member's",
		Where:    host,
		Commands: []string{tagsCommand(DefaultSerfRPC, set, del)},
		Note: DefaultSerfRPC + " is Serf's default RPC address: use that agent's -rpc-addr if it differs, with SERF_RPC_AUTH set if it needs a key" +
			undoNote(m, set, del),
	}
}

// undoNote is the command that puts the tags back, when they are known.
func undoNote(m SerfMember, set map[string]string, del []string) string {
	if m.Tags == nil {
		return ""
	}
	back := map[string]string{}
	var gone []string
	for _, k := range append(slices.Sorted(maps.Keys(set)), del...) {
		if old, ok := m.Tags[k]; ok {
			back[k] = old
		} else {
			gone = append(gone, k)
		}
	}
	return "; to undo: " + tagsCommand(DefaultSerfRPC, back, gone)
}

// shellWord quotes s for a shell when it holds anything but plain characters.
func shellWord(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:/=@%+,", r))
	}) {
		return s
	}
	return shellQuote(s)
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
	if _, err := s.writer(w); err != nil {
		return err
	}
	return nil
}

// writer is the agent that can change the member's tags.
func (s *serfTags) writer(w *Writers) (SerfWriter, error) {
	if s.member.Connected {
		if w.Serf == nil {
			return nil, errors.New("serf tags: no Serf RPC connection (pass --serf)")
		}
		return w.Serf, nil
	}
	if sw := w.SerfMembers[s.member.Name]; sw != nil {
		return sw, nil
	}
	return nil, fmt.Errorf("serf tags: no RPC connection to %s's agent at %s (check --serf-member-rpc)", s.member.Name, s.member.Agent)
}

// serfStats is what *client.RPCClient offers to name its agent: the agent
// section of `serf info`.
type serfStats interface {
	Stats() (map[string]map[string]string, error)
}

func (s *serfTags) apply(_ context.Context, w *Writers) ([]Step, error) {
	sw, err := s.writer(w)
	if err != nil {
		return nil, err
	}
	var steps []Step
	if s.member.Name != "" {
		// The agent must be the member named: a wrong --serf-member-rpc
		// address would otherwise change another member's tags.
		ask := Step{Command: "serf info -rpc-addr " + s.member.Agent + " (the agent's own name)"}
		st, ok := sw.(serfStats)
		if !ok {
			ask.Err = "this connection cannot tell which member its agent is"
			return []Step{ask}, fmt.Errorf("nothing changed: cannot verify that the agent at %s is %s", s.member.Agent, s.member.Name)
		}
		stats, err := st.Stats()
		if err != nil {
			ask.Err = err.Error()
			return []Step{ask}, fmt.Errorf("nothing changed: asking the agent at %s its name: %w", s.member.Agent, err)
		}
		name := stats["agent"]["name"]
		ask.Output = name
		if name != s.member.Name {
			ask.Err = "the agent is " + strconv.Quote(name) + ", not " + strconv.Quote(s.member.Name)
			return []Step{ask}, fmt.Errorf("nothing changed: the agent at %s is member %q, not %q (check --serf-member-rpc)", s.member.Agent, name, s.member.Name)
		}
		steps = append(steps, ask)
	}
	st := Step{Command: s.plan.Commands[0]}
	if err := sw.UpdateTags(maps.Clone(s.set), slices.Clone(s.del)); err != nil {
		st.Err = err.Error()
		return append(steps, st), fmt.Errorf("serf tags: %w", err)
	}
	return append(steps, st), nil
}

// serfEvent sends one Serf user event.
type serfEvent struct {
	base
	name     string
	payload  []byte
	coalesce bool
}

// NewSerfEvent plans sending the user event name with payload through the
// Serf agent of the host w; coalesce lets Serf merge events of the same name.
func NewSerfEvent(w Where, name string, payload []byte, coalesce bool) (Action, error) {
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
		Targets:   []string{"every member of the Serf cluster of " + w.Describe()},
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
