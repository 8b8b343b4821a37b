package actions

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func FuzzParsePID(f *testing.F) {
	for _, s := range []string{"1234\n", "  42 extra", "", "1", "-5", "abc", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pid, err := parsePID(s, "fuzz")
		if err == nil && pid <= 1 {
			t.Fatalf("parsePID(%q) = %d without error", s, pid)
		}
	})
}

func FuzzParseAudit(f *testing.F) {
	rec := AuditRecord{Time: time.Unix(1763791234, 0).UTC(), Phase: PhaseIntent, ID: "x-1-1", User: "alice", Host: "h",
		Action: KindHAProxy, Title: "Drain 1 server", Scope: ScopeBackend, Targets: []string{"socket main: a/b"}, Commands: []string{"socket main: set server a/b state drain"}}
	line, _ := json.Marshal(rec)
	f.Add(append(line, '\n'), 2)
	f.Add(append(append(line, '\n'), `{"phase":"result","ok":true,"steps":[{"command":"c","exit_code":3}]}`+"\n{torn"...), 0)
	f.Add([]byte("\n\n{}\n"), 1)
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		n %= 100
		recs, err := parseAudit(bytes.NewReader(data), n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 && len(recs) > n {
			t.Fatalf("%d records for n=%d", len(recs), n)
		}
		for _, r := range recs {
			if r.Phase == "" {
				t.Fatal("record without phase kept")
			}
		}
	})
}
