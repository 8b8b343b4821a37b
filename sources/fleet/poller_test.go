package fleet

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopAll()
	os.Exit(code)
}

// waitFleet reads Updates until ok holds, failing after d.
func waitFleet(t *testing.T, p *Poller, d time.Duration, what string, ok func(*Snapshot) bool) *Snapshot {
	t.Helper()
	timeout := time.After(d)
	var last *Snapshot
	for {
		select {
		case s, open := <-p.Updates():
			if !open {
				t.Fatal("Updates closed")
			}
			last = s
			if ok(s) {
				return s
			}
		case <-timeout:
			t.Fatalf("%s: not seen within %v; last snapshot:\n%s", what, d, dump(last))
		}
	}
}

func dump(s *Snapshot) string {
	if s == nil {
		return "(none)"
	}
	var b strings.Builder
	for _, h := range s.Hosts {
		fmt.Fprintf(&b, "  %s %s reachable=%v err=%q polling=%v failures=%d\n", h.Host, h.Endpoint, h.Reachable(), h.Err, !h.Polling.IsZero(), h.Failures)
	}
	return b.String()
}

func row(h *Host, proxy, name string) *haproxy.Row {
	if h == nil || h.Stats == nil {
		return nil
	}
	for i := range h.Stats.Rows {
		if r := &h.Stats.Rows[i]; r.Proxy == proxy && r.Name() == name {
			return r
		}
	}
	return nil
}

func fleetServices() []testenv.HAService {
	return []testenv.HAService{
		{Name: "svc_a", Servers: []testenv.HAServer{{Name: "i1", Addr: "127.0.0.1:1001"}, {Name: "i2", Addr: "127.0.0.1:1002"}}},
		{Name: "svc_b", Servers: []testenv.HAServer{{Name: "j1", Addr: "127.0.0.1:2001"}}},
	}
}

func pageTargets(t *testing.T, f *testenv.Fleet) []Target {
	t.Helper()
	tm, err := ParseTemplate(fmt.Sprintf("http://{host}:%d/;csv", f.StatsPort))
	if err != nil {
		t.Fatal(err)
	}
	var ts []Target
	for _, h := range f.Hosts {
		tg, err := tm.For(h.IP)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tg)
	}
	return ts
}

func allReachable(s *Snapshot) bool {
	return len(s.Hosts) > 0 && s.Reachable() == len(s.Hosts)
}

func TestPollerReadsEveryHostsStatsPageAndADeadHostIsARow(t *testing.T) {
	f := testenv.NewFleet(t, testenv.FleetConfig{Hosts: 6, Services: fleetServices()})
	p := New(Options{Targets: pageTargets(t, f), Refresh: 300 * time.Millisecond})
	p.Start(context.Background())
	defer p.Close()

	s := waitFleet(t, p, 30*time.Second, "every host read", allReachable)
	for _, h := range s.Hosts {
		// The stats page leaves addr empty without `stats show-legends`
		// (the CLI always fills it): the server name carries it.
		if r := row(&h, "svc_a", "i2_127.0.0.1:1002"); r == nil || r.Status() != "no check" {
			t.Fatalf("%s: server i2 not read: %+v", h.Host, r)
		}
		if h.Changed["svc_a"] != h.FirstRead || h.FirstRead.IsZero() {
			t.Errorf("%s: svc_a changed %v, want the first read %v", h.Host, h.Changed["svc_a"], h.FirstRead)
		}
	}

	dead := f.Hosts[2]
	dead.Kill()
	s = waitFleet(t, p, 30*time.Second, "the killed host shown as unreachable, the others read", func(s *Snapshot) bool {
		h := s.Host(dead.IP)
		return h != nil && strings.Contains(h.Err, "connection refused") && h.Stats != nil && s.Reachable() == len(s.Hosts)-1
	})
	if h := s.Host(dead.IP); h.Age(s.At) <= 0 || h.LastGood.After(h.At) {
		t.Errorf("dead host: age %v, last good %v, at %v: its figures should be old", h.Age(s.At), h.LastGood, h.At)
	}

	if err := dead.Reload(dead.Services()); err != nil {
		t.Fatal(err)
	}
	waitFleet(t, p, 30*time.Second, "the host back", allReachable)
}

