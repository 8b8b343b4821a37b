package demo

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy/client"
)

// statRow is the part of a `show stat` row the tests look at.
type statRow struct {
	Status string
	Weight string
}

// showStat reads `show stat` from the demo's socket through haproxy/client
// as "backend/server" -> row, FRONTEND/BACKEND aggregates included.
func showStat(t testing.TB, socket string) map[string]statRow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, client.Options{Address: socket, ReadOnly: true})
	if err != nil {
		t.Fatalf("dialing %s: %v", socket, err)
	}
	defer c.Close()
	st, err := c.ShowStat(ctx)
	if err != nil {
		t.Fatalf("show stat on %s: %v", socket, err)
	}
	out := map[string]statRow{}
	for _, r := range st.Rows {
		out[r.Key()] = statRow{Status: r.Status(), Weight: strconv.Itoa(int(r.Weight))}
	}
	return out
}

// settle bounds a wait for something the demo does by itself (a Nerve tick,
// a tag reaching every member, a reload): it is when a test gives up on a
// loaded 2-core CI machine, not a pause, so it is generous.
const settle = 30 * time.Second

// eventually polls cond every 100ms until it holds or wait passes, then
// fails with cond's last explanation.
func eventually(t testing.TB, wait time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", wait, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startDemo starts a demo for one test and closes it at the end.
func startDemo(t testing.TB, o Options) *Demo {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d, err := Start(ctx, o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// instanceOf finds the running instance of service on node.
func instanceOf(t testing.TB, d *Demo, service string, nth int) *liveInstance {
	t.Helper()
	n := 0
	for _, li := range d.insts {
		if li.Service == service {
			if n == nth {
				return li
			}
			n++
		}
	}
	t.Fatalf("no instance %d of %s", nth, service)
	return nil
}

// assertGone fails when path still exists.
func assertGone(t testing.TB, path string) {
	t.Helper()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("%s still exists (stat: %v)", path, err)
	}
}
