// Package tracetest opens the traces recorded from real SmartStack daemons
// that the repository keeps in testdata/traces, for tests of any package:
//
//	r := tracetest.Open(t, "zk-service-crash")
//
// Each trace <name>.jsonl.gz has a <name>.md beside it saying what was done
// when and what was really true in each phase (see testdata/traces/README.md).
package tracetest

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stacktui/stacktui/trace"
)

// Dir returns the absolute path of testdata/traces at the repository's top,
// found by walking up from the test's working directory to go.mod.
func Dir(tb testing.TB) string {
	tb.Helper()
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "testdata", "traces")
		}
		if filepath.Dir(d) == d {
			tb.Fatalf("tracetest: no go.mod above %s", wd)
		}
	}
}

// Names returns the names of the fixture traces (without .jsonl.gz), sorted.
func Names(tb testing.TB) []string {
	tb.Helper()
	m, err := filepath.Glob(filepath.Join(Dir(tb), "*.jsonl.gz"))
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, p := range m {
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".jsonl.gz"))
	}
	sort.Strings(names)
	if len(names) == 0 {
		tb.Fatalf("tracetest: no traces in %s", Dir(tb))
	}
	return names
}

// Path returns the path of the named trace.
func Path(tb testing.TB, name string) string {
	tb.Helper()
	p := filepath.Join(Dir(tb), name+".jsonl.gz")
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("tracetest: %v", err)
	}
	return p
}

// Open opens the named trace; it is closed when the test ends.
func Open(tb testing.TB, name string) *trace.Reader {
	tb.Helper()
	r, err := trace.Open(Path(tb, name))
	if err != nil {
		tb.Fatalf("tracetest: %v", err)
	}
	tb.Cleanup(func() { r.Close() })
	return r
}

// ReadAll reads the whole named trace, failing the test on any error.
func ReadAll(tb testing.TB, name string) (trace.Header, []trace.Line) {
	tb.Helper()
	r := Open(tb, name)
	var lines []trace.Line
	for {
		l, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r.Header(), lines
		}
		if err != nil {
			tb.Fatalf("tracetest: %s: %v", name, err)
		}
		lines = append(lines, l)
	}
}

// Notes returns the note lines of the named trace, in order.
func Notes(tb testing.TB, name string) []trace.Line {
	tb.Helper()
	_, lines := ReadAll(tb, name)
	var notes []trace.Line
	for _, l := range lines {
		if l.Kind == trace.KindNote {
			notes = append(notes, l)
		}
	}
	return notes
}
