package testenv

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// sshdBinary is Debian openssh-server's daemon; sshd insists on being
// started by its absolute path (it re-executes itself).
const sshdBinary = "/usr/sbin/sshd"

// sftpServer is the SFTP subsystem Debian's openssh-server ships.
const sftpServer = "/usr/lib/openssh/sftp-server"

// SSHD is a real OpenSSH server (Debian's /usr/sbin/sshd) on a free
// loopback port, with a generated host key and one user key, its own
// sshd_config, authorized_keys, known_hosts and a client ssh_config in Dir.
// It allows TCP and stream-local (unix socket) forwarding and SFTP, as a
// SmartStack host's sshd usually does.
type SSHD struct {
	// Addr is "127.0.0.1:port".
	Addr string
	// Port is the listening port.
	Port int
	// User is the account the user key logs in as: the user running the
	// tests (sshd only lets a non-root daemon log in as its own user).
	User string
	// HostKey is the server's public host key.
	HostKey ssh.PublicKey
	// UserKey signs as the authorized user.
	UserKey ssh.Signer
	// IdentityFile is the user's private key in OpenSSH format (mode 0600).
	IdentityFile string
	// KnownHosts is a known_hosts file holding HostKey for Addr, as
	// `ssh-keyscan -p PORT 127.0.0.1` would write it.
	KnownHosts string
	// ClientConfig is an ssh_config with "Host Alias" resolving to this
	// server (HostName, Port, User, IdentityFile, UserKnownHostsFile), for
	// tests of ~/.ssh/config handling.
	ClientConfig string
	// Alias is the Host name ClientConfig defines.
	Alias string
	// Dir holds the keys, sshd_config, sshd.log, sftp.log and the client
	// files.
	Dir string

	mu      sync.Mutex
	p       *proc
	stopped bool
}

// SSHDWith starts an sshd for t, stopped when t ends. It skips or fails t
// (see Need) when Debian's openssh-server is missing.
func SSHDWith(t testing.TB) *SSHD {
	t.Helper()
	Need(t, sshdBinary)
	s, err := StartSSHD()
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// StartSSHD starts an sshd; the caller must call Stop.
func StartSSHD() (*SSHD, error) {
	if err := Available(sshdBinary); err != nil {
		return nil, err
	}
	u, err := user.Current()
	if err != nil {
		return nil, fmt.Errorf("testenv: current user: %w", err)
	}
	dir, err := componentDir("sshd")
	if err != nil {
		return nil, err
	}
	s := &SSHD{Dir: dir, User: u.Username, Alias: "stacktui-test-host"}
	if err := s.writeKeys(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if os.Geteuid() == 0 {
		// A root sshd wants its privilege separation dir; Debian's systemd
		// unit makes it, a bare container may not have it.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("testenv: privilege separation dir /run/sshd: %w", err)
		}
	}
	var lastErr error
	for range 3 { // a new port when another process took ours
		if s.Addr, s.Port, lastErr = freeAddr(); lastErr != nil {
			break
		}
		if lastErr = s.writeFiles(); lastErr != nil {
			break
		}
		if lastErr = s.Start(); lastErr == nil {
			return s, nil
		}
		if !strings.Contains(lastErr.Error(), "Address already in use") {
			break
		}
	}
	removeDir(dir)
	return nil, lastErr
}

// newEd25519 returns a fresh key as a signer and its OpenSSH PEM encoding.
func newEd25519(comment string) (ssh.Signer, []byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return nil, nil, err
	}
	return signer, pem.EncodeToMemory(block), nil
}

// NewSSHKey returns a fresh ed25519 signer, for tests that need a key the
// server does not know (a wrong host key, an unauthorized user).
func NewSSHKey() (ssh.Signer, error) {
	s, _, err := newEd25519("stacktui-test")
	return s, err
}

