package live

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/sources/hapoll"
	"github.com/stacktui/stacktui/sources/zookeeper"
	"github.com/stacktui/stacktui/state"
)

// waitEvent returns the first event, among those seen so far and then the
// frames that follow, that satisfies ok; it collects every event in seen.
func waitEvent(t *testing.T, sub *Subscription, what string, seen *[]state.Event, ok func(state.Event) bool) state.Event {
	t.Helper()
	for _, e := range *seen {
		if ok(e) {
			return e
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for {
		f, more := sub.Next(ctx)
		if !more {
			t.Fatalf("no %s event within 20s; events so far:\n%s", what, texts(*seen))
		}
		for _, e := range f.Events {
			*seen = append(*seen, e)
			if ok(e) {
				return e
			}
		}
	}
}

func texts(evs []state.Event) string {
	var b strings.Builder
	for _, e := range evs {
		b.WriteString("  " + e.At.Format("15:04:05.000") + " " + e.Source + " " + e.Kind + ": " + e.Text + "\n")
	}
	return b.String()
}

// TestPipelineOnRealSources: a real ZooKeeper with Nerve registrations and
// a real HAProxy whose server fails its checks, is reloaded and dies. Each
// change is one event in the pipeline's frames, in time order: the
// registration, the server going DOWN (once, not also from the registry),
// the reload's new pid, the socket lost.
func TestPipelineOnRealSources(t *testing.T) {
	z := testenv.ZooKeeper(t)
	testenv.Need(t, "haproxy")
	b := testenv.Backend(t)
	cfg := testenv.HAProxyConfig{Services: []testenv.HAService{{Name: "svc_a", CheckInter: 100 * time.Millisecond,
		Servers: []testenv.HAServer{{Name: "web1", Addr: b.Addr, Check: true}}}}}
	h := testenv.HAProxy(t, cfg)
	n := z.Nerve(t, "web1")
	n.Register("/nerve/services/svc_a/services", b.Host, b.Port)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	reg, err := zookeeper.Open(ctx, zookeeper.Options{Servers: []string{z.Addr}, Root: "/nerve/services"})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	poller := hapoll.New([]client.Options{{Label: "main", Address: h.Socket, Timeout: 5 * time.Second}}, 100*time.Millisecond)
	poller.Start(ctx)
	defer poller.Close()
	p := New(Options{Registry: reg, HAProxy: poller, Pace: DefaultPace})
	sub := p.Subscribe()
	go p.Run(ctx)
	defer func() { cancel(); <-p.Done() }()

	var seen []state.Event
	waitEvent(t, sub, "ZooKeeper connected", &seen, func(e state.Event) bool { return e.Source == "zookeeper" && e.To == "connected" })
	waitEvent(t, sub, "HAProxy connected", &seen, func(e state.Event) bool { return e.Source == "haproxy" && e.Kind == state.EventConnection })
	server := "web1_" + b.Addr
	b.SetHealthy(false)
	e := waitEvent(t, sub, "DOWN", &seen, func(e state.Event) bool { return e.Kind == state.EventState && strings.HasPrefix(e.To, "DOWN") })
	if e.Instance != server || e.Service != "svc_a" || e.Socket != "main" {
		t.Fatalf("DOWN event %+v", e)
	}
	old := h.Pid()
	if err := h.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	e = waitEvent(t, sub, "reload", &seen, func(e state.Event) bool { return e.Kind == state.EventReload })
	if e.From != strconv.Itoa(old) || e.To != strconv.Itoa(h.Pid()) {
		t.Fatalf("reload %s -> %s, want %d -> %d", e.From, e.To, old, h.Pid())
	}
	h.Kill()
	waitEvent(t, sub, "HAProxy lost", &seen, func(e state.Event) bool { return e.Kind == state.EventConnection && e.To == "unreachable" })
	for i := 1; i < len(seen); i++ {
		if seen[i].At.Before(seen[i-1].At) {
			t.Fatalf("events out of time order:\n%s", texts(seen))
		}
	}
	downs := 0
	for _, e := range seen {
		if e.Instance == server && strings.HasPrefix(e.To, "DOWN") {
			downs++
		}
	}
	if downs != 1 {
		t.Fatalf("%d DOWN events for one failure:\n%s", downs, texts(seen))
	}
}
