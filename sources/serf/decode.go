package serf

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/stacktui/stacktui/sources"
)

// Tag names of the Serf flavour.
const (
	// TagPrefix starts every registration tag: `smart:<svc>` = "host:port".
	TagPrefix = "smart:"
	// WeightTag is the getyourguide fork's per-member weight knob.
	WeightTag = "smart:serverweight"
	// DefaultServerWeight is what the getyourguide fork of Synapse applies
	// (with `set weight` over the socket) when a member has no
	// smart:serverweight tag. Upstream Synapse ignores weights for Serf.
	DefaultServerWeight = 50
	// MaxServerWeight is HAProxy's largest server weight.
	MaxServerWeight = 256
)

// Decode turns Serf members into service registrations, one per
// `smart:<svc>` tag. It is pure: same members, same result.
//
// The service key is the tag name after "smart:", kept whole. Nerve's Serf
// reporter usually names the tag `smart:<service>_<port>` (one tag per port a
// host serves), and Synapse's Serf watcher for service <svc> takes every tag
// matching ^smart:<svc>(_[0-9]+)?$. So a trailing _<port> is not necessarily
// part of the service name, but it cannot be stripped blindly either (a
// service may itself end in _<digits>): the key is kept as written and
// Matches answers "does Synapse's <svc> watcher take this key".
//
// A member's `smart:serverweight` (an integer 0-256) becomes Weight and
// HasWeight on each of its registrations; without it HasWeight is false
// (the getyourguide fork then applies DefaultServerWeight). Members that are
// not alive are kept: MemberStatus says so. Values that cannot be decoded
// (not host:port, bad port, bad weight) are kept with Malformed set and the
// raw value in Raw, never dropped.
//
// Services are ordered by name and their registrations by ID.
func Decode(members []sources.Member) []sources.Service {
	type keyed struct {
		id string
		r  sources.Registration
	}
	bySvc := map[string][]keyed{}
	for _, m := range members {
		weight, hasWeight, weightErr := parseWeight(m.Tags)
		for tag, value := range m.Tags {
			if !strings.HasPrefix(tag, TagPrefix) || tag == WeightTag {
				continue
			}
			r := decodeTag(m, tag, value)
			r.Weight, r.HasWeight = weight, hasWeight
			if weightErr != "" {
				r.Malformed = joinReason(r.Malformed, weightErr)
			}
			bySvc[r.Service] = append(bySvc[r.Service], keyed{r.ID(), r})
		}
	}
	out := make([]sources.Service, 0, len(bySvc))
	for name, list := range bySvc {
		// IDs are computed once: building them in the comparator dominated.
		sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
		regs := make([]sources.Registration, len(list))
		for i := range list {
			regs[i] = list[i].r
		}
		out = append(out, sources.Service{Name: name, Registrations: regs})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// decodeTag builds the registration of one smart:<svc> tag of member m.
func decodeTag(m sources.Member, tag, value string) sources.Registration {
	r := sources.Registration{
		Service:      strings.TrimPrefix(tag, TagPrefix),
		Name:         m.Name,
		Seq:          -1,
		Member:       m.Name,
		MemberStatus: m.Status,
		MemberAddr:   m.Addr,
		Tag:          tag,
		Raw:          []byte(value),
		DataLen:      len(value),
	}
	if r.Service == "" {
		r.Malformed = "tag " + strconv.Quote(tag) + " names no service"
	}
	host, port, err := parseHostPort(value)
	r.Host, r.Port = host, port
	if err != "" {
		r.Malformed = joinReason(r.Malformed, fmt.Sprintf("tag %s value %s %s", tag, quoteShort(value), err))
	}
	return r
}

// parseHostPort reads "host:port" (or "[v6]:port"); err is "" when valid.
func parseHostPort(v string) (host string, port int, err string) {
	v = strings.TrimSpace(v)
	h, p, splitErr := net.SplitHostPort(v)
	if splitErr != nil {
		return v, 0, "is not host:port"
	}
	n, convErr := strconv.Atoi(p)
	switch {
	case h == "":
		return h, n, "has no host"
	case convErr != nil:
		return h, 0, "has a port that is not a number"
	case n < 1 || n > 65535:
		return h, n, "has a port outside 1-65535"
	}
	return h, n, ""
}

// parseWeight reads smart:serverweight from tags.
func parseWeight(tags map[string]string) (weight int, has bool, err string) {
	v, ok := tags[WeightTag]
	if !ok {
		return 0, false, ""
	}
	n, convErr := strconv.Atoi(strings.TrimSpace(v))
	if convErr != nil || n < 0 || n > MaxServerWeight {
		return 0, false, fmt.Sprintf("tag %s value %s is not a weight 0-%d", WeightTag, quoteShort(v), MaxServerWeight)
	}
	return n, true, ""
}

// Matches reports whether Synapse's Serf watcher for service svc takes the
// registration key key: key is svc, or svc followed by _<digits>
// (the watcher's ^smart:<svc>(_[0-9]+)?$).
func Matches(svc, key string) bool {
	if key == svc {
		return true
	}
	rest, ok := strings.CutPrefix(key, svc+"_")
	if !ok || rest == "" {
		return false
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// SynapseService returns which of Synapse's services (its `services` keys)
// takes the registration key: the key itself when Synapse has it, else the
// longest service that Matches it. ok is false when none does, meaning this
// host's Synapse does not route to that registration.
func SynapseService(key string, services []string) (svc string, ok bool) {
	for _, s := range services {
		if s == key {
			return s, true
		}
		if Matches(s, key) && len(s) > len(svc) {
			svc, ok = s, true
		}
	}
	return svc, ok
}

func joinReason(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func quoteShort(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strconv.Quote(s)
}
