package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/internal/testenv"
)

// reaped waits until generation pid of h has exited and been reaped: the
// event a reload waits for. The bound only guards against a hang.
func reaped(t *testing.T, h *hapProc, pid int) {
	t.Helper()
	eventually(t, 60*time.Second, func() (bool, string) {
		return !slices.Contains(h.live(), pid), fmt.Sprintf("generation %d still running (live: %v)", pid, h.live())
	})
}

// TestReloadAfterAFailedStartStopsEveryOldGeneration: a reload whose new
// HAProxy dies at start must not lose track of the generation still
// running. The next reload tells it to stop too, so a poller's persistent
// session on it ends (hard-stop-after) instead of reading stale stats for
// ever — the cause of TestSerfDemo's "persistent session still on old pid".
func TestReloadAfterAFailedStartStopsEveryOldGeneration(t *testing.T) {
	testenv.Need(t, "haproxy")
	bin := findHAProxy("")
	dir := t.TempDir()
	port, err := freeTCPPort()
	if err != nil {
		t.Fatal(err)
	}
	h := &hapProc{bin: bin, cfg: filepath.Join(dir, "haproxy.cfg"), socket: filepath.Join(dir, "haproxy.sock")}
	t.Cleanup(h.stop)
	cfg := renderConfig(hapConfig{Socket: h.socket, Backends: []hapBackend{{Name: "svc_a", Bind: "127.0.0.1:" + strconv.Itoa(port),
		Servers: []hapServer{{Name: "web_127.0.0.1:1", Addr: "127.0.0.1:1", Weight: 50}}}}})
	if err := os.WriteFile(h.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	first, err := h.start()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	poller, err := client.Dial(ctx, client.Options{Address: h.socket, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer poller.Close()
	if info, err := poller.ShowInfo(ctx); err != nil || info.PID != first {
		t.Fatalf("poller on pid %v (%v), want %d", info, err, first)
	}

	// A generation that dies at start (here: a binary that is not HAProxy).
	h.bin = "/bin/false"
	if _, err := h.start(); err == nil {
		t.Fatal("a start of /bin/false succeeded")
	}
	if got := h.pid(); got != first {
		t.Fatalf("after a failed start the running generation is %d, want %d (still running)", got, first)
	}

	h.bin = bin
	second, err := h.start()
	if err != nil {
		t.Fatal(err)
	}
	if second == first {
		t.Fatal("no new generation")
	}
	reaped(t, h, first)
	eventually(t, 10*time.Second, func() (bool, string) {
		info, err := poller.ShowInfo(ctx)
		if err != nil {
			return false, err.Error()
		}
		return info.PID == second, fmt.Sprintf("persistent session on pid %d, want %d", info.PID, second)
	})
}
