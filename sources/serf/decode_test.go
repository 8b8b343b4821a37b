package serf

import (
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/sources"
)

func members() []sources.Member {
	return []sources.Member{
		{Name: "web-1", Addr: "10.0.0.1:7946", Status: "alive", Tags: map[string]string{
			"smart:svc_a_31001": "10.0.0.1:31001", "smart:svc_b": "10.0.0.1:8080", "smart:serverweight": "20", "role": "web"}},
		{Name: "web-2", Addr: "10.0.0.2:7946", Status: "failed", Tags: map[string]string{
			"smart:svc_a_31001": "10.0.0.2:31001"}},
		{Name: "odd", Addr: "10.0.0.3:7946", Status: "alive", Tags: map[string]string{
			"smart:svc_a": "nonsense", "smart:svc_c": "[::1]:99999", "smart:serverweight": "heavy", "smart:": "h:1"}},
	}
}

func TestDecode(t *testing.T) {
	svcs := Decode(members())
	var names []string
	for _, s := range svcs {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != ",svc_a,svc_a_31001,svc_b,svc_c" {
		t.Fatalf("services = %q", got)
	}
	a := svcs[2]
	if len(a.Registrations) != 2 {
		t.Fatalf("svc_a_31001 = %+v", a)
	}
	r1, r2 := a.Registrations[0], a.Registrations[1]
	if r1.Member != "web-1" || r1.Name != "web-1" || r1.Host != "10.0.0.1" || r1.Port != 31001 || !r1.HasWeight || r1.Weight != 20 ||
		r1.Tag != "smart:svc_a_31001" || r1.MemberStatus != "alive" || r1.MemberAddr != "10.0.0.1:7946" || r1.Malformed != "" || r1.Seq != -1 ||
		r1.ID() != "web-1|smart:svc_a_31001" || r1.Path != "" {
		t.Errorf("web-1 = %+v", r1)
	}
	if r2.MemberStatus != "failed" || r2.HasWeight || r2.Weight != 0 || r2.Malformed != "" {
		t.Errorf("web-2 (failed, kept) = %+v", r2)
	}
	bad := svcs[1].Registrations[0]
	if !strings.Contains(bad.Malformed, `value "nonsense" is not host:port`) || !strings.Contains(bad.Malformed, "not a weight") || string(bad.Raw) != "nonsense" || bad.DataLen != 8 {
		t.Errorf("malformed = %+v", bad)
	}
	if c := svcs[4].Registrations[0]; !strings.Contains(c.Malformed, "outside 1-65535") || c.Host != "::1" {
		t.Errorf("bad port = %+v", c)
	}
	if e := svcs[0].Registrations[0]; !strings.Contains(e.Malformed, "names no service") {
		t.Errorf("empty service = %+v", e)
	}
	for _, s := range svcs {
		for _, r := range s.Registrations {
			if r.Tag == WeightTag {
				t.Errorf("the weight tag is not a registration: %+v", r)
			}
		}
	}
}

func TestMatches(t *testing.T) {
	for _, tc := range []struct {
		svc, key string
		want     bool
	}{
		{"svc_a", "svc_a", true},
		{"svc_a", "svc_a_31001", true},
		{"svc_a", "svc_a_", false},
		{"svc_a", "svc_ab", false},
		{"svc_a", "svc_a_x1", false},
		{"svc_a", "svc_b_31001", false},
		{"svc", "svc_a_31001", false},
	} {
		if got := Matches(tc.svc, tc.key); got != tc.want {
			t.Errorf("Matches(%q, %q) = %v", tc.svc, tc.key, got)
		}
	}
}

func TestSynapseService(t *testing.T) {
	svcs := []string{"svc", "svc_a", "svc_a_31001", "web"}
	for key, want := range map[string]string{
		"svc_a_31001": "svc_a_31001", // exact wins
		"svc_a_31002": "svc_a",
		"svc_7":       "svc",
		"svc_a":       "svc_a",
		"web_80":      "web",
		"db_5432":     "",
	} {
		got, ok := SynapseService(key, svcs)
		if got != want || ok != (want != "") {
			t.Errorf("SynapseService(%q) = %q, %v; want %q", key, got, ok, want)
		}
	}
}

func TestDiffServices(t *testing.T) {
	now := time.Now()
	before := Decode(members())
	ms := members()
	ms[0].Tags = map[string]string{"smart:svc_a_31001": "10.0.0.1:31002", "smart:serverweight": "0", "smart:svc_d": "10.0.0.1:1"}
	ms[1].Status = "alive"
	after := Decode(ms)
	var got []string
	for _, e := range diffServices(before, after, now) {
		got = append(got, string(e.Kind)+" "+e.Service+": "+e.Message)
		if e.Registration == nil || e.Source != sources.KindSerf || !e.At.Equal(now) {
			t.Errorf("event %+v", e)
		}
	}
	want := []string{
		"changed svc_a_31001: web-1 10.0.0.1:31002 for svc_a_31001: address 10.0.0.1:31001 -> 10.0.0.1:31002, weight 20 -> 0",
		"changed svc_a_31001: web-2 10.0.0.2:31001 for svc_a_31001: member failed -> alive",
		"deregistered svc_b: web-1 deregistered 10.0.0.1:8080 from svc_b (tag smart:svc_b gone)",
		"registered svc_d: web-1 registered 10.0.0.1:1 for svc_d",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ev := diffServices(after, after, now); len(ev) != 0 {
		t.Errorf("no change gave %v", ev)
	}
}

func TestParseRecord(t *testing.T) {
	// The shape the msgpack codec produces: interface-keyed maps, bytes.
	raw := map[string]any{
		"Event": "member-update",
		"Members": []any{map[any]any{
			"Name": []byte("web-1"), "Addr": []byte{127, 0, 0, 1}, "Port": uint64(7946), "Status": "alive",
			"Tags": map[any]any{"smart:svc_a": []byte("127.0.0.1:80")},
		}, "junk"},
	}
	r := parseRecord(raw)
	if !r.isMember() || len(r.Members) != 1 {
		t.Fatalf("record = %+v", r)
	}
	m := r.Members[0]
	if m.Name != "web-1" || m.Addr != "127.0.0.1:7946" || m.Tags["smart:svc_a"] != "127.0.0.1:80" {
		t.Errorf("member = %+v", m)
	}
	u := parseRecord(map[string]any{"Event": "user", "Name": "deploy", "Payload": []byte("v1.2"), "LTime": uint64(3)})
	if u.isMember() || u.userMessage() != `user event "deploy", payload "v1.2"` {
		t.Errorf("user = %+v %q", u, u.userMessage())
	}
	if got := (record{Event: "query", Name: "q", Payload: []byte{0xff, 0}}).userMessage(); got != `query "q", payload 2 bytes of binary data` {
		t.Errorf("query = %q", got)
	}
}

func TestPublishCoalesces(t *testing.T) {
	s := &Source{o: Options{}.withDefaults(), updates: make(chan sources.Update, 1), members: map[string]sources.Member{}}
	ev := func(m string) []sources.Event { return []sources.Event{{Message: m}} }
	s.publish(sources.Snapshot{Address: "one"}, ev("a"))
	s.publish(sources.Snapshot{Address: "two"}, ev("b"))
	s.publish(sources.Snapshot{Address: "three"}, nil)
	u := <-s.updates
	if u.Snapshot.Address != "three" || len(u.Events) != 2 || u.Events[0].Message != "a" || u.Events[1].Message != "b" {
		t.Errorf("merged update = %+v", u)
	}
	if s.Current().Address != "three" {
		t.Errorf("current = %+v", s.Current())
	}
	select {
	case extra := <-s.updates:
		t.Errorf("one merged update expected, got another: %+v", extra)
	default:
	}
	// A reader that never reads: events stay bounded.
	for i := 0; i < maxPendingEvents+50; i++ {
		s.publish(sources.Snapshot{}, ev("x"))
	}
	u = <-s.updates
	if len(u.Events) != maxPendingEvents/2+50 || !strings.Contains(u.Events[0].Message, "5001 older Serf events were dropped") {
		t.Errorf("bounded: %d events, first %q", len(u.Events), u.Events[0].Message)
	}
}

// FuzzDecode feeds arbitrary tag keys and values through Decode.
func FuzzDecode(f *testing.F) {
	f.Add("smart:svc_a_31001", "127.0.0.1:31001", "20", "alive")
	f.Add("smart:svc", "[::1]:80", "", "failed")
	f.Add("smart:", "host", "300", "left")
	f.Add("role", ":0", "-1", "")
	f.Fuzz(func(t *testing.T, key, value, weight, status string) {
		tags := map[string]string{key: value}
		if weight != "" {
			tags[WeightTag] = weight
		}
		ms := []sources.Member{{Name: "m", Status: status, Tags: tags}, {Name: "n", Tags: map[string]string{"smart:x": value}}}
		svcs := Decode(ms)
		for _, s := range svcs {
			for _, r := range s.Registrations {
				if r.Malformed == "" && (r.Port < 1 || r.Port > 65535 || r.Host == "") {
					t.Fatalf("well-formed registration with bad address: %+v", r)
				}
				if r.HasWeight && (r.Weight < 0 || r.Weight > MaxServerWeight) {
					t.Fatalf("weight out of range: %+v", r)
				}
				if TagPrefix+r.Service != r.Tag {
					t.Fatalf("service %q does not come from tag %q", r.Service, r.Tag)
				}
			}
		}
		if len(diffServices(svcs, Decode(ms), time.Time{})) != 0 {
			t.Fatal("Decode is not deterministic")
		}
	})
}
