package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// ownerFile names the file in each component dir holding the test
// binary's pid, so a later run can remove dirs of binaries that were
// SIGKILLed (their processes die with them through Pdeathsig, their dirs
// do not).
const ownerFile = "testenv-owner.pid"

var sweepOnce sync.Once

// componentDir makes a temp dir "testenv-<kind>-*" owned by this process,
// first sweeping dirs whose owner is dead.
func componentDir(kind string) (string, error) {
	sweepOnce.Do(sweepStaleDirs)
	dir, err := os.MkdirTemp("", "testenv-"+kind+"-")
	if err != nil {
		return "", fmt.Errorf("testenv: temp dir for %s: %w", kind, err)
	}
	if os.Getenv("TESTENV_KEEP") == "1" {
		return dir, nil // no owner: later sweeps leave it for the post-mortem
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("testenv: mark temp dir %s: %w", dir, err)
	}
	return dir, nil
}

// sweepStaleDirs removes testenv dirs whose owner process no longer exists.
func sweepStaleDirs() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "testenv-*"))
	for _, dir := range matches {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue // not ours, or still being set up
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			os.RemoveAll(dir)
		}
	}
}

// removeDir removes a component dir unless TESTENV_KEEP=1 asks to keep the
// logs for a post-mortem.
func removeDir(dir string) {
	if os.Getenv("TESTENV_KEEP") == "1" {
		fmt.Fprintf(os.Stderr, "testenv: keeping %s (TESTENV_KEEP=1)\n", dir)
		return
	}
	os.RemoveAll(dir)
}
