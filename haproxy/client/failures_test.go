package client

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/internal/testenv"
)

func TestDialErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	_, err := Dial(ctx, Options{Address: filepath.Join(dir, "nope.sock")})
	if !IsKind(err, KindMissingSocket) || !strings.Contains(err.Error(), "stats socket") {
		t.Errorf("missing socket: %v", err)
	}
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	_, err = Dial(ctx, Options{Address: fmt.Sprintf("127.0.0.1:%d", port)})
	if !IsKind(err, KindRefused) {
		t.Errorf("closed port: %v", err)
	}
	// A regular file where the socket should be.
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o600)
	if _, err = Dial(ctx, Options{Address: file}); !IsKind(err, KindRefused) && !IsKind(err, KindNotStatsSocket) {
		t.Errorf("regular file: %v", err)
	}

	// Something that answers like a web server, then hangs up.
	http := listen(t, func(c net.Conn) {
		c.Read(make([]byte, 64))
		c.Write([]byte("HTTP/1.0 400 Bad Request\r\n\r\n"))
	})
	_, err = Dial(ctx, Options{Address: http})
	if !IsKind(err, KindNotStatsSocket) || !strings.Contains(err.Error(), "HTTP/1.0 400") {
		t.Errorf("web server: %v", err)
	}
	// Something that accepts and says nothing.
	silent := listen(t, func(c net.Conn) { time.Sleep(2 * time.Second) })
	start := time.Now()
	_, err = Dial(ctx, Options{Address: silent, Timeout: 300 * time.Millisecond})
	if !IsKind(err, KindNotStatsSocket) || time.Since(start) > 2*time.Second {
		t.Errorf("silent peer: %v after %v", err, time.Since(start))
	}
	// A cancelled context is a timeout, not a wrong peer.
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err = Dial(cctx, Options{Address: silent})
	if !IsKind(err, KindTimeout) {
		t.Errorf("cancelled dial: %v", err)
	}
}

// listen serves each connection with f on a loopback TCP port.
func listen(t *testing.T, f func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); f(c) }()
		}
	}()
	return l.Addr().String()
}

func ownHAProxy(t *testing.T) (*testenv.HAP, testenv.HAProxyConfig) {
	cfg := testenv.HAProxyConfig{Services: []testenv.HAService{{Name: "svc_r",
		Servers: []testenv.HAServer{{Name: "a", Addr: "127.0.0.1:9101"}}}}}
	return testenv.HAProxy(t, cfg), cfg
}

