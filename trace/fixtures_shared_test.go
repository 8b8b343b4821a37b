package trace_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stacktui/stacktui/trace/tracetest"
)

// sharedTraces is where the recordings of the real daemons are kept beside
// the repository (../shared/fixtures/traces/ from its top); testdata/traces
// holds our gzipped copies.
const sharedTraces = "../shared/fixtures/traces/"

// TestFixturesAreTheSharedRecordings: every trace and note in the shared
// folder is in testdata, byte for byte once gunzipped, so what the tests
// replay is what the real daemons did. A clean clone without the shared
// folder beside it has only the copies, and this has nothing to compare.
func TestFixturesAreTheSharedRecordings(t *testing.T) {
	dir := tracetest.Dir(t)
	shared := filepath.Join(filepath.Dir(filepath.Dir(dir)), sharedTraces)
	entries, err := os.ReadDir(shared)
	if os.IsNotExist(err) {
		t.Logf("%s is not beside this checkout: only testdata's copies are here", shared)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".jsonl") && !strings.HasSuffix(name, ".md") {
			continue
		}
		want, err := os.ReadFile(filepath.Join(shared, name))
		if err != nil {
			t.Fatal(err)
		}
		got := readCopy(t, filepath.Join(dir, name))
		if !bytes.Equal(got, want) {
			t.Errorf("testdata/traces/%s differs from %s%s (%d bytes, want %d): copy it again", name, sharedTraces, name, len(got), len(want))
		}
		n++
	}
	if n == 0 {
		t.Fatalf("no traces in %s", shared)
	}
}

// readCopy reads testdata's copy of a shared file: a trace is kept gzipped.
func readCopy(t *testing.T, path string) []byte {
	t.Helper()
	if !strings.HasSuffix(path, ".jsonl") {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("missing copy: %v", err)
		}
		return b
	}
	f, err := os.Open(path + ".gz")
	if err != nil {
		t.Fatalf("missing copy: %v", err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
