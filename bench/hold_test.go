//go:build bench

package bench

import (
	"os"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
)

// TestHoldHAProxy keeps one HAProxy of SIZES[0] servers (the harness's
// config) running for hand measurements and profiles: it writes the admin
// socket's path to HOLD and stops HAProxy when that file is removed (or
// after an hour). Skipped unless HOLD is set.
func TestHoldHAProxy(t *testing.T) {
	path := os.Getenv("HOLD")
	if path == "" {
		t.Skip("HOLD=file not set: a tool for hand measurements, not a check (CI never sets HOLD)")
	}
	k := readKnobs(t)
	h, err := testenv.StartHAProxy(hapConfig(k.sizes[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	if err := os.WriteFile(path, []byte(h.Socket), 0o644); err != nil {
		t.Fatal(err)
	}
	holdWhile(path)
}

// TestHoldZooKeeper keeps one ZooKeeper holding ZKSIZES[0] registrations
// (the harness's layout, on one session kept open) for hand measurements:
// it writes ZooKeeper's address to HOLDZK and stops when that file is
// removed (or after an hour). Skipped unless HOLDZK is set.
func TestHoldZooKeeper(t *testing.T) {
	path := os.Getenv("HOLDZK")
	if path == "" {
		t.Skip("HOLDZK=file not set: a tool for hand measurements, not a check (CI never sets HOLDZK)")
	}
	k := readKnobs(t)
	z := testenv.ZooKeeper(t)
	c, err := z.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close() // the registrations are ephemeral: they go with the session
	if err := populate(c, k.zkSizes[0]); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(z.Addr), 0o644); err != nil {
		t.Fatal(err)
	}
	holdWhile(path)
}

// holdWhile returns when the file at path is removed, or after an hour.
func holdWhile(path string) {
	for end := time.Now().Add(time.Hour); time.Now().Before(end); time.Sleep(time.Second) {
		if _, err := os.Stat(path); err != nil {
			return
		}
	}
}
