package state

import (
	"strings"
	"testing"
)

// FuzzAddrInName: a server name from any HAProxy gives either no address
// or a valid "host:port" taken from the name itself.
func FuzzAddrInName(f *testing.F) {
	for _, s := range []string{"i1_10.0.0.1:80", "10.0.0.1:80_i1", "web:1", "a_b_c:1_d", "::1:80", "_:_", "x_[::1]:80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		a := addrInName(name)
		if a == "" {
			return
		}
		if !strings.Contains(name, a) || !validHostPort(a) {
			t.Fatalf("addrInName(%q) = %q", name, a)
		}
	})
}
