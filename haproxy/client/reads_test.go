package client

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/internal/testenv"
)

func TestReads(t *testing.T) {
	c := dialShared(t, false)
	ctx := context.Background()
	info, err := c.ShowInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "HAProxy" || info.PID != shared.Pid() || !strings.HasPrefix(info.Version, "2.") {
		t.Errorf("info: name %q pid %d (want %d) version %q", info.Name, info.PID, shared.Pid(), info.Version)
	}
	st, err := c.ShowStat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[haproxy.RowType]int{}
	for _, r := range st.Rows {
		kinds[r.Type]++
	}
	if kinds[haproxy.TypeFrontend] < 1 || kinds[haproxy.TypeBackend] < 1 || kinds[haproxy.TypeServer] != 6 {
		t.Errorf("row kinds %v", kinds)
	}
	rows := map[string]haproxy.Row{}
	for _, r := range st.Rows {
		rows[r.Key()] = r
	}
	if r := rows[be+"/"+sMaint]; r.Status() != "MAINT" {
		t.Errorf("disabled server status %q", r.Status())
	}
	if r := rows[be+"/"+sBackup]; r.Bck() != 1 {
		t.Errorf("backup server bck %d", r.Bck())
	}
	if r := rows[be+"/"+sPlain]; r.Addr() != "127.0.0.1:9001" || r.UWeight != 10 {
		t.Errorf("plain server %+v", r)
	}
	srv, err := c.ShowStatServers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.Rows) != 6 {
		t.Errorf("ShowStatServers: %d rows", len(srv.Rows))
	}
	agg, err := c.ShowStatFilter(ctx, -1, StatFrontends|StatBackends)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range agg.Rows {
		if r.IsServer() {
			t.Errorf("aggregate query returned server %s", r.Key())
		}
	}
	ss, err := c.ShowServersState(ctx, be)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 6 || ss[0].Backend != be {
		t.Errorf("servers state: %d %+v", len(ss), ss)
	}
	all, err := c.ShowServersState(ctx, "")
	if err != nil || len(all) != 6 {
		t.Errorf("all servers state: %d, %v", len(all), err)
	}
	lvl, err := c.Level(ctx)
	if err != nil || lvl != haproxy.LevelAdmin {
		t.Errorf("level %q, %v", lvl, err)
	}
	_, err = c.ShowServersState(ctx, "no_such_backend")
	if !IsKind(err, KindRejected) || !strings.Contains(err.(*Error).Reply, "Can't find backend") {
		t.Errorf("missing backend: %v", err)
	}
	if _, err := c.ShowServersState(ctx, "a;show info"); err == nil {
		t.Error("invalid backend name accepted")
	}
	// The session is still usable after a rejected command.
	if _, err := c.ShowInfo(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestTCPSocket(t *testing.T) {
	dialShared(t, false) // skips without haproxy
	label, addr, err := ParseAddress("remote=ipv4@" + shared.TCPAddr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Dial(context.Background(), Options{Label: label, Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Label() != "remote" || c.Address() != shared.TCPAddr {
		t.Errorf("label %q address %q", c.Label(), c.Address())
	}
	info, err := c.ShowInfo(context.Background())
	if err != nil || info.PID != shared.Pid() {
		t.Fatalf("show info over TCP: %+v, %v", info, err)
	}
}

// TestConcurrentRequests checks that requests on one Conn are serialized:
// each reply goes to its own caller.
func TestConcurrentRequests(t *testing.T) {
	c := dialShared(t, false)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				info, err := c.ShowInfo(context.Background())
				if err == nil && info.Name != "HAProxy" {
					err = &Error{Op: "show info", Reply: info.Name}
				}
				errs <- err
				return
			}
			st, err := c.ShowStat(context.Background())
			if err == nil && len(st.Rows) < 6 {
				err = &Error{Op: "show stat", Reply: "short"}
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// A reply of many socket reads is parsed while it arrives (StatStream on
// its own goroutine): it must equal ParseStat of the same reply read whole,
// and leave the session in step for the next request.
func TestShowStatStreamsLargeReply(t *testing.T) {
	h, c := bigHAProxy(t, 30)
	ctx := context.Background()
	want, err := haproxy.ParseStat(readWhole(t, h.Socket, "show stat"))
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 { // the second read is sized from the first
		got, err := c.ShowStat(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Rows) != len(want.Rows) || len(got.Rows) != 30*102 {
			t.Fatalf("round %d: %d rows, want %d", round, len(got.Rows), len(want.Rows))
		}
		for i := range want.Rows {
			w, g := &want.Rows[i], &got.Rows[i]
			// Counters such as lastchg move between the two reads: compare
			// what identifies a row and its state.
			if g.Key() != w.Key() || g.Type != w.Type || g.IID != w.IID || g.SID != w.SID ||
				g.Status() != w.Status() || g.Addr() != w.Addr() || g.Weight != w.Weight {
				t.Fatalf("round %d row %d: got %s %v %q %q, want %s %v %q %q", round, i,
					g.Key(), g.Type, g.Status(), g.Addr(), w.Key(), w.Type, w.Status(), w.Addr())
			}
		}
		if info, err := c.ShowInfo(ctx); err != nil || info.Name != "HAProxy" {
			t.Fatalf("round %d: show info after show stat: %v, %+v", round, err, info)
		}
	}
}

// bigHAProxy runs a HAProxy of backends backends of 100 servers each and
// opens a session on it.
func bigHAProxy(t *testing.T, backends int) (*testenv.HAP, *Conn) {
	testenv.Need(t, "haproxy")
	var svcs []testenv.HAService
	for b := range backends {
		s := testenv.HAService{Name: fmt.Sprintf("big_%d", b)}
		for i := range 100 {
			s.Servers = append(s.Servers, testenv.HAServer{Name: fmt.Sprintf("web%d", i), Addr: fmt.Sprintf("10.1.%d.%d:8080", b, i)})
		}
		svcs = append(svcs, s)
	}
	h := testenv.HAProxy(t, testenv.HAProxyConfig{Services: svcs})
	c, err := Dial(context.Background(), Options{Address: h.Socket, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return h, c
}

// readWhole sends cmd on a connection of its own, not interactive, and
// reads the reply to its end; it fails the test for a reply too small to
// arrive in many reads.
func readWhole(t *testing.T, sock, cmd string) []byte {
	t.Helper()
	nc, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write([]byte(cmd + "\n")); err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(nc) // non-interactive: HAProxy closes after the reply
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) < 512<<10 {
		t.Fatalf("%s: reply of %d bytes: too small to arrive in many reads", cmd, len(raw))
	}
	return raw
}

// `show servers state` is parsed while it arrives too: the servers equal a
// parse of the reply read whole, the raw hook still gets the whole reply,
// and the session is in step for the next request.
func TestShowServersStateStreamsLargeReply(t *testing.T) {
	h, c := bigHAProxy(t, 60)
	var hooked string
	c.SetRawHook(func(cmd, reply string) {
		if cmd == "show servers state" {
			hooked = reply
		}
	})
	ctx := context.Background()
	want, err := haproxy.ParseServersState(readWhole(t, h.Socket, "show servers state"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.ShowServersState(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(got) != 60*100 {
		t.Fatalf("%d servers, want %d", len(got), len(want))
	}
	for i := range want {
		w, g := &want[i], &got[i]
		// The time since the last change moves between the two reads.
		if g.Backend != w.Backend || g.Server != w.Server || g.ServerID != w.ServerID || g.Addr != w.Addr ||
			g.OpState != w.OpState || g.AdminState != w.AdminState || g.UWeight != w.UWeight || g.Port != w.Port {
			t.Fatalf("server %d: got %+v, want %+v", i, *g, *w)
		}
	}
	// Handed over a piece at a time, while read: the same servers.
	var handed []haproxy.ServerState
	pieces := 0
	n, err := c.ShowServersStateEach(ctx, "", func(part []haproxy.ServerState) {
		pieces++
		handed = append(handed, part...)
	})
	if err != nil || n != len(got) || len(handed) != n || pieces < 2 {
		t.Fatalf("ShowServersStateEach: %d servers, %d handed in %d pieces, %v; want %d in several", n, len(handed), pieces, err, len(got))
	}
	for i := range handed {
		if h, g := &handed[i], &got[i]; h.Backend != g.Backend || h.Server != g.Server || h.Addr != g.Addr || h.AdminState != g.AdminState {
			t.Fatalf("handed server %d is %+v, want %+v", i, *h, *g)
		}
	}
	hs, err := haproxy.ParseServersState([]byte(hooked))
	if err != nil || len(hs) != len(got) {
		t.Fatalf("the raw hook's reply: %d servers, %v", len(hs), err)
	}
	for i := range hs {
		if hs[i].Backend != got[i].Backend || hs[i].Server != got[i].Server {
			t.Fatalf("the raw hook's server %d is %s/%s, not %s/%s", i, hs[i].Backend, hs[i].Server, got[i].Backend, got[i].Server)
		}
	}
	if info, err := c.ShowInfo(ctx); err != nil || info.Name != "HAProxy" {
		t.Fatalf("show info after show servers state: %v, %+v", err, info)
	}
}
