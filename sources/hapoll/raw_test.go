package hapoll

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/internal/testenv"
)

// Raw replies are kept only when asked; turning it on forces a full read
// (the base), and partial polls carry every backend re-read since it.
func TestKeepRaw(t *testing.T) {
	testenv.Need(t, "haproxy")
	h, _ := hapWith(t, 3, 3)
	p := New([]client.Options{{Label: "lb", Address: h.Socket}}, time.Hour)
	p.Strategy = Strategy{FullEvery: 1000, SmallRows: 0, MaxPartial: 8}
	p.Start(context.Background())
	defer p.Close()
	first := waitSnap(t, p.Updates(), "lb", 5*time.Second, func(s haproxy.Snapshot) bool { return s.Stats != nil })
	if first.Raw != nil {
		t.Fatal("raw replies kept without a recorder")
	}
	next := func(after time.Time) haproxy.Snapshot {
		p.Refresh()
		return waitSnap(t, p.Updates(), "lb", 5*time.Second, func(s haproxy.Snapshot) bool { return s.At.After(after) })
	}
	p.KeepRaw(true)
	full := next(first.At)
	if c := p.Counters(0); c.Full != 2 || full.Raw == nil || full.Raw.Poll != haproxy.PollFull || full.Raw.StatSeq != 1 ||
		!strings.HasPrefix(full.Raw.Stat, "# pxname,svname,") || !strings.Contains(full.Raw.Info, "Pid: ") {
		t.Fatalf("first poll with raw replies: counters %+v raw %+v", c, full.Raw)
	}
	if st, err := haproxy.ParseStat([]byte(full.Raw.Stat)); err != nil || len(st.Rows) != len(full.Stats.Rows) {
		t.Fatalf("raw show stat does not give the snapshot's rows: %v", err)
	}
	for i, srv := range []string{"svc_1/h2_127.0.0.1:20102", "svc_2/h0_127.0.0.1:20200"} {
		h.Command("set server " + srv + " state drain")
		s := next(full.At)
		full = s
		if s.Raw.Poll != haproxy.PollPartial || s.Raw.Stat == "" || s.Raw.StatSeq != 1 || len(s.Raw.MergeServers) != i+1 ||
			!strings.Contains(s.Raw.MergeProxies, "BACKEND") {
			t.Fatalf("partial poll %d: %+v", i, s.Raw)
		}
	}
	for iid, rep := range full.Raw.MergeServers {
		if !strings.Contains(rep, "DRAIN") || !strings.HasPrefix(rep, "# pxname,") {
			t.Fatalf("merged reply of backend %d: %q", iid, rep)
		}
	}
	p.KeepRaw(false)
	if s := next(full.At); s.Raw != nil {
		t.Fatal("raw replies still kept")
	}
}