func TestPollerNotesWhenABackendChangesOnAHost(t *testing.T) {
	f := testenv.NewFleet(t, testenv.FleetConfig{Hosts: 3, Services: fleetServices()})
	p := New(Options{Targets: pageTargets(t, f), Refresh: 200 * time.Millisecond})
	p.Start(context.Background())
	defer p.Close()
	first := waitFleet(t, p, 30*time.Second, "every host read", allReachable)

	// Synapse on host 0 disables a deregistered server over the socket.
	h0 := f.Hosts[0]
	if out := h0.Command("set server svc_a/i1_127.0.0.1:1001 state maint"); strings.TrimSpace(out) != "" {
		t.Fatal(out)
	}
	// Synapse on host 1 reloads with a new server in svc_b.
	h1 := f.Hosts[1]
	svcs := fleetServices()
	svcs[1].Servers = append(svcs[1].Servers, testenv.HAServer{Name: "j2", Addr: "127.0.0.1:2002"})
	if err := h1.Reload(svcs); err != nil {
		t.Fatal(err)
	}
	// An operator drains on host 2: not Synapse, not a change of the set.
	h2 := f.Hosts[2]
	if out := h2.Command("set server svc_a/i2_127.0.0.1:1002 state drain"); strings.TrimSpace(out) != "" {
		t.Fatal(out)
	}

	s := waitFleet(t, p, 30*time.Second, "the changes read", func(s *Snapshot) bool {
		r0 := row(s.Host(h0.IP), "svc_a", "i1_127.0.0.1:1001")
		r1 := row(s.Host(h1.IP), "svc_b", "j2_127.0.0.1:2002")
		r2 := row(s.Host(h2.IP), "svc_a", "i2_127.0.0.1:1002")
		return r0 != nil && r0.Status() == "MAINT" && r1 != nil && r2 != nil && r2.Status() == "DRAIN"
	})
	a0, a1, a2 := s.Host(h0.IP), s.Host(h1.IP), s.Host(h2.IP)
	if !a0.Changed["svc_a"].After(a0.FirstRead) || a0.Changed["svc_b"] != a0.FirstRead {
		t.Errorf("host 0 (MAINT in svc_a): changed %v, first read %v", a0.Changed, a0.FirstRead)
	}
	if !a1.Changed["svc_b"].After(a1.FirstRead) || a1.Changed["svc_a"] != a1.FirstRead {
		t.Errorf("host 1 (reload adding to svc_b): changed %v, first read %v", a1.Changed, a1.FirstRead)
	}
	if a2.Changed["svc_a"] != a2.FirstRead || a2.Changed["svc_b"] != a2.FirstRead {
		t.Errorf("host 2 (only a drain): changed %v, want all at the first read %v", a2.Changed, a2.FirstRead)
	}
	if first.Host(h0.IP).Changed["svc_a"] != first.Host(h0.IP).FirstRead {
		t.Error("a published snapshot's Changed map was modified afterwards")
	}
}

func TestPollerNeverWaitsForASlowHost(t *testing.T) {
	f := testenv.NewFleet(t, testenv.FleetConfig{Hosts: 3, Services: fleetServices()})
	// A host that accepts connections and never answers.
	hole, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hole.Close()
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := hole.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	ts := pageTargets(t, f)
	slow, err := ParseEndpoint("http://" + hole.Addr().String() + "/;csv")
	if err != nil {
		t.Fatal(err)
	}
	slow.Host = "slow.example"
	ts = append(ts, slow)
	p := New(Options{Targets: ts, Refresh: 200 * time.Millisecond, Timeout: 30 * time.Second})
	p.Start(context.Background())
	defer p.Close()

	// Every real host is published, twice, while the slow one's first
	// poll is still running.
	n := 0
	s := waitFleet(t, p, 30*time.Second, "two publications with the slow host still polling", func(s *Snapshot) bool {
		for {
			select {
			case c := <-accepted:
				held = append(held, c)
				continue
			default:
			}
			break
		}
		h := s.Host("slow.example")
		if s.Reachable() == 3 && h != nil && !h.Polling.IsZero() && h.At.IsZero() {
			n++
		}
		return n >= 2
	})
	if h := s.Host("slow.example"); h.Reachable() || h.Err != "" {
		t.Errorf("slow host: %+v", *h)
	}
}

func TestPollerTimesOutAndBacksOff(t *testing.T) {
	hole, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hole.Close()
	var accepts atomic.Int32
	go func() {
		for {
			c, err := hole.Accept()
			if err != nil {
				return
			}
			accepts.Add(1)
			defer c.Close()
		}
	}()
	tg, _ := ParseEndpoint("http://" + hole.Addr().String() + "/;csv")
	p := New(Options{Targets: []Target{tg}, Refresh: 100 * time.Millisecond, Timeout: 150 * time.Millisecond})
	p.Start(context.Background())
	defer p.Close()
	s := waitFleet(t, p, 30*time.Second, "three timeouts", func(s *Snapshot) bool { return s.Hosts[0].Failures >= 3 })
	if h := s.Hosts[0]; !strings.Contains(h.Err, "no answer in time") {
		t.Errorf("error %q, want a timeout in words", h.Err)
	}
	if d := p.backoff(3, 150*time.Millisecond); d != 400*time.Millisecond {
		t.Errorf("backoff after 3 timeouts = %v, want 400ms", d)
	}
	if d := p.backoff(50, 150*time.Millisecond); d != MaxBackoff {
		t.Errorf("backoff after 50 timeouts = %v, want %v", d, MaxBackoff)
	}
	if d := p.backoff(5, time.Millisecond); d != 100*time.Millisecond {
		t.Errorf("backoff after quick failures = %v, want the refresh", d)
	}
}

