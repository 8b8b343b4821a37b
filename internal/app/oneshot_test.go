package app

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stacktui/stacktui/sources/hapoll"
)

// A one-shot command's poller reads no preview: it waits for the full read.
func TestOneShotReadsNoPreview(t *testing.T) {
	sock := "main=" + filepath.Join(t.TempDir(), "haproxy.sock") // nothing listens: the poller only retries
	for _, oneShot := range []bool{false, true} {
		src, err := Open(context.Background(), Settings{HAProxy: []string{sock}, ReadOnly: true, IgnoreHostFiles: true, OneShot: oneShot})
		if err != nil {
			t.Fatal(err)
		}
		got := src.Poller.Strategy.PreviewServers
		src.Close()
		if want := hapoll.DefaultStrategy.PreviewServers; oneShot && got != 0 || !oneShot && got != want {
			t.Errorf("OneShot=%v: PreviewServers %d", oneShot, got)
		}
	}
}
