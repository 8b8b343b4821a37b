package serf

import (
	"fmt"
	"net"
	"strconv"
	"unicode/utf8"

	serfclient "github.com/hashicorp/serf/client"

	"github.com/stacktui/stacktui/sources"
)

// record is one decoded event of the agent's stream.
type record struct {
	Event   string // member-join, member-leave, member-failed, member-update, member-reap, user, query
	Members []sources.Member
	Name    string // user event or query name
	Payload []byte
	LTime   uint64
}

// isMember reports whether the record is a member event.
func (r record) isMember() bool {
	switch r.Event {
	case "member-join", "member-leave", "member-failed", "member-update", "member-reap":
		return true
	}
	return false
}

// parseRecord decodes a stream record as the msgpack codec hands it over:
// nested maps may have interface keys and strings may arrive as bytes.
func parseRecord(raw map[string]any) record {
	r := record{
		Event:   asString(raw["Event"]),
		Name:    asString(raw["Name"]),
		Payload: asBytes(raw["Payload"]),
		LTime:   asUint(raw["LTime"]),
	}
	if list, ok := raw["Members"].([]any); ok {
		for _, x := range list {
			m := asMap(x)
			if m == nil {
				continue
			}
			r.Members = append(r.Members, sources.Member{
				Name:   asString(m["Name"]),
				Addr:   memberAddr(asBytes(m["Addr"]), asUint(m["Port"])),
				Status: asString(m["Status"]),
				Tags:   asStringMap(m["Tags"]),
			})
		}
	}
	return r
}

// fromClient converts the RPC client's member type.
func fromClient(ms []serfclient.Member) []sources.Member {
	out := make([]sources.Member, 0, len(ms))
	for _, m := range ms {
		tags := make(map[string]string, len(m.Tags))
		for k, v := range m.Tags {
			tags[k] = v
		}
		out = append(out, sources.Member{
			Name:   m.Name,
			Addr:   memberAddr(m.Addr, uint64(m.Port)),
			Status: m.Status,
			Tags:   tags,
		})
	}
	return out
}

func memberAddr(ip []byte, port uint64) string {
	host := ""
	if len(ip) == net.IPv4len || len(ip) == net.IPv6len {
		host = net.IP(ip).String()
	} else if len(ip) > 0 {
		host = string(ip)
	}
	return net.JoinHostPort(host, strconv.FormatUint(port, 10))
}

func asString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []byte:
		return string(t)
	case nil:
		return ""
	default:
		return fmt.Sprint(t)
	}
}

func asBytes(v any) []byte {
	switch t := v.(type) {
	case []byte:
		return t
	case string:
		return []byte(t)
	}
	return nil
}

func asUint(v any) uint64 {
	switch t := v.(type) {
	case uint64:
		return t
	case uint32:
		return uint64(t)
	case uint16:
		return uint64(t)
	case uint8:
		return uint64(t)
	case uint:
		return uint64(t)
	case int64:
		if t >= 0 {
			return uint64(t)
		}
	case int:
		if t >= 0 {
			return uint64(t)
		}
	}
	return 0
}

func asMap(v any) map[string]any {
	switch t := v.(type) {
	case map[string]any:
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[asString(k)] = x
		}
		return m
	}
	return nil
}

func asStringMap(v any) map[string]string {
	m := asMap(v)
	out := make(map[string]string, len(m))
	for k, x := range m {
		out[k] = asString(x)
	}
	return out
}

// describe says in one sentence what a record means.
func (r record) describe(m sources.Member) string {
	switch r.Event {
	case "member-join":
		return fmt.Sprintf("member %s (%s) joined, %s", m.Name, m.Addr, m.Status)
	case "member-leave":
		return fmt.Sprintf("member %s (%s) left the cluster", m.Name, m.Addr)
	case "member-failed":
		return fmt.Sprintf("member %s (%s) failed: its agent stopped answering", m.Name, m.Addr)
	case "member-update":
		return fmt.Sprintf("member %s (%s) updated its tags", m.Name, m.Addr)
	case "member-reap":
		return fmt.Sprintf("member %s (%s) was reaped from the member list (was %s)", m.Name, m.Addr, m.Status)
	}
	return fmt.Sprintf("member %s (%s): %s", m.Name, m.Addr, r.Event)
}

// userMessage describes a user event or query with its payload.
func (r record) userMessage() string {
	kind := "user event"
	if r.Event == "query" {
		kind = "query"
	}
	return fmt.Sprintf("%s %q, payload %s", kind, r.Name, payloadWords(r.Payload))
}

func payloadWords(p []byte) string {
	switch {
	case len(p) == 0:
		return "empty"
	case !utf8.Valid(p):
		return fmt.Sprintf("%d bytes of binary data", len(p))
	case len(p) > 120:
		return fmt.Sprintf("%q... (%d bytes)", p[:120], len(p))
	}
	return strconv.Quote(string(p))
}
