package demo

import (
	"strings"
	"testing"
	"time"
)

func testInstances() []*liveInstance {
	ports := make([]int, instanceCount(demoServices))
	for i := range ports {
		ports[i] = 40000 + i
	}
	var out []*liveInstance
	for _, in := range layout(demoServices, nodeNames, ports) {
		out = append(out, &liveInstance{instance: in})
	}
	return out
}

func TestChaosStartsAndEndsTroubles(t *testing.T) {
	insts := testInstances()
	c := newChaos(insts, len(demoServices), time.Second, 3*time.Second, 1)
	t0 := time.Unix(1000, 0)
	c.next = t0
	if h := c.happening(t0.Add(-time.Second)); !strings.HasPrefix(h, "quiet: 14 instances of 5 services; next trouble in ~1s") {
		t.Errorf("quiet line %q", h)
	}
	c.tick(t0)
	if len(c.active) != 1 {
		t.Fatalf("%d troubles after the first due tick", len(c.active))
	}
	e := c.active[0]
	h := c.happening(t0)
	if !strings.HasPrefix(h, e.inst.Service+": "+e.inst.Node+" ") {
		t.Errorf("happening %q does not name %s", h, e.inst.key())
	}
	knobs := func() bool {
		li := e.inst
		return li.failing.Load() || li.nerveOff.Load() || li.nerveBlind.Load() || li.extraDelay.Load() != 0
	}
	if !knobs() {
		t.Error("the trouble changed nothing on its instance")
	}
	// Well past its end and before the next is due, the trouble is undone.
	c.next = e.until.Add(time.Hour)
	c.tick(e.until.Add(time.Second))
	if len(c.active) != 0 || knobs() {
		t.Errorf("trouble not undone: active=%d", len(c.active))
	}
}

func TestChaosNeverHitsOneServiceTwice(t *testing.T) {
	insts := testInstances()
	c := newChaos(insts, len(demoServices), time.Second, time.Hour, 3)
	now := time.Unix(1000, 0)
	for i := 0; i < 10; i++ {
		c.next = now
		c.tick(now)
		now = now.Add(time.Second)
	}
	if len(c.active) != len(demoServices) {
		t.Fatalf("%d troubles, want one per service (%d)", len(c.active), len(demoServices))
	}
	seen := map[string]bool{}
	for _, e := range c.active {
		if seen[e.inst.Service] {
			t.Errorf("two troubles on %s", e.inst.Service)
		}
		seen[e.inst.Service] = true
	}
}

func TestChaosOff(t *testing.T) {
	c := newChaos(testInstances(), 5, -1, time.Second, 1)
	if h := c.happening(time.Now()); h != "chaos off: 14 instances of 5 services" {
		t.Errorf("happening %q", h)
	}
}

// TestChaosBannerCountsUp: "failing its health check for 5s" means it has
// been failing for 5 s, as an on-call engineer reads it; the time the demo
// will end the trouble is said as such.
func TestChaosBannerCountsUp(t *testing.T) {
	t0 := time.Now()
	li := &liveInstance{instance: &instance{Service: "svc_search", Node: "web-3"}}
	for kind, want := range map[chaosKind]string{
		chaosHealth:     "svc_search: web-3 failing its health check for 5s (ends in 15s)",
		chaosDeregister: "svc_search: web-3 deregistered (its Nerve stopped) for 5s (back in 15s)",
		chaosStuck:      "svc_search: web-3 failing its health check for 5s, its Nerve stuck (still registered; ends in 15s)",
		chaosSlow:       "svc_search: web-3 answering 300ms slower for 5s (ends in 15s)",
	} {
		e := &chaosEvent{kind: kind, inst: li, start: t0, until: t0.Add(20 * time.Second)}
		if got := e.describe(t0.Add(5 * time.Second)); got != want {
			t.Errorf("describe = %q, want %q", got, want)
		}
	}
}
