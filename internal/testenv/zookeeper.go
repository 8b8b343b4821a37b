package testenv

import (
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// zkTick is the server tick: small so session expiry (a multiple of it) is quick.
const zkTick = 200 * time.Millisecond

// ZK is a standalone ZooKeeper server (Debian's 3.8 jar run by java) on a
// free loopback port, its data and logs in Dir.
type ZK struct {
	// Addr is "127.0.0.1:port", the client address.
	Addr string
	// Port is the client port.
	Port int
	// Dir holds zoo.cfg, data/ and the logs (zookeeper.log, client.log).
	Dir string

	mu      sync.Mutex
	p       *proc
	admin   *zk.Conn
	logFile *os.File
	logger  *log.Logger
	stopped bool
}

// ZooKeeper starts a ZooKeeper server for t and stops it (removing its data)
// when t ends. It skips or fails t (see Need) when ZooKeeper is missing.
func ZooKeeper(t testing.TB) *ZK {
	t.Helper()
	Need(t, "zookeeper")
	z, err := StartZooKeeper()
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(z.Stop)
	return z
}

// StartZooKeeper starts a ZooKeeper server; the caller must call Stop. For
// sharing one server across a package from TestMain.
func StartZooKeeper() (*ZK, error) {
	if err := Available("zookeeper"); err != nil {
		return nil, err
	}
	dir, err := componentDir("zk")
	if err != nil {
		return nil, err
	}
	lf, err := os.OpenFile(filepath.Join(dir, "client.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("testenv: ZooKeeper client log: %w", err)
	}
	z := &ZK{Dir: dir, logFile: lf, logger: log.New(lf, "zk-client ", log.LstdFlags|log.Lmicroseconds)}
	var lastErr error
	for range 3 { // a new port when another process grabbed ours
		port, err := FreePort()
		if err != nil {
			z.Stop()
			return nil, err
		}
		z.Port = port
		z.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if lastErr = z.Start(); lastErr == nil {
			return z, nil
		}
		if !strings.Contains(lastErr.Error(), "Address already in use") {
			break
		}
	}
	z.Stop()
	return nil, lastErr
}

// writeConfig writes zoo.cfg: tiny ticks so sessions expire fast, every
// four-letter word allowed, no admin HTTP server.
func (z *ZK) writeConfig() error {
	data := filepath.Join(z.Dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return fmt.Errorf("testenv: ZooKeeper data dir: %w", err)
	}
	cfg := fmt.Sprintf(`tickTime=%d
dataDir=%s
clientPort=%d
clientPortAddress=127.0.0.1
4lw.commands.whitelist=*
admin.enableServer=false
minSessionTimeout=%d
maxSessionTimeout=120000
maxClientCnxns=0
forceSync=no
`, zkTick.Milliseconds(), data, z.Port, 2*zkTick.Milliseconds())
	return os.WriteFile(filepath.Join(z.Dir, "zoo.cfg"), []byte(cfg), 0o644)
}

// Start starts the server again after Kill, on the same port with the same
// data. It waits until the server answers ruok with imok and serves requests.
func (z *ZK) Start() error {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.p != nil && !z.p.exited() {
		return fmt.Errorf("testenv: ZooKeeper on %s is already running", z.Addr)
	}
	if err := z.writeConfig(); err != nil {
		return err
	}
	cp := zookeeperJar
	if _, err := os.Stat("/usr/share/java/slf4j-simple.jar"); err == nil {
		cp += ":/usr/share/java/slf4j-simple.jar" // logs to a file instead of a "no binding" warning
	}
	logPath := filepath.Join(z.Dir, "zookeeper.log")
	p, err := startProc(z.Dir, logPath, "java",
		"-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
		"-Dzookeeper.admin.enableServer=false",
		"-Dorg.slf4j.simpleLogger.logFile="+logPath,
		"-Dorg.slf4j.simpleLogger.showDateTime=true",
		"-cp", cp,
		"org.apache.zookeeper.server.ZooKeeperServerMain", filepath.Join(z.Dir, "zoo.cfg"))
	if err != nil {
		return err
	}
	z.p = p
	err = waitFor(30*time.Second, func() error {
		if p.exited() {
			return fmt.Errorf("exited: %v", p.waitErr)
		}
		out, err := FourLetter(z.Addr, "ruok")
		if err != nil {
			return err
		}
		if out != "imok" {
			return fmt.Errorf("ruok answered %q", out)
		}
		// imok comes before the server serves requests; srvr tells.
		if out, _ := FourLetter(z.Addr, "srvr"); !strings.Contains(out, "Mode: ") {
			return fmt.Errorf("srvr answered %q", out)
		}
		return nil
	})
	if err != nil {
		p.kill()
		return fmt.Errorf("testenv: ZooKeeper on %s did not start (%v); log %s ends:\n%s", z.Addr, err, logPath, p.tail(30))
	}
	return nil
}

// Kill SIGKILLs the server, keeping its port and data for Start. Sessions
// survive if a client reconnects before they time out.
func (z *ZK) Kill() {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.p.kill()
}

// Restart stops the server gracefully (SIGTERM) and starts it again on the
// same port with the same data.
func (z *ZK) Restart() error {
	z.mu.Lock()
	z.p.stop(syscall.SIGTERM, 10*time.Second)
	z.mu.Unlock()
	return z.Start()
}

// Stop kills the server, closes testenv's own client and removes Dir. Safe
// to call twice.
func (z *ZK) Stop() {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.stopped {
		return
	}
	z.stopped = true
	if z.admin != nil {
		z.admin.Close()
	}
	z.p.kill()
	if z.logFile != nil {
		z.logFile.Close()
	}
	removeDir(z.Dir)
}

// LogPath is the server's log file.
func (z *ZK) LogPath() string { return filepath.Join(z.Dir, "zookeeper.log") }

// FourLetter sends a four-letter word (ruok, srvr, mntr, stat, cons, ...) to
// the ZooKeeper at addr and returns its answer.
func FourLetter(addr, cmd string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.WriteString(c, cmd); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	if err != nil && len(b) == 0 {
		return "", err
	}
	return string(b), nil
}

// FourLetter sends a four-letter word to this server.
func (z *ZK) FourLetter(cmd string) (string, error) { return FourLetter(z.Addr, cmd) }

// connect opens a client session and waits until it is established.
func (z *ZK) connect(timeout time.Duration, opts ...func(*zk.Conn)) (*zk.Conn, error) {
	extra := func(c *zk.Conn) { // zk's option type is unexported: apply ours inside one
		for _, o := range opts {
			o(c)
		}
	}
	c, _, err := zk.Connect([]string{z.Addr}, timeout, zk.WithLogger(z.logger), zk.WithLogInfo(false), extra)
	if err != nil {
		return nil, fmt.Errorf("testenv: connect to ZooKeeper %s: %w", z.Addr, err)
	}
	err = waitFor(15*time.Second, func() error {
		if s := c.State(); s != zk.StateHasSession {
			return fmt.Errorf("state %v", s)
		}
		return nil
	})
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("testenv: no ZooKeeper session with %s (%v); is the server up?", z.Addr, err)
	}
	return c, nil
}

// Connect opens a plain client session (10 s timeout) with its logs going
// to Dir/client.log; the caller closes it.
func (z *ZK) Connect() (*zk.Conn, error) { return z.connect(10 * time.Second) }

// Client opens a plain client session for t, closed when t ends.
func (z *ZK) Client(t testing.TB) *zk.Conn {
	t.Helper()
	c, err := z.Connect()
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// adminConn is testenv's own session, used by Put.
func (z *ZK) adminConn() (*zk.Conn, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.admin != nil {
		return z.admin, nil
	}
	c, err := z.connect(30 * time.Second)
	if err != nil {
		return nil, err
	}
	z.admin = c
	return c, nil
}

// Put writes a persistent node at p with data, creating missing parents
// (empty, persistent) and overwriting existing data. For raw or malformed
// registrations and service-level data.
func (z *ZK) Put(p string, data []byte) error {
	c, err := z.adminConn()
	if err != nil {
		return err
	}
	if err := ensurePath(c, path.Dir(p)); err != nil {
		return err
	}
	_, err = c.Create(p, data, 0, zk.WorldACL(zk.PermAll))
	if err == zk.ErrNodeExists {
		_, err = c.Set(p, data, -1)
	}
	if err != nil {
		return fmt.Errorf("testenv: put %s: %w", p, err)
	}
	return nil
}

// Delete removes the node at p and everything under it; a missing node is
// not an error.
func (z *ZK) Delete(p string) error {
	c, err := z.adminConn()
	if err != nil {
		return err
	}
	return deleteTree(c, p)
}

// deleteTree removes p and its descendants.
func deleteTree(c *zk.Conn, p string) error {
	kids, _, err := c.Children(p)
	if err == zk.ErrNoNode {
		return nil
	}
	if err != nil {
		return fmt.Errorf("testenv: list %s: %w", p, err)
	}
	for _, k := range kids {
		if err := deleteTree(c, path.Join(p, k)); err != nil {
			return err
		}
	}
	if err := c.Delete(p, -1); err != nil && err != zk.ErrNoNode {
		return fmt.Errorf("testenv: delete %s: %w", p, err)
	}
	return nil
}

// ensurePath creates p and its parents as empty persistent nodes, like
// Nerve's mkdir_p.
func ensurePath(c *zk.Conn, p string) error {
	if p == "/" || p == "" || p == "." {
		return nil
	}
	ok, _, err := c.Exists(p)
	if err != nil {
		return fmt.Errorf("testenv: exists %s: %w", p, err)
	}
	if ok {
		return nil
	}
	if err := ensurePath(c, path.Dir(p)); err != nil {
		return err
	}
	if _, err := c.Create(p, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && err != zk.ErrNodeExists {
		return fmt.Errorf("testenv: create %s: %w", p, err)
	}
	return nil
}
