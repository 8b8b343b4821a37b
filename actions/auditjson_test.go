package actions

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/termtext"
)

// TestAuditLineIsPrintable: a record quoting hostile names and replies is a
// line a terminal prints without obeying, and reads back unchanged.
func TestAuditLineIsPrintable(t *testing.T) {
	hostile := "web\u009b2J\u202e\x1b]0;t\x07\n"
	rec := AuditRecord{Time: time.Unix(1763791234, 0).UTC(), Phase: PhaseResult, ID: "x-1-1", User: "alice", Host: "h",
		Action: KindHAProxy, Title: "Drain " + hostile, Targets: []string{hostile}, Commands: []string{"set server " + hostile},
		Steps: []Step{{Command: hostile, Output: hostile, Err: hostile}}, Error: hostile}
	line, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if !termtext.IsClean(string(line)) {
		t.Fatalf("audit line is not printable: %q", line)
	}
	path := filepath.Join(t.TempDir(), "audit.log")
	a, err := OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.append(rec); err != nil {
		t.Fatal(err)
	}
	got, err := ReadAudit(path, 0)
	if err != nil || len(got) != 1 {
		t.Fatalf("read back %v, %v", got, err)
	}
	if !reflect.DeepEqual(got[0], rec) {
		t.Fatalf("read back %+v, want %+v", got[0], rec)
	}
}
