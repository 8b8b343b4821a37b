package live

import (
	"fmt"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// bigInput is 500 backends x 100 servers (50,000) in HAProxy and 10,000
// registrations (20 a service), as the ui benchmarks use.
func bigInput() (*sources.Snapshot, *haproxy.Snapshot) {
	reg := &sources.Snapshot{Kind: sources.KindZooKeeper, Address: "zk:2181", State: sources.StateConnected,
		Synced: true, At: t0, LastGood: t0}
	st := &haproxy.Stats{}
	for b := range 500 {
		svc := fmt.Sprintf("service_%04d", b)
		rs := sources.Service{Name: svc, Path: "/nerve/services/" + svc + "/services"}
		st.Rows = append(st.Rows, haproxy.Row{Proxy: svc, Name: "FRONTEND", Type: haproxy.TypeFrontend, Status: "OPEN"})
		for s := range 100 {
			host := fmt.Sprintf("10.%d.%d.%d", b/256, b%256, s)
			name := fmt.Sprintf("i-%04d-%03d", b, s)
			status := "UP"
			if s%17 == 0 {
				status = "DOWN"
			}
			st.Rows = append(st.Rows, haproxy.Row{Proxy: svc, Name: name + "_" + host + ":8080", Type: haproxy.TypeServer,
				Status: status, Weight: 1, CheckStatus: "L7OK", Addr: host + ":8080"}.With(haproxy.ColSCur, int64(s)).With(haproxy.ColReqRate, int64(s*2)))
			if s < 20 {
				p := fmt.Sprintf("%s/%s_%010d", rs.Path, name, s)
				rs.Registrations = append(rs.Registrations, sources.Registration{Service: svc, Name: name, Host: host,
					Port: 8080, Path: p, Node: name, Seq: int64(s), Ctime: t0.Add(-time.Hour)})
			}
		}
		st.Rows = append(st.Rows, haproxy.Row{Proxy: svc, Name: "BACKEND", Type: haproxy.TypeBackend, Status: "UP"})
		reg.Services = append(reg.Services, rs)
	}
	return reg, &haproxy.Snapshot{Label: "local", Address: "/run/haproxy.sock", At: t0, LastGood: t0,
		Info: &haproxy.Info{Version: "2.6.12", PID: 1}, Stats: st}
}

// BenchmarkStep50k is the pipeline's work for a new 50,000-server read
// with 10,000 registrations: apply, join, events, frame and history.
func BenchmarkStep50k(b *testing.B) {
	reg, hap := bigInput()
	e := NewEngine(EngineOptions{Registry: reg, HAProxy: []*haproxy.Snapshot{hap}})
	e.Join(t0)
	e.Frame(t0)
	e.Observe()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s := *hap
		s.At = t0.Add(time.Duration(i+1) * time.Second)
		s.Stats = &haproxy.Stats{Rows: hap.Stats.Rows} // a new read of the same rows
		e.Apply(Input{HAProxy: &s})
		f, _ := e.Step(s.At, true)
		if f.Changed&ChangeView == 0 {
			b.Fatal("not joined")
		}
		e.Observe()
	}
}

// BenchmarkLightPoll50k is a light poll of 50,000 servers: the proxy rows
// and four watched backends re-read, traffic redone without a join.
func BenchmarkLightPoll50k(b *testing.B) {
	reg, hap := bigInput()
	e := NewEngine(EngineOptions{Registry: reg, HAProxy: []*haproxy.Snapshot{hap}})
	e.Join(t0)
	e.Frame(t0)
	var aggs, watched []haproxy.Row
	for _, r := range hap.Stats.Rows {
		switch {
		case !r.IsServer():
			aggs = append(aggs, r)
		case r.Proxy <= "service_0003":
			r.Set(haproxy.ColSCur, r.SCur()+1)
			watched = append(watched, r)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s := *hap
		s.At = t0.Add(time.Duration(i+1) * time.Second)
		s.Aggregates, s.Watched = aggs, watched
		e.Apply(Input{HAProxy: &s})
		f, _ := e.Step(s.At, true)
		if f.Changed&ChangeView != 0 {
			b.Fatal("a light poll joined")
		}
	}
}
