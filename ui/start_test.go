package ui

import (
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// dialErr is a stats socket's dial error as the client reports it: the
// syscall error inside, its path three times, the hint last.
func dialErr(path string, errno syscall.Errno, hint string) error {
	op := &net.OpError{Op: "dial", Net: "unix", Addr: &net.UnixAddr{Name: path, Net: "unix"}, Err: os.NewSyscallError("connect", errno)}
	return fmt.Errorf("haproxy %s: dial: %w (%s)", path, op, hint)
}

// zkNeverRead is a ZooKeeper registry that has not been read, with err.
func zkNeverRead(addr string, state sources.ConnState, synced bool, err string) fixtureOpt {
	return func(o *testOptions) {
		o.Browser, o.Health = nil, nil
		o.Registry = &fakeRegistry{cur: sources.Snapshot{Kind: sources.KindZooKeeper, Address: addr, State: state,
			Synced: synced, Err: err, At: fixedNow}}
		if synced {
			o.Registry.cur.LastGood = fixedNow
		}
	}
}

func noHAProxy(o *testOptions) { o.HAProxy = nil }

// socketFailing is HAProxy-only mode on a socket that could never be read.
func socketFailing(path string, errno syscall.Errno, hint string) fixtureOpt {
	return func(o *testOptions) {
		o.Registry, o.Browser, o.Health = nil, nil, nil
		o.HAProxy = newFakeFeed(&haproxy.Snapshot{Label: path, Address: path, At: fixedNow, Err: dialErr(path, errno, hint)})
	}
}

var startCases = []struct {
	name  string
	opts  []fixtureOpt
	wants []string
}{
	{"zk_refused", []fixtureOpt{noHAProxy, zkNeverRead("127.0.0.1:1", sources.StateConnecting, false,
		"connecting to ZooKeeper 127.0.0.1:1 (failed to connect to 127.0.0.1:1: dial tcp 127.0.0.1:1: connect: connection refused)")},
		[]string{"nothing listens at ZooKeeper 127.0.0.1:1 (connection refused)", "next: start ZooKeeper there, or give --zk the right host:port"}},
	{"zk_no_such_host", []fixtureOpt{noHAProxy, zkNeverRead("zk1.invalid:2181", sources.StateConnecting, false,
		"connecting to ZooKeeper zk1.invalid:2181 (lookup zk1.invalid: no such host; check the --zk host names)")},
		[]string{"ZooKeeper host in zk1.invalid:2181 does not resolve", "next: check the host names given to --zk"}},
	{"zk_empty", []fixtureOpt{noHAProxy, zkNeverRead("127.0.0.1:2181", sources.StateConnected, true,
		"/nerve/services does not exist (yet); watching for it")},
		[]string{"/nerve/services does not exist (yet): nothing is registered there", "next: check --zk-path"}},
	{"haproxy_missing", []fixtureOpt{socketFailing("/nonexistent.sock", syscall.ENOENT,
		"no socket file there: check the path and that HAProxy runs with `stats socket` at that path")},
		[]string{"the socket /nonexistent.sock does not exist", "next: check the path (--haproxy, or `stats socket` in haproxy.cfg) and that HAProxy runs"}},
	{"haproxy_permission", []fixtureOpt{socketFailing("/run/haproxy/admin.sock", syscall.EACCES, "check the socket file's owner and mode")},
		[]string{"not allowed to open /run/haproxy/admin.sock (permission denied)", "group G`), or with sudo"}},
	{"haproxy_refused", []fixtureOpt{socketFailing("/run/haproxy/admin.sock", syscall.ECONNREFUSED, "nothing listens there")},
		[]string{"nothing listens at /run/haproxy/admin.sock (connection refused)", "next: check that HAProxy runs"}},
	{"nothing_configured", []fixtureOpt{func(o *testOptions) { o.Registry, o.Browser, o.Health, o.HAProxy = nil, nil, nil, nil }},
		[]string{"no source is configured", "run `stacktui demo`"}},
}

// TestStartSaysWhy: a start with nothing to show says on the Services
// screen what is wrong and the next step (issue 18 item 2).
func TestStartSaysWhy(t *testing.T) {
	for _, c := range startCases {
		for _, sz := range sizes {
			t.Run(c.name+"_"+sizeName(sz), func(t *testing.T) {
				m := newTestModel(t, sz[0], sz[1], c.opts...)
				out := screen(m)
				flat := strings.Join(strings.Fields(out), " ")
				for _, want := range c.wants {
					if !strings.Contains(flat, strings.Join(strings.Fields(want), " ")) {
						t.Errorf("screen lacks %q:\n%s", want, out)
					}
				}
				checkFrame(t, out, sz[0], sz[1])
				golden.RequireEqual(t, out)
			})
		}
	}
}

// TestBannerHintNotCut: the failing socket's next step is on screen in
// full at 100 and 120 columns, not cut after the path written three times.
func TestBannerHintNotCut(t *testing.T) {
	for _, w := range []int{80, 100, 120} {
		m := newTestModel(t, w, 24, socketFailing("/nonexistent.sock", syscall.ENOENT, "no socket file there"), func(o *testOptions) {
			o.Registry = &fakeRegistry{cur: fixtureRegistry(t)} // services listed: the banner is the only place
		})
		top := strings.Join(strings.Fields(strings.Join(splitLines(screen(m))[:4], " ")), " ")
		if !strings.Contains(top, "and that HAProxy runs") {
			t.Errorf("%d columns: the banner's next step is cut:\n%s", w, screen(m))
		}
	}
}

// TestRegistryOnlyNoFalseZeros: without HAProxy, the services view shows
// no UP 0 beside ok and no traffic of 0: those are unknown (item 2).
func TestRegistryOnlyNoFalseZeros(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sizeName(sz), func(t *testing.T) {
			m := newTestModel(t, sz[0], sz[1], noHAProxy)
			out := screen(m)
			for _, l := range splitLines(out) {
				if strings.Contains(l, "svc_b") && (strings.Contains(l, " 0 ") || strings.HasSuffix(strings.TrimSpace(l), "0.0")) {
					t.Errorf("a false zero: %q", l)
				}
			}
			golden.RequireEqual(t, out)
		})
	}
}
