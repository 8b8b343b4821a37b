package replay

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/sources/hapoll"
	"github.com/stacktui/stacktui/sources/zookeeper"
	"github.com/stacktui/stacktui/state"
	"github.com/stacktui/stacktui/trace"
)

// eventKey is an event without its time (compared apart, with slack).
func eventKey(e state.Event) string {
	return strings.Join([]string{e.Source, e.Kind, e.Service, e.Instance, e.Socket, e.From, e.To, e.Text}, "|")
}

// viewKey is what a view says of every instance: registration, each
// socket's state, weight and check, the diagnoses' codes.
func viewKey(v *state.View) string {
	var b strings.Builder
	for _, s := range v.Services {
		fmt.Fprintf(&b, "%s %s reg=%d up=%d worst=%s\n", s.Name, s.Backend, s.Summary.Registered, s.Summary.Up, s.Summary.Worst)
		for _, in := range s.Instances {
			reg := "-"
			if in.Registration != nil {
				reg = in.Registration.ID()
			}
			fmt.Fprintf(&b, "  %s %s", in.Server, reg)
			for si, seen := range in.HAProxy {
				if r := seen.Row; r != nil {
					fmt.Fprintf(&b, " %s:%s/w%d/%s", v.SocketLabel(si), r.Status(), r.Weight, r.CheckStatus())
				}
			}
			for _, d := range in.Diagnoses {
				fmt.Fprintf(&b, " %s", d.Code)
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// TestRoundTrip records a live test bed — a real ZooKeeper with Nerve
// registrations and a real HAProxy health-checking real backends — while
// it changes, through the console's own pipeline with the recorder tapped
// in; then replays the recording. The replay's events are the live ones,
// in the same order, at the same instants give or take the join's delay,
// and its final view is the live one.
func TestRoundTrip(t *testing.T) {
	z := testenv.ZooKeeper(t)
	testenv.Need(t, "haproxy")
	a1, a2, b1 := testenv.Backend(t), testenv.Backend(t), testenv.Backend(t)
	cfg := testenv.HAProxyConfig{Services: []testenv.HAService{
		{Name: "svc_a", CheckInter: 100 * time.Millisecond, Servers: []testenv.HAServer{
			{Name: "web1", Addr: a1.Addr, Check: true}, {Name: "web2", Addr: a2.Addr, Check: true}}},
		{Name: "svc_b", CheckInter: 100 * time.Millisecond, Servers: []testenv.HAServer{{Name: "web3", Addr: b1.Addr, Check: true}}},
	}}
	h := testenv.HAProxy(t, cfg)
	n1, n2 := z.Nerve(t, "web1"), z.Nerve(t, "web2")
	n3 := z.Nerve(t, "web3")
	n1.Register("/nerve/services/svc_a/services", a1.Host, a1.Port)
	p2 := n2.Register("/nerve/services/svc_a/services", a2.Host, a2.Port)
	n3.Register("/nerve/services/svc_b/services", b1.Host, b1.Port)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	reg, err := zookeeper.Open(ctx, zookeeper.Options{Servers: []string{z.Addr}, Root: "/nerve/services"})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	poller := hapoll.New([]client.Options{{Label: "main", Address: h.Socket, Timeout: 5 * time.Second}}, 100*time.Millisecond)
	poller.KeepRaw(true)
	poller.Start(ctx)
	defer poller.Close()

	path := filepath.Join(t.TempDir(), "bed.jsonl.gz")
	hdr, err := trace.NewHeader(trace.HeaderConfig{Flavour: trace.FlavourZooKeeper, ZKPath: "/nerve/services", Registry: z.Addr,
		Sockets: map[string]string{"main": h.Socket}, Description: "TestRoundTrip"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := trace.Create(path, hdr)
	if err != nil {
		t.Fatal(err)
	}
	rec := trace.NewRecorder(w, trace.RecorderOptions{ZKPath: "/nerve/services"})
	p := live.New(live.Options{Registry: reg, HAProxy: poller, Pace: live.DefaultPace, Tap: func(in live.Input) {
		switch {
		case in.Registry != nil:
			rec.Registry(*in.Registry)
		case in.HAProxy != nil:
			rec.HAProxy(in.HAProxy)
		case in.Note != "":
			rec.Note(in.At, in.Note)
		}
	}})
	sub := p.Subscribe()
	pctx, stop := context.WithCancel(ctx)
	go p.Run(pctx)

	var events []state.Event
	var last live.Frame
	waitFor := func(what string, ok func(state.Event) bool) {
		t.Helper()
		for _, e := range events {
			if ok(e) {
				return
			}
		}
		deadline, c := context.WithTimeout(ctx, 20*time.Second)
		defer c()
		for {
			f, more := sub.Next(deadline)
			if !more {
				t.Fatalf("live: no %s within 20s; events:\n%s", what, eventTexts(events))
			}
			last = f
			for _, e := range f.Events {
				events = append(events, e)
				if ok(e) {
					return
				}
			}
		}
	}
	server := func(name string, b *testenv.HTTPBackend) string { return name + "_" + b.Addr }
	waitFor("HAProxy read", func(e state.Event) bool { return e.Source == "haproxy" && e.Kind == state.EventConnection })
	waitFor("ZooKeeper read", func(e state.Event) bool { return e.Source == "zookeeper" && e.Kind == state.EventConnection })
	p.Note("test: web2's backend starts failing its checks")
	a2.SetHealthy(false)
	waitFor("web2 DOWN", func(e state.Event) bool { return e.Instance == server("web2", a2) && e.To == "DOWN" })
	p.Note("test: Nerve deregisters web2")
	n2.Deregister(p2)
	waitFor("web2 deregistered", func(e state.Event) bool { return e.Kind == state.EventDeregistered })
	p.Note("test: operator sets web3 to MAINT")
	h.Command("set server svc_b/" + server("web3", b1) + " state maint")
	waitFor("web3 MAINT", func(e state.Event) bool { return e.Instance == server("web3", b1) && e.To == "MAINT" })
	a2.SetHealthy(true)
	p2 = n2.Register("/nerve/services/svc_a/services", a2.Host, a2.Port)
	waitFor("web2 registered", func(e state.Event) bool { return e.Kind == state.EventRegistered })
	waitFor("web2 UP", func(e state.Event) bool { return e.Instance == server("web2", a2) && e.To == "UP" })
	stop()
	<-p.Done()
	for f, ok := sub.TryNext(); ok; f, ok = sub.TryNext() {
		last = f
		events = append(events, f.Events...)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if st := rec.Stats(); st.NoRaw > 0 || st.Lines[trace.KindHAProxy] < 4 || st.Lines[trace.KindNote] != 3 {
		t.Fatalf("recorder: %+v", st)
	}

	t.Logf("%d live events, recorder %+v", len(events), rec.Stats())
	// The replay: the same events in the same order, at the same instants
	// give or take the live pipeline's join (a live change is stamped when
	// it is joined, a replayed one when its line was taken).
	rp, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rp.Close()
	var replayed []state.Event
	if err := rp.Events(func(evs []state.Event) error { replayed = append(replayed, evs...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(replayed) != len(events) {
		t.Fatalf("%d live events, %d replayed:\nlive:\n%s\nreplayed:\n%s", len(events), len(replayed), eventTexts(events), eventTexts(replayed))
	}
	for i := range events {
		if eventKey(events[i]) != eventKey(replayed[i]) {
			t.Fatalf("event %d differs:\nlive:     %s\nreplayed: %s\nlive:\n%s\nreplayed:\n%s", i, eventKey(events[i]), eventKey(replayed[i]),
				eventTexts(events), eventTexts(replayed))
		}
		if d := events[i].At.Sub(replayed[i].At); d < -time.Second || d > time.Second {
			t.Errorf("event %d at %s live, %s replayed: %s", i, events[i].At, replayed[i].At, events[i].Text)
		}
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	end, err := f.Until(At{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := viewKey(end.View), viewKey(last.View); got != want {
		t.Fatalf("final view differs:\nlive:\n%s\nreplayed:\n%s", want, got)
	}
}

func eventTexts(evs []state.Event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "  %s %s %s: %s\n", e.At.Format("15:04:05.000"), e.Source, e.Kind, e.Text)
	}
	return b.String()
}
