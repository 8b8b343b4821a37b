package testenv

import (
	"os"
	"sync"
	"testing"
)

// shared is one ZooKeeper for the tests that do not restart it.
var (
	sharedOnce sync.Once
	sharedZ    *ZK
	sharedErr  error
)

// sharedZK starts the package's shared ZooKeeper on first use.
func sharedZK(t *testing.T) *ZK {
	t.Helper()
	Need(t, "zookeeper")
	sharedOnce.Do(func() { sharedZ, sharedErr = StartZooKeeper() })
	if sharedErr != nil {
		t.Fatalf("%v", sharedErr)
	}
	return sharedZ
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedZ != nil {
		sharedZ.Stop()
	}
	StopAll()
	os.Exit(code)
}
