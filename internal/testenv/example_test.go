package testenv_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/stacktui/stacktui/internal/testenv"
)

// zkShared is started once per package in TestMain.
var zkShared *testenv.ZK

// Example_testMain shows one ZooKeeper shared by a package's tests. The
// body would be the package's TestMain(m *testing.M).
func Example_testMain() {
	var m *testing.M // TestMain's argument
	if !testenv.NeedMain("zookeeper") {
		os.Exit(0) // skipped outside CI; NeedMain exits 1 under CI=true
	}
	z, err := testenv.StartZooKeeper()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	zkShared = z
	code := m.Run()
	z.Stop()
	testenv.StopAll() // anything a test forgot
	os.Exit(code)
}

// Example_perTest shows components tied to one test: each stops when the
// test ends, even if it panics.
func Example_perTest() {
	var t *testing.T // the test
	z := testenv.ZooKeeper(t)
	n := z.Nerve(t, "host-a")
	b := testenv.Backend(t)
	n.Register("/nerve/services/svc_a/services", b.Host, b.Port, testenv.WithWeight(2))
	h := testenv.HAProxy(t, testenv.HAProxyConfig{Services: []testenv.HAService{{
		Name:    "svc_a",
		Servers: []testenv.HAServer{{Name: "host-a", Addr: b.Addr, Check: true}},
	}}})
	fmt.Println(h.Command("show stat"))
	a := testenv.Serf(t, "node-a", map[string]string{"smart:svc_a": b.Addr})
	testenv.Serf(t, "node-b", nil, a.BindAddr)
}
