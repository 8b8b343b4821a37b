// Package e2e drives the built stacktui binary as a person would: in tmux,
// against real ZooKeeper, HAProxy and Serf started by internal/testenv, and
// through its command line for snapshot, check and watch.
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stacktui/stacktui/internal/testenv"
)

// binary is the stacktui built once for the whole package.
var binary string

func TestMain(m *testing.M) {
	testenv.DefaultSignalsForChildren() // the signal tests send SIGINT and SIGHUP
	dir, err := os.MkdirTemp("", "stacktui-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "stacktui")
	build := exec.Command("go", "build", "-o", binary, "..")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building stacktui: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func needBinary(t testing.TB, name string) { testenv.Need(t, name) }
