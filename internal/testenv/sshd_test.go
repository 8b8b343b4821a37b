package testenv

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// dialSSHD logs in as the authorized user, checking the host key exactly.
func dialSSHD(t *testing.T, s *SSHD, hostKey ssh.PublicKey) (*ssh.Client, error) {
	t.Helper()
	return ssh.Dial("tcp", s.Addr, &ssh.ClientConfig{
		User:            s.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(s.UserKey)},
		HostKeyCallback: ssh.FixedHostKey(hostKey),
		Timeout:         10 * time.Second,
	})
}

func TestSSHDLogsInForwardsAndDropsConnections(t *testing.T) {
	s := SSHDWith(t)
	c, err := dialSSHD(t, s, s.HostKey)
	if err != nil {
		t.Fatalf("login with the user key: %v\nsshd log:\n%s", err, logTail(s.LogPath(), 20))
	}
	defer c.Close()

	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sess.Output("echo forwarded-ok")
	if err != nil || strings.TrimSpace(string(out)) != "forwarded-ok" {
		t.Fatalf("exec: %q %v", out, err)
	}

	// TCP forwarding (direct-tcpip) to a listener on the server's side.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			a, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer a.Close(); io.Copy(a, a) }()
		}
	}()
	echo := func(network, addr string) {
		t.Helper()
		fc, err := c.Dial(network, addr)
		if err != nil {
			t.Fatalf("forward %s %s: %v\nsshd log:\n%s", network, addr, err, logTail(s.LogPath(), 20))
		}
		defer fc.Close()
		fc.Write([]byte("ping\n"))
		buf := make([]byte, 5)
		if _, err := io.ReadFull(fc, buf); err != nil || !bytes.Equal(buf, []byte("ping\n")) {
			t.Fatalf("echo through %s forward: %q %v", network, buf, err)
		}
	}
	echo("tcp", l.Addr().String())

	// Stream-local forwarding (direct-streamlocal@openssh.com) to a unix socket.
	ul, err := net.Listen("unix", s.Dir+"/echo.sock")
	if err != nil {
		t.Fatal(err)
	}
	defer ul.Close()
	go func() {
		for {
			a, err := ul.Accept()
			if err != nil {
				return
			}
			go func() { defer a.Close(); io.Copy(a, a) }()
		}
	}()
	echo("unix", s.Dir+"/echo.sock")
	if n := s.Connections(); n != 1 {
		t.Errorf("Connections() = %d with one client connected, want 1", n)
	}

	// Kill drops the connection; Start listens again on the same port.
	s.Kill()
	if err := c.Wait(); err == nil {
		t.Log("connection ended without an error")
	}
	if _, err := dialSSHD(t, s, s.HostKey); err == nil {
		t.Fatal("login succeeded while sshd was killed")
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	c2, err := dialSSHD(t, s, s.HostKey)
	if err != nil {
		t.Fatalf("login after restart: %v", err)
	}
	c2.Close()
}

func TestSSHDRefusesAWrongHostKeyAndAnUnknownUserKey(t *testing.T) {
	s := SSHDWith(t)
	other, err := NewSSHKey()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dialSSHD(t, s, other.PublicKey()); err == nil || !strings.Contains(err.Error(), "host key mismatch") {
		t.Fatalf("dial with a pinned wrong host key: %v, want a host key mismatch", err)
	}
	_, err = ssh.Dial("tcp", s.Addr, &ssh.ClientConfig{
		User: s.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(other)},
		HostKeyCallback: ssh.FixedHostKey(s.HostKey), Timeout: 10 * time.Second,
	})
	if err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("login with a key not in authorized_keys: %v, want an authentication failure", err)
	}
}