func TestPollerReadsTCPStatsSocketsAtUserLevelThroughTheDialer(t *testing.T) {
	f := testenv.NewFleet(t, testenv.FleetConfig{Hosts: 2, TCPSocket: true, Services: fleetServices()})
	var ts []Target
	tm, err := ParseTemplate(fmt.Sprintf("tcp://{host}:%d", f.SocketPort))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range f.Hosts {
		tg, err := tm.For(h.IP)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tg)
	}
	var dials atomic.Int32
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	p := New(Options{Targets: ts, Refresh: 200 * time.Millisecond, Dial: dial})
	p.Start(context.Background())
	defer p.Close()
	s := waitFleet(t, p, 30*time.Second, "both sockets read", allReachable)
	if r := row(&s.Hosts[0], "svc_b", "j1_127.0.0.1:2001"); r == nil {
		t.Fatal("server row missing from the socket's show stat")
	}
	waitFleet(t, p, 30*time.Second, "more polls", func(s *Snapshot) bool { return s.At.Sub(s.Hosts[0].FirstRead) > time.Second })
	if n := dials.Load(); n != 2 {
		t.Errorf("%d dials for two hosts polled many times: the session should persist and go through Options.Dial", n)
	}
}

func TestPollerSetTargetsKeepsKnownHosts(t *testing.T) {
	f := testenv.NewFleet(t, testenv.FleetConfig{Hosts: 3, Services: fleetServices()})
	ts := pageTargets(t, f)
	p := New(Options{Targets: ts[:2], Refresh: 200 * time.Millisecond})
	p.Start(context.Background())
	defer p.Close()
	s := waitFleet(t, p, 30*time.Second, "two hosts", allReachable)
	first := s.Host(f.Hosts[1].IP).FirstRead

	p.SetTargets(ts[1:])
	s = waitFleet(t, p, 30*time.Second, "hosts 1 and 2", func(s *Snapshot) bool {
		return len(s.Hosts) == 2 && s.Host(f.Hosts[0].IP) == nil && allReachable(s)
	})
	if got := s.Host(f.Hosts[1].IP).FirstRead; !got.Equal(first) {
		t.Errorf("host kept across SetTargets was read anew: first read %v, was %v", got, first)
	}
}

func TestPollerSaysWhatAnHTTPErrorMeans(t *testing.T) {
	var auth atomic.Value
	auth.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/missing"):
			http.NotFound(w, r)
		case strings.HasPrefix(r.URL.Path, "/login"):
			u, p, ok := r.BasicAuth()
			auth.Store(fmt.Sprintf("%s:%s:%v", u, p, ok))
			if u != "ops" || p != "pw" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			fmt.Fprint(w, "# pxname,svname,status,addr,\nsvc_a,i1_10.0.0.1:1,UP,10.0.0.1:1,\n")
		default:
			fmt.Fprint(w, "<html>not csv</html>")
		}
	}))
	defer srv.Close()
	mk := func(host, path string) Target {
		tg, err := ParseEndpoint(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		tg.Host = host
		return tg
	}
	targets := []Target{mk("a", "/missing;csv"), mk("b", "/login;csv"), mk("c", "/html;csv")}
	p := New(Options{Targets: targets, Refresh: 200 * time.Millisecond})
	p.Start(context.Background())
	s := waitFleet(t, p, 30*time.Second, "three errors", func(s *Snapshot) bool {
		return s.Host("a").Err != "" && s.Host("b").Err != "" && s.Host("c").Err != ""
	})
	p.Close()
	for host, want := range map[string]string{"a": "HTTP 404", "b": "STACKTUI_FLEET_AUTH", "c": "not HAProxy's CSV export"} {
		if got := s.Host(host).Err; !strings.Contains(got, want) {
			t.Errorf("host %s: error %q, want it to say %q", host, got, want)
		}
	}

	p = New(Options{Targets: targets[1:2], Refresh: 200 * time.Millisecond, Auth: "ops:pw"})
	p.Start(context.Background())
	defer p.Close()
	s = waitFleet(t, p, 30*time.Second, "the login accepted", allReachable)
	if r := row(&s.Hosts[0], "svc_a", "i1_10.0.0.1:1"); r == nil || r.Status() != "UP" {
		t.Fatalf("row through basic auth: %+v", r)
	}
	if got := auth.Load(); got != "ops:pw:true" {
		t.Errorf("basic auth sent %v", got)
	}
}
