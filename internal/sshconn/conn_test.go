package sshconn

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/stacktui/stacktui/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopAll()
	os.Exit(code)
}

// files reads only the test server's client config.
func files(s *testenv.SSHD) Files {
	return Files{UserConfig: s.ClientConfig, SystemConfig: "none"}
}

func dial(t *testing.T, o Options) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// echoServer answers every line with itself, on network ("tcp" or "unix").
func echoServer(t *testing.T, network, addr string) net.Listener {
	t.Helper()
	l, err := net.Listen(network, addr)
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
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	return l
}

func roundTrip(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, msg+"\n"); err != nil {
		t.Fatal(err)
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || got != msg+"\n" {
		t.Fatalf("echo %q: %q %v", msg, got, err)
	}
}

func TestOneConnectionCarriesTCPUnixFilesAndCommands(t *testing.T) {
	s := testenv.SSHDWith(t)
	c := dial(t, Options{Target: s.Alias, Files: files(s)})
	if c.Host() != s.User+"@"+s.Alias+" ("+s.Addr+")" || !c.State().Up {
		t.Fatalf("host %q state %+v", c.Host(), c.State())
	}
	ctx := context.Background()

	tcp := echoServer(t, "tcp", "127.0.0.1:0")
	fc, err := c.DialContext(ctx, "tcp", tcp.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer fc.Close()
	roundTrip(t, fc, "over direct-tcpip")
	// Deadlines work through the tunnel, and a passed one closes nothing.
	_ = fc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	var ne net.Error
	if _, err := fc.Read(make([]byte, 1)); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read past a deadline: %v, want a timeout", err)
	}
	roundTrip(t, fc, "still open after a timeout")

	sock := filepath.Join(s.Dir, "echo.sock")
	echoServer(t, "unix", sock)
	uc, err := c.DialContext(ctx, "unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	roundTrip(t, uc, "over direct-streamlocal")
	if _, err := c.DialContext(ctx, "unix", filepath.Join(s.Dir, "nobody.sock")); err == nil {
		t.Error("forwarding to a missing socket succeeded")
	}

	local, err := c.Forward(tcp.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	lc, err := net.Dial("tcp", local)
	if err != nil {
		t.Fatal(err)
	}
	defer lc.Close()
	roundTrip(t, lc, "through a local forward")

	// Files over SFTP.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "synapse.conf.json"), []byte(`{"services":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := c.ReadFile(filepath.Join(dir, "synapse.conf.json")); err != nil || string(b) != `{"services":{}}` {
		t.Fatalf("ReadFile: %q %v", b, err)
	}
	if _, err := c.Stat(filepath.Join(dir, "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Stat of a missing file: %v, want os.ErrNotExist", err)
	}
	spool := filepath.Join(dir, "svc_a")
	if err := c.WriteFile(spool, []byte(`{"reason":"x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ents, err := c.ReadDir(dir)
	if err != nil || len(ents) != 2 {
		t.Fatalf("ReadDir: %v %v", ents, err)
	}
	if err := c.Remove(spool); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(spool); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("remote Remove left %s", spool)
	}

	// Commands, with arguments that would be a second command unquoted.
	out, _, err := c.Run(ctx, Quote("printf", "%s|", "a'b; echo pwned", "$(id)"), nil)
	if err != nil || string(out) != "a'b; echo pwned|$(id)|" {
		t.Fatalf("Run: %q %v", out, err)
	}
	_, _, err = c.Run(ctx, "echo oops >&2; exit 3", nil)
	if err == nil || !strings.Contains(err.Error(), "exited with status 3: oops") {
		t.Errorf("failing command: %v", err)
	}

	if n := s.Connections(); n != 1 {
		t.Errorf("sshd has %d client connections, want everything on one", n)
	}
}

func TestAgentKeysAuthenticate(t *testing.T) {
	s := testenv.SSHDWith(t)
	kr := agent.NewKeyring()
	raw, err := os.ReadFile(s.IdentityFile)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.ParseRawPrivateKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := kr.Add(agent.AddedKey{PrivateKey: key}); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); agent.ServeAgent(kr, c) }()
		}
	}()
	cfg := filepath.Join(t.TempDir(), "config")
	writeFile(t, cfg, "Host agented\n\tHostName 127.0.0.1\n\tPort "+portOf(s.Addr)+"\n\tUser "+s.User+
		"\n\tIdentityFile /nonexistent/key\n\tIdentityAgent "+sock+"\n\tUserKnownHostsFile "+s.KnownHosts+"\n")
	c := dial(t, Options{Target: "agented", Files: Files{UserConfig: cfg, SystemConfig: "none"}})
	if !c.State().Up {
		t.Fatal("not up")
	}

	// Without the agent and the key file, the refusal says what was offered.
	writeFile(t, cfg, "Host agented\n\tHostName 127.0.0.1\n\tPort "+portOf(s.Addr)+"\n\tUser "+s.User+
		"\n\tIdentityFile /nonexistent/key\n\tIdentityAgent none\n\tUserKnownHostsFile "+s.KnownHosts+"\n")
	_, err = Dial(context.Background(), Options{Target: "agented", Files: Files{UserConfig: cfg, SystemConfig: "none"}})
	if err == nil || !strings.Contains(err.Error(), "refused every key (0 key(s) offered, no ssh-agent") {
		t.Errorf("no keys: %v", err)
	}
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

func TestAHostKeyThatDoesNotMatchIsRefused(t *testing.T) {
	s := testenv.SSHDWith(t)
	other, err := testenv.NewSSHKey()
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := s.WriteKnownHosts("known_hosts_wrong", other.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(wrong)
	_, err = Dial(context.Background(), Options{Target: s.Alias, Files: files(s), KnownHosts: []string{wrong}})
	var hk *HostKeyError
	if !errors.As(err, &hk) || !hk.Changed {
		t.Fatalf("wrong host key: %v, want a refusal of a changed key", err)
	}
	for _, want := range []string{"REFUSED", "does not match known_hosts", wrong + ":1 has a ssh-ed25519 key", "SHA256:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q lacks %q", err, want)
		}
	}
	if after, _ := os.ReadFile(wrong); string(after) != string(before) {
		t.Error("known_hosts was changed")
	}
	if log, _ := os.ReadFile(s.LogPath()); strings.Contains(string(log), "Accepted publickey") {
		t.Error("the client authenticated to a host whose key it refused")
	}

	empty := filepath.Join(t.TempDir(), "known_hosts")
	writeFile(t, empty, "# nothing known\n")
	_, err = Dial(context.Background(), Options{Target: s.Alias, Files: files(s), KnownHosts: []string{empty}})
	if !errors.As(err, &hk) || hk.Changed || !strings.Contains(err.Error(), "never trusts a key on first use") {
		t.Fatalf("unknown host: %v, want a refusal of an unknown host", err)
	}
	_, err = Dial(context.Background(), Options{Target: s.Alias, Files: files(s), KnownHosts: []string{filepath.Join(t.TempDir(), "none")}})
	if !errors.As(err, &hk) {
		t.Fatalf("no known_hosts file at all: %v", err)
	}
}

// waitState waits on Changes until ok holds.
func waitState(t *testing.T, c *Conn, what string, ok func(State) bool) State {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		if st := c.State(); ok(st) {
			return st
		}
		select {
		case <-c.Changes():
		case <-deadline:
			t.Fatalf("%s: not within 60s; state %+v", what, c.State())
		}
	}
}

func TestADroppedConnectionFailsEveryDialWithItsAgeAndRecovers(t *testing.T) {
	s := testenv.SSHDWith(t)
	c := dial(t, Options{Target: s.Alias, Files: files(s)})
	tcp := echoServer(t, "tcp", "127.0.0.1:0")
	local, err := c.Forward(tcp.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fc, err := c.DialContext(context.Background(), "tcp", tcp.Addr().String())
	if err != nil {
		t.Fatal(err)
	}

	s.Kill()
	st := waitState(t, c, "down", func(st State) bool { return !st.Up })
	if st.Err == "" || st.Since.IsZero() {
		t.Errorf("down state %+v", st)
	}
	if _, err := fc.Read(make([]byte, 1)); err == nil {
		t.Error("a forwarded connection survived the drop")
	}
	_, err = c.DialContext(context.Background(), "tcp", tcp.Addr().String())
	var de *DownError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "is down since") {
		t.Fatalf("dial while down: %v", err)
	}
	lc, err := net.Dial("tcp", local)
	if err == nil {
		_ = lc.SetReadDeadline(time.Now().Add(30 * time.Second))
		if _, err := lc.Read(make([]byte, 1)); err == nil {
			t.Error("the local forward answered while SSH is down")
		}
		lc.Close()
	}
	waitState(t, c, "reconnect attempts counted", func(st State) bool { return st.Attempts > 0 })

	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	waitState(t, c, "up again", func(st State) bool { return st.Up })
	fc, err = c.DialContext(context.Background(), "tcp", tcp.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, fc, "after the reconnect")
	lc, err = net.Dial("tcp", local)
	if err != nil {
		t.Fatal(err)
	}
	defer lc.Close()
	roundTrip(t, lc, "the local forward after the reconnect")
}

// freezer is a TCP proxy that can stop passing bytes without closing
// anything, as a dead network does.
type freezer struct {
	l      net.Listener
	mu     sync.Mutex
	frozen bool
	conns  []net.Conn
}

func newFreezer(t *testing.T, target string) *freezer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{l: l}
	t.Cleanup(func() {
		l.Close()
		f.mu.Lock()
		for _, c := range f.conns {
			c.Close()
		}
		f.mu.Unlock()
	})
	go func() {
		for {
			a, err := l.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", target)
			if err != nil {
				a.Close()
				continue
			}
			f.mu.Lock()
			f.conns = append(f.conns, a, b)
			f.mu.Unlock()
			go f.pump(a, b)
			go f.pump(b, a)
		}
	}()
	return f
}

func (f *freezer) pump(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		for {
			f.mu.Lock()
			fr := f.frozen
			f.mu.Unlock()
			if !fr {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if n > 0 {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			dst.Close()
			return
		}
	}
}

func (f *freezer) freeze() { f.mu.Lock(); f.frozen = true; f.mu.Unlock() }

func TestASilentNetworkIsDetectedByKeepalives(t *testing.T) {
	s := testenv.SSHDWith(t)
	fz := newFreezer(t, s.Addr)
	cfg := filepath.Join(t.TempDir(), "config")
	writeFile(t, cfg, "Host frozen\n\tHostName 127.0.0.1\n\tPort "+portOf(fz.l.Addr().String())+"\n\tUser "+s.User+
		"\n\tIdentityFile "+s.IdentityFile+"\n\tHostKeyAlias 127.0.0.1\n\tServerAliveInterval 1\n\tServerAliveCountMax 2\n\tUserKnownHostsFile "+
		filepath.Join(t.TempDir(), "kh")+"\n")
	kh, err := s.WriteKnownHosts("kh_alias", s.HostKey)
	if err != nil {
		t.Fatal(err)
	}
	// known_hosts records the key for [127.0.0.1]:sshd-port; the alias
	// makes the proxied connection look it up under the proxy's port, so
	// write that line too.
	writeFile(t, kh, "[127.0.0.1]:"+portOf(fz.l.Addr().String())+" "+authorized(s))
	c := dial(t, Options{Target: "frozen", Files: Files{UserConfig: cfg, SystemConfig: "none"}, KnownHosts: []string{kh}})
	fz.freeze()
	st := waitState(t, c, "down after unanswered keepalives", func(st State) bool { return !st.Up })
	if !strings.Contains(st.Err, "no answer to keepalives for 2s") {
		t.Errorf("down because %q, want the keepalive timeout", st.Err)
	}
}

func authorized(s *testenv.SSHD) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.HostKey))) + "\n"
}
