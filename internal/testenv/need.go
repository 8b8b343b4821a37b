package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// installHint says which Debian package provides each binary we run.
var installHint = map[string]string{
	"java":     "apt-get install -y zookeeper (it pulls in a Java runtime)",
	"haproxy":  "apt-get install -y haproxy",
	"serf":     "apt-get install -y serf",
	sshdBinary: "apt-get install -y openssh-server",
}

// zookeeperJar is where Debian's zookeeper package puts the server jar.
const zookeeperJar = "/usr/share/java/zookeeper.jar"

// Available reports whether bin ("java", "zookeeper", "haproxy", "serf" or any
// other executable name) can be run here; the error says what to install.
// Use it from TestMain, where there is no *testing.T to skip.
func Available(bin string) error {
	if bin == "zookeeper" {
		if _, err := os.Stat(zookeeperJar); err != nil {
			return fmt.Errorf("testenv: ZooKeeper jar %s not found: apt-get install -y zookeeper haproxy serf", zookeeperJar)
		}
		bin = "java"
	}
	if _, err := exec.LookPath(bin); err != nil {
		hint, ok := installHint[bin]
		if !ok {
			hint = "install it"
		}
		return fmt.Errorf("testenv: %q not found in PATH: %s (all parts: apt-get install -y zookeeper haproxy serf)", bin, hint)
	}
	return nil
}

// InCI reports whether CI=true is set: then missing parts fail tests
// instead of skipping them.
func InCI() bool { return os.Getenv("CI") == "true" }

// Need skips t when bin is missing, or fails it under CI=true; the
// message says what to install. See Available for the names it knows.
func Need(t testing.TB, bin string) {
	t.Helper()
	err := Available(bin)
	if err == nil {
		return
	}
	if InCI() {
		t.Fatalf("%v (CI=true: missing parts are failures)", err)
		return
	}
	t.Skipf("%v (skipping; under CI=true this fails)", err)
}

// NeedMain is Need for TestMain: it returns false and prints why when bin
// is missing outside CI, and exits with status 1 under CI=true. Use as
//
//	if !testenv.NeedMain("haproxy") { os.Exit(0) }
func NeedMain(bin string) bool {
	err := Available(bin)
	if err == nil {
		return true
	}
	if InCI() {
		fmt.Fprintf(os.Stderr, "%v (CI=true: missing parts are failures)\n", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "%v (skipping the package)\n", err)
	return false
}