// TestReconnectAcrossReload: the old process drops our session after a
// reload; the next requests must succeed on the new process without the
// caller seeing an error.
func TestReconnectAcrossReload(t *testing.T) {
	testenv.Need(t, "haproxy")
	h, cfg := ownHAProxy(t)
	ctx := context.Background()
	c, err := Dial(ctx, Options{Address: h.Socket, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	old := h.Pid()
	if info, err := c.ShowInfo(ctx); err != nil || info.PID != old {
		t.Fatalf("before reload: %+v, %v", info, err)
	}
	cfg.Services[0].Servers = append(cfg.Services[0].Servers, testenv.HAServer{Name: "b", Addr: "127.0.0.1:9102"})
	if err := h.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	if h.Pid() == old {
		t.Fatal("reload kept the pid")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := c.ShowInfo(ctx)
		if err != nil {
			t.Fatalf("show info across the reload surfaced an error: %v", err)
		}
		if info.PID == h.Pid() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still talking to pid %d after the reload to %d", info.PID, h.Pid())
		}
		time.Sleep(100 * time.Millisecond)
	}
	st, err := c.ShowStat(ctx)
	if err != nil || len(st.Rows) != 4 { // frontend, 2 servers, backend
		t.Fatalf("after reload: %v rows, %v", st, err)
	}
}

// TestSocketGoneAndBack: HAProxy dies (socket stale, then removed), then a
// new HAProxy's socket appears at the same path; the same Conn works again.
// The path is a symlink so that the second HAProxy (its own temp dir) can
// take it over, as a restarted HAProxy recreates its socket file.
func TestSocketGoneAndBack(t *testing.T) {
	testenv.Need(t, "haproxy")
	h1, cfg := ownHAProxy(t)
	path := filepath.Join(t.TempDir(), "haproxy.sock")
	if err := os.Symlink(h1.Socket, path); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := Dial(ctx, Options{Address: path, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h1.Kill()
	eventually(t, 30*time.Second, func() error {
		if _, err := c.ShowInfo(ctx); !IsKind(err, KindRefused) {
			return fmt.Errorf("after kill: %v, want refused", err)
		}
		return nil
	})
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ShowInfo(ctx); !IsKind(err, KindMissingSocket) {
		t.Fatalf("socket removed: %v", err)
	}
	h2 := testenv.HAProxy(t, cfg)
	if err := os.Symlink(h2.Socket, path); err != nil {
		t.Fatal(err)
	}
	info, err := c.ShowInfo(ctx)
	if err != nil || info.PID != h2.Pid() {
		t.Fatalf("socket back: %+v, %v", info, err)
	}
}

func TestContextCancelUnblocks(t *testing.T) {
	silent := listen(t, func(c net.Conn) {
		b := make([]byte, 64)
		n, _ := c.Read(b) // "prompt"
		if n > 0 {
			c.Write([]byte("\n> "))
		}
		time.Sleep(3 * time.Second) // then never answers
	})
	c, err := Dial(context.Background(), Options{Address: silent, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err = c.ShowInfo(ctx)
	if !IsKind(err, KindTimeout) || time.Since(start) > 2*time.Second {
		t.Fatalf("cancel: %v after %v", err, time.Since(start))
	}
}

// TestServersStateEachNotHandedTwice: a `show servers state` reply cut off
// after some servers were handed over is read again on a new connection,
// as any request is; ShowServersStateEach must then fail rather than hand
// those servers over a second time. HAProxy cannot be made to cut a reply
// off midway, so a socket speaking its protocol does.
func TestServersStateEachNotHandedTwice(t *testing.T) {
	var reply strings.Builder
	reply.WriteString("1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state\n")
	const servers = 20000 // well over one batch (sinkBatch)
	for i := range servers {
		fmt.Fprintf(&reply, "3 be %d s%05d 10.0.%d.%d 2 0\n", i+1, i, i/250, i%250)
	}
	var conns atomic.Int32
	addr := listen(t, func(c net.Conn) {
		cut := conns.Add(1) == 1
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			switch strings.TrimSpace(line) {
			case "prompt":
				io.WriteString(c, "\n> ")
			case "show servers state":
				if cut {
					io.WriteString(c, reply.String()[:reply.Len()*2/3])
					return // the deferred Close cuts it off
				}
				io.WriteString(c, reply.String()+"\n> ")
			default:
				io.WriteString(c, "Unknown command\n\n> ")
			}
		}
	})
	ctx := context.Background()
	c, err := Dial(ctx, Options{Address: addr, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	seen := map[string]int{}
	each := func(part []haproxy.ServerState) {
		for i := range part {
			seen[part[i].Server]++
		}
	}
	if _, err := c.ShowServersStateEach(ctx, "", each); !IsKind(err, KindClosed) {
		t.Fatalf("a reply cut off and read again: %v, want a closed connection", err)
	}
	if len(seen) == 0 {
		t.Fatal("no server was handed over before the cut: the test does not test the retry")
	}
	for name, n := range seen {
		if n != 1 {
			t.Fatalf("server %s handed over %d times", name, n)
		}
	}
	// The session read the second reply to its end: it is in step.
	clear(seen)
	n, err := c.ShowServersStateEach(ctx, "", each)
	if err != nil || n != servers || len(seen) != servers {
		t.Fatalf("the next read: %d servers (%d seen), %v; want %d", n, len(seen), err, servers)
	}
}
