package app

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stacktui/stacktui/internal/sshconn"
	"github.com/stacktui/stacktui/sources"
)

// With --ssh every connection the console makes goes through one SSH
// connection (internal/sshconn): ZooKeeper, the HAProxy sockets (unix ones
// by stream-local forwarding) and the fleet's stats pages through its
// dialer, Serf through a local forward (its client takes no dialer), and
// the host's Synapse and Nerve configs, spool and pid files over SFTP.

// remoteHost reads the SSH host's name and addresses over SFTP, from the
// kernel's own files (no command runs, so read-only stays read-only):
// /proc/sys/kernel/hostname is what uname -n prints, /proc/net/fib_trie's
// "/32 host LOCAL" routes are its IPv4 addresses and /proc/net/if_inet6
// its IPv6 ones. The address SSH dialled is one of them when it is an IP.
// A host without them (not Linux) is named after the SSH target, with a
// warning.
func remoteHost(c *sshconn.Conn) (sources.Host, string) {
	s := c.Settings()
	h := sources.Host{}
	var missing []string
	if b, err := c.ReadFile("/proc/sys/kernel/hostname"); err == nil && len(bytes.TrimSpace(b)) > 0 {
		h.Name = string(bytes.TrimSpace(b))
	} else {
		h.Name = s.HostName
		missing = append(missing, "/proc/sys/kernel/hostname")
	}
	if b, err := c.ReadFile("/proc/net/fib_trie"); err == nil {
		h.Addrs = append(h.Addrs, fibLocalAddrs(b)...)
	} else {
		missing = append(missing, "/proc/net/fib_trie")
	}
	if b, err := c.ReadFile("/proc/net/if_inet6"); err == nil {
		h.Addrs = append(h.Addrs, inet6Addrs(b)...)
	}
	if ip := net.ParseIP(s.HostName); ip != nil {
		h.Addrs = append(h.Addrs, ip.String())
	}
	slices.Sort(h.Addrs)
	h.Addrs = slices.Compact(h.Addrs)
	if len(missing) > 0 {
		return h, "could not read " + strings.Join(missing, " and ") + " on " + s.String() +
			" (not Linux?): durable actions take only instances registered as " + h.Name + " or " + strings.Join(h.Addrs, ", ") + " for that host's own"
	}
	return h, ""
}

// fibLocalAddrs lists the IPv4 addresses /proc/net/fib_trie holds local
// host routes for: a "|-- A.B.C.D" line followed by "/32 host LOCAL".
func fibLocalAddrs(b []byte) []string {
	var out []string
	last := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "|-- "):
			last = strings.TrimPrefix(line, "|-- ")
		case strings.HasPrefix(line, "/32 host LOCAL") && last != "":
			if ip := net.ParseIP(last); ip != nil && ip.To4() != nil {
				out = append(out, ip.String())
			}
		}
	}
	return out
}

// inet6Addrs lists the addresses of /proc/net/if_inet6 (32 hex digits first
// on each line).
func inet6Addrs(b []byte) []string {
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || len(f[0]) != 32 {
			continue
		}
		raw, err := hex.DecodeString(f[0])
		if err != nil {
			continue
		}
		out = append(out, net.IP(raw).String())
	}
	return out
}

// SSHBanner says, for the console's banner line, which host it works on
// through SSH and, while the connection is down, since when and why, and
// how old what each source shows is: every connection goes through it.
func (s *Sources) SSHBanner(now time.Time) string {
	if s.SSH == nil {
		return ""
	}
	st := s.SSH.State()
	if st.Up {
		return "on " + s.Where.Host.Name + " through SSH " + s.SSH.Host()
	}
	t := "SSH to " + s.SSH.Host() + " DOWN for " + shortAge(now.Sub(st.Since)) + " (since " + st.Since.Format(time.TimeOnly) + ")"
	var ages []string
	lastRead := func(what string, at time.Time) {
		if at.IsZero() {
			ages = append(ages, what+" never read")
		} else {
			ages = append(ages, what+" "+shortAge(now.Sub(at)))
		}
	}
	if s.Registry != nil {
		r := s.Registry.Current()
		lastRead(kindWord(r.Kind), r.LastGood)
	}
	if s.Poller != nil {
		socks := s.Poller.Current()
		for _, h := range socks {
			if h == nil {
				continue
			}
			name := "HAProxy" // one socket: its path adds nothing here
			if len(socks) > 1 {
				name += " " + h.Label
			}
			lastRead(name, h.LastGood)
		}
	}
	if s.Fleet != nil {
		f := s.Fleet.Poller.Current()
		newest := time.Time{}
		for _, h := range f.Hosts {
			if h.LastGood.After(newest) {
				newest = h.LastGood
			}
		}
		lastRead("fleet ("+plural(len(f.Hosts), "host")+")", newest)
	}
	if len(ages) > 0 {
		t += " — all unreachable, last read: " + strings.Join(ages, ", ")
	}
	t += " — reconnecting"
	if st.Attempts > 0 {
		t += " (" + plural(st.Attempts, "attempt") + " failed)"
	}
	// The reconnection's error names the host again: once is enough.
	return t + ": " + strings.TrimPrefix(st.Err, "ssh "+s.SSH.Host()+": ")
}

// shortAge is an age in whole seconds ("42s"), minutes ("3m10s") or hours.
func shortAge(d time.Duration) string {
	if d < time.Hour {
		return d.Round(time.Second).String()
	}
	return d.Round(time.Minute).String()
}

// kindWord names a registry kind as the console does.
func kindWord(k sources.Kind) string {
	if k == sources.KindSerf {
		return "Serf"
	}
	return "ZooKeeper"
}

func plural(n int, word string) string {
	s := strconv.Itoa(n) + " " + word
	if n != 1 {
		s += "s"
	}
	return s
}
