package actions

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// sighupHelperEnv makes the test binary act as a stand-in Nerve: it counts
// the SIGHUPs it receives into the named file.
const sighupHelperEnv = "STACKTUI_ACTIONS_SIGHUP_FILE"

func sighupHelper(file string) {
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, syscall.SIGHUP, syscall.SIGTERM)
	if err := os.WriteFile(file+".ready", []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		os.Exit(2)
	}
	n := 0
	for {
		select {
		case s := <-ch:
			if s == syscall.SIGTERM {
				os.Exit(0)
			}
			n++
			if err := os.WriteFile(file, []byte(fmt.Sprintf("hup %d\n", n)), 0o644); err != nil {
				os.Exit(3)
			}
		case <-time.After(2 * time.Minute): // never outlive a crashed test
			os.Exit(0)
		}
	}
}

// startSighupChild runs the stand-in Nerve and returns its pid, a pid file
// naming it and the file its SIGHUP count appears in.
func startSighupChild(t *testing.T) (pid int, pidFile, hupFile string) {
	t.Helper()
	dir := t.TempDir()
	hupFile = filepath.Join(dir, "hups")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), sighupHelperEnv+"="+hupFile)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	waitUntil(t, 10*time.Second, func() bool {
		_, err := os.Stat(hupFile + ".ready")
		return err == nil
	}, "the SIGHUP helper did not start")
	pidFile = filepath.Join(dir, "nerve.pid")
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid, pidFile, hupFile
}

// waitUntil polls cond for up to d.
func waitUntil(t *testing.T, d time.Duration, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