// writeKeys generates the host and user keys.
func (s *SSHD) writeKeys() error {
	host, hostPEM, err := newEd25519("stacktui-testenv-host")
	if err != nil {
		return fmt.Errorf("testenv: host key: %w", err)
	}
	userKey, userPEM, err := newEd25519("stacktui-testenv-user")
	if err != nil {
		return fmt.Errorf("testenv: user key: %w", err)
	}
	s.HostKey, s.UserKey = host.PublicKey(), userKey
	s.IdentityFile = filepath.Join(s.Dir, "id_ed25519")
	for path, data := range map[string][]byte{
		filepath.Join(s.Dir, "ssh_host_ed25519_key"): hostPEM,
		s.IdentityFile:                          userPEM,
		filepath.Join(s.Dir, "authorized_keys"): ssh.MarshalAuthorizedKey(userKey.PublicKey()),
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return fmt.Errorf("testenv: write %s: %w", path, err)
		}
	}
	return nil
}

// writeFiles writes sshd_config, known_hosts and the client ssh_config for
// the current port.
func (s *SSHD) writeFiles() error {
	// StrictModes would refuse authorized_keys under the world-writable
	// temp dir (sshd checks every parent up to /); the files themselves
	// are 0600, which is what StrictModes wants of them.
	cfg := strings.Join([]string{
		"Port " + strconv.Itoa(s.Port),
		"ListenAddress 127.0.0.1",
		"HostKey " + filepath.Join(s.Dir, "ssh_host_ed25519_key"),
		"PidFile " + filepath.Join(s.Dir, "sshd.pid"),
		"AuthorizedKeysFile " + filepath.Join(s.Dir, "authorized_keys"),
		"StrictModes no",
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"UsePAM no",
		"PermitRootLogin prohibit-password",
		"AllowTcpForwarding yes",
		"AllowStreamLocalForwarding yes",
		"MaxStartups 100:30:200",
		"MaxSessions 50",
		"ClientAliveInterval 0",
		// The SFTP server logs every open, write, rename and remove, so a
		// test can tell a file was changed through SSH rather than here.
		"Subsystem sftp " + sftpServer + " -e -l INFO 2>>" + s.SFTPLogPath(),
		// DEBUG1 logs each forwarding's target (direct-tcpip, streamlocal),
		// so a test can tell a connection went through SSH.
		"LogLevel DEBUG1",
		"",
	}, "\n")
	known := knownHostsLine(s.Addr, s.HostKey)
	client := fmt.Sprintf("Host %s\n\tHostName 127.0.0.1\n\tPort %d\n\tUser %s\n\tIdentityFile %s\n\tUserKnownHostsFile %s\n",
		s.Alias, s.Port, s.User, s.IdentityFile, filepath.Join(s.Dir, "known_hosts"))
	s.KnownHosts = filepath.Join(s.Dir, "known_hosts")
	s.ClientConfig = filepath.Join(s.Dir, "ssh_config")
	for path, data := range map[string]string{
		filepath.Join(s.Dir, "sshd_config"): cfg,
		s.KnownHosts:                        known,
		s.ClientConfig:                      client,
	} {
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			return fmt.Errorf("testenv: write %s: %w", path, err)
		}
	}
	return nil
}

// knownHostsLine is the known_hosts line OpenSSH writes for key at addr:
// "[host]:port key" for a port other than 22.
func knownHostsLine(addr string, key ssh.PublicKey) string {
	host, port, _ := net.SplitHostPort(addr)
	if port != "22" {
		host = "[" + host + "]:" + port
	}
	return host + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key))) + "\n"
}

// WriteKnownHosts writes a known_hosts file in Dir that records key (for
// instance a wrong one) for this server, and returns its path.
func (s *SSHD) WriteKnownHosts(name string, key ssh.PublicKey) (string, error) {
	path := filepath.Join(s.Dir, name)
	return path, os.WriteFile(path, []byte(knownHostsLine(s.Addr, key)), 0o600)
}

// ClientConfigWith writes an ssh_config in Dir like ClientConfig, but
// whose UserKnownHostsFile is knownHosts, and returns its path.
func (s *SSHD) ClientConfigWith(name, knownHosts string) (string, error) {
	b, err := os.ReadFile(s.ClientConfig)
	if err != nil {
		return "", err
	}
	path := filepath.Join(s.Dir, name)
	return path, os.WriteFile(path, []byte(strings.ReplaceAll(string(b), s.KnownHosts, knownHosts)), 0o600)
}

