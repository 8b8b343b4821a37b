package haproxy

import (
	"strings"
	"testing"
)

func TestValidName(t *testing.T) {
	for _, ok := range []string{"svc_a", "ss-accept-host_127.0.0.1:31001", "A.b-C_d:9", "x"} {
		if err := ValidName(ok); err != nil {
			t.Errorf("ValidName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a;b", "a b", "a\nb", "a\tb", "a/b", "a\x00", "é", "a,b", "a\"b",
		"a#b", "a\rb", strings.Repeat("a", MaxNameLen+1)} {
		if err := ValidName(bad); err == nil {
			t.Errorf("ValidName(%q) accepted", bad)
		}
	}
	if err := ValidName("a;b"); !strings.Contains(err.Error(), "';'") {
		t.Errorf("error does not name the character: %v", err)
	}
}
