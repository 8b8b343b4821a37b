package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

func TestSweepRemovesDirsOfDeadOwnersOnly(t *testing.T) {
	dead := exec.Command("true")
	Need(t, "true")
	if err := dead.Run(); err != nil {
		t.Fatalf("running true: %v", err)
	}
	mk := func(pid int) string {
		dir, err := os.MkdirTemp("", "testenv-sweeptest-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(pid)), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	stale := mk(dead.Process.Pid)
	alive := mk(os.Getppid())
	sweepStaleDirs()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("dir of dead pid %d kept", dead.Process.Pid)
	}
	if _, err := os.Stat(alive); err != nil {
		t.Errorf("dir of live pid removed: %v", err)
	}
}