// ChangedKeyConfig writes a known_hosts that records another key for this
// server (as after a rebuild, or an interception) and an ssh_config that
// uses it, and returns the config's path.
func (s *SSHD) ChangedKeyConfig(name string) (string, error) {
	other, err := NewSSHKey()
	if err != nil {
		return "", err
	}
	known, err := s.WriteKnownHosts(name+"_known_hosts", other.PublicKey())
	if err != nil {
		return "", err
	}
	return s.ClientConfigWith(name, known)
}

// Start starts the daemon (again, after Kill) on its port and waits until
// it answers with an SSH banner.
func (s *SSHD) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p != nil && !s.p.exited() {
		return fmt.Errorf("testenv: sshd on %s is already running", s.Addr)
	}
	logPath := filepath.Join(s.Dir, "sshd.log")
	// -D: stay in the foreground (our child, killed with us); -E: log to
	// the log file (with -e, logging to stderr, a session's own debug
	// lines would reach the client's commands as their stderr).
	p, err := startProc(s.Dir, logPath, sshdBinary, "-D", "-E", logPath, "-f", filepath.Join(s.Dir, "sshd_config"))
	if err != nil {
		return err
	}
	err = waitFor(30*time.Second, func() error {
		if p.exited() {
			return fmt.Errorf("exited: %v", p.waitErr)
		}
		return sshBanner(s.Addr)
	})
	if err != nil {
		p.kill()
		return fmt.Errorf("testenv: sshd on %s did not start (%v); log %s ends:\n%s", s.Addr, err, logPath, p.tail(20))
	}
	s.p = p
	return nil
}

// sshBanner reports nil once addr answers with an SSH identification line.
func sshBanner(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("no banner: %w", err)
	}
	if !strings.HasPrefix(line, "SSH-2.0-") {
		return fmt.Errorf("banner %q", line)
	}
	return nil
}

// Kill drops every connection and stops listening, as a host that went
// away would: the daemon and every per-connection process it forked (they
// run in sessions of their own, so a process group kill misses them).
func (s *SSHD) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

func (s *SSHD) killLocked() {
	if s.p == nil {
		return
	}
	kids := descendants(s.p.pid())
	s.p.kill()
	for _, pid := range kids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	for _, pid := range kids {
		_ = waitFor(30*time.Second, func() error { return processGone(pid) })
	}
}

// Connections is the number of per-connection processes sshd has forked
// that are still alive: one per open client connection (its privileged
// monitor), for tests that assert one SSH connection carries everything.
func (s *SSHD) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p == nil || s.p.exited() {
		return 0
	}
	return len(children(s.p.pid()))
}

// Stop kills the daemon and its connections and removes Dir. Safe to call twice.
func (s *SSHD) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.stopped = true
	s.killLocked()
	removeDir(s.Dir)
}

// LogPath is the daemon's log file.
func (s *SSHD) LogPath() string { return filepath.Join(s.Dir, "sshd.log") }

// SFTPLogPath is the SFTP server's log: one line per file operation, e.g.
// `open "/path" flags WRITE,CREATE,TRUNCATE mode 0644` and `posix-rename
// old "/a" new "/b"`.
func (s *SSHD) SFTPLogPath() string { return filepath.Join(s.Dir, "sftp.log") }

// children lists the pids whose parent is pid, from /proc.
func children(pid int) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if parentOf(p) == pid {
			out = append(out, p)
		}
	}
	return out
}

// descendants lists pid's children, grandchildren and so on.
func descendants(pid int) []int {
	var out []int
	for todo := []int{pid}; len(todo) > 0; {
		p := todo[0]
		todo = todo[1:]
		for _, c := range children(p) {
			out = append(out, c)
			todo = append(todo, c)
		}
	}
	return out
}

// parentOf reads the parent pid from /proc/PID/stat, or -1.
func parentOf(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return -1
	}
	// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return -1
	}
	pp, err := strconv.Atoi(f[1])
	if err != nil {
		return -1
	}
	return pp
}
