package testenv

import (
	"fmt"
	"strings"
	"testing"
)

// recTB records Skipf/Fatalf instead of stopping the goroutine.
type recTB struct {
	testing.TB
	skipped, failed string
}

func (r *recTB) Helper()                   {}
func (r *recTB) Skipf(f string, a ...any)  { r.skipped = fmt.Sprintf(f, a...) }
func (r *recTB) Fatalf(f string, a ...any) { r.failed = fmt.Sprintf(f, a...) }

func TestNeedSkipsOutsideCIAndFailsInCI(t *testing.T) {
	t.Setenv("CI", "")
	r := &recTB{TB: t}
	Need(r, "testenv-no-such-binary")
	if r.skipped == "" || r.failed != "" {
		t.Fatalf("outside CI: skipped %q failed %q; want a skip", r.skipped, r.failed)
	}
	if !strings.Contains(r.skipped, "apt-get install -y zookeeper haproxy serf") {
		t.Fatalf("skip message %q does not say what to install", r.skipped)
	}

	t.Setenv("CI", "true")
	r = &recTB{TB: t}
	Need(r, "testenv-no-such-binary")
	if r.failed == "" || r.skipped != "" {
		t.Fatalf("under CI=true: skipped %q failed %q; want a failure", r.skipped, r.failed)
	}

	if err := Available("sh"); err != nil {
		t.Fatalf("Available(sh): %v", err)
	}
}
