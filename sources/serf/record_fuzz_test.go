package serf

import (
	"net"
	"testing"

	"github.com/hashicorp/go-msgpack/v2/codec"
)

// agentMember and the records below mirror the agent's IPC stream records
// (serf cmd/serf/command/agent/ipc.go), to seed the fuzzer with real encodings.
type agentMember struct {
	Name        string
	Addr        net.IP
	Port        uint16
	Tags        map[string]string
	Status      string
	ProtocolMin uint8
	ProtocolMax uint8
	ProtocolCur uint8
	DelegateMin uint8
	DelegateMax uint8
	DelegateCur uint8
}

type memberRecord struct {
	Event   string
	Members []agentMember
}

type userRecord struct {
	Event    string
	LTime    uint64
	Name     string
	Payload  []byte
	Coalesce bool
}

// handle decodes as the serf client does.
func handle() *codec.MsgpackHandle {
	return &codec.MsgpackHandle{WriteExt: true, BasicHandle: codec.BasicHandle{TimeNotBuiltin: true}}
}

func encode(t testing.TB, v any) []byte {
	var b []byte
	if err := codec.NewEncoderBytes(&b, handle()).Encode(v); err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeRaw(b []byte) (map[string]any, error) {
	var m map[string]any
	err := codec.NewDecoderBytes(b, handle()).Decode(&m)
	return m, err
}

// TestParseRecordEncoded checks parseRecord against the real wire encoding.
func TestParseRecordEncoded(t *testing.T) {
	raw, err := decodeRaw(encode(t, memberRecord{Event: "member-failed", Members: []agentMember{{
		Name: "web-1", Addr: net.ParseIP("10.1.2.3").To4(), Port: 7946, Status: "failed",
		Tags: map[string]string{"smart:svc_a_31001": "10.1.2.3:31001"}}}}))
	if err != nil {
		t.Fatal(err)
	}
	r := parseRecord(raw)
	if r.Event != "member-failed" || len(r.Members) != 1 {
		t.Fatalf("record = %+v", r)
	}
	m := r.Members[0]
	if m.Name != "web-1" || m.Addr != "10.1.2.3:7946" || m.Status != "failed" || m.Tags["smart:svc_a_31001"] != "10.1.2.3:31001" {
		t.Errorf("member = %+v", m)
	}
	raw, err = decodeRaw(encode(t, userRecord{Event: "user", LTime: 9, Name: "deploy", Payload: []byte("v2")}))
	if err != nil {
		t.Fatal(err)
	}
	if u := parseRecord(raw); u.Name != "deploy" || string(u.Payload) != "v2" || u.LTime != 9 {
		t.Errorf("user = %+v", u)
	}
}

// FuzzParseRecord feeds arbitrary msgpack through the codec and parseRecord.
func FuzzParseRecord(f *testing.F) {
	f.Add(encode(f, memberRecord{Event: "member-join", Members: []agentMember{{Name: "a", Addr: net.ParseIP("::1"), Port: 1, Status: "alive",
		Tags: map[string]string{"smart:x": "h:1"}}}}))
	f.Add(encode(f, userRecord{Event: "user", Name: "n", Payload: []byte{0, 1}}))
	f.Add(encode(f, map[string]any{"Event": 5, "Members": []any{1, "x", map[int]int{1: 2}}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		raw, err := decodeRaw(data)
		if err != nil {
			return
		}
		r := parseRecord(raw)
		for _, m := range r.Members {
			_ = r.describe(m)
		}
		_ = r.userMessage()
		_ = Decode(r.Members)
	})
}
