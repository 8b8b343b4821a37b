package client

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
)

// shared is one real HAProxy for the tests that do not restart it; nil
// when haproxy is missing (those tests then skip, or fail under CI=true).
var shared *testenv.HAP

// The backend of the shared HAProxy and its servers, one per kind of test.
const (
	be      = "svc_w"
	sPlain  = "plain_127.0.0.1:9001" // weight 10, no check
	sCheck  = "check_127.0.0.1:"     // + health backend port: checked
	sAgent  = "agent_127.0.0.1:9003" // agent check only
	sBackup = "backup_127.0.0.1:9004"
	sMaint  = "maint_127.0.0.1:9005" // disabled in the config
	sRO     = "ro_127.0.0.1:9006"    // the read-only test's target
)

var checkServer string

func TestMain(m *testing.M) {
	if testenv.Available("haproxy") == nil {
		hb, err := testenv.StartBackend()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		agentPort, err := testenv.FreePort()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		checkServer = sCheck + hb.PortString()
		shared, err = testenv.StartHAProxy(testenv.HAProxyConfig{TCPSocket: true, Services: []testenv.HAService{{
			Name: be, CheckInter: time.Second, Servers: []testenv.HAServer{
				{Name: "plain", Addr: "127.0.0.1:9001", Weight: 10},
				{Name: "check", Addr: hb.Addr, Check: true},
				{Name: "agent", Addr: "127.0.0.1:9003", Options: fmt.Sprintf("agent-check agent-port %d agent-inter 1h", agentPort)},
				{Name: "backup", Addr: "127.0.0.1:9004", Options: "backup"},
				{Name: "maint", Addr: "127.0.0.1:9005", Disabled: true},
				{Name: "ro", Addr: "127.0.0.1:9006"},
			}}}})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		code := m.Run()
		shared.Stop()
		hb.Stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// dialShared connects to the shared HAProxy (unix socket).
func dialShared(t *testing.T, readOnly bool) *Conn {
	t.Helper()
	testenv.Need(t, "haproxy")
	c, err := Dial(context.Background(), Options{Address: shared.Socket, ReadOnly: readOnly, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// eventually retries f until it returns nil or d passes.
func eventually(t *testing.T, d time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v", d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
