package state

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// TestMemoizedFindingsMatchAnew: a join that shares the sentences of
// servers alike (joiner.memo) says of every server what a join computing
// each anew says, with and without a registry, for every mix of status,
// check result, description, weight and address: a memo key that left out
// what a sentence depends on would give one server another's sentence.
func TestMemoizedFindingsMatchAnew(t *testing.T) {
	var rows []haproxy.Row
	var regs []sources.Registration
	n := 0
	for _, status := range []string{"UP", "UP 1/3", "UP 2/3", "no check", "DOWN", "DOWN 1/2", "DOWN (agent)", "MAINT", "DRAIN", "NOLB"} {
		for _, cs := range []string{"L7OK", "L4OK", "L4CON", "L4TOUT", "L7STS", "L6RSP", "INI", ""} {
			for _, desc := range []string{"", "Layer7 check passed", "HTTP status check returned code <3C>503<3E>"} {
				for _, w := range []int{0, 1} {
					for range 2 { // two servers alike but for their address
						n++
						host := fmt.Sprintf("10.0.%d.%d", n/250, n%250)
						r := srv("web", fmt.Sprintf("h%d_%s:80", n, host), status, check(cs), weight(w), checkCode(500+n%3))
						r.SetString(haproxy.ColCheckDesc, desc)
						rows = append(rows, r)
						if n%3 != 0 { // some registered, some not
							regs = append(regs, reg("web", fmt.Sprintf("h%d", n), host, 80))
						}
					}
				}
			}
		}
	}
	for _, registry := range []*sources.Snapshot{nil, zk([]string{"web"}, regs...)} {
		haps := []*haproxy.Snapshot{hap("a", append(proxyRows("web"), rows...)...)}
		memo := Join(registry, haps, Config{Now: t0})
		memoize = false
		anew := Join(registry, haps, Config{Now: t0})
		memoize = true
		if len(memo.Services) != len(anew.Services) {
			t.Fatalf("registry %v: %d services, anew %d", registry != nil, len(memo.Services), len(anew.Services))
		}
		for i, s := range memo.Services {
			for k, in := range s.Instances {
				if want := anew.Services[i].Instances[k]; !reflect.DeepEqual(in.Diagnoses, want.Diagnoses) {
					t.Errorf("registry %v, %s: %+v\nanew: %+v", registry != nil, in.Key, in.Diagnoses, want.Diagnoses)
				}
			}
		}
	}
}
