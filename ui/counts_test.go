package ui

import (
	"errors"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stacktui/stacktui/sources"
)

// The services view's REG column counts instances and fits them: 10000 is
// never cut to "100…", duplicates show as +Ndup (issue 16 items 4 and 10).
func TestServicesRegCountsFit(t *testing.T) {
	big := sources.Service{Name: "svc_big", Path: "/nerve/services/svc_big/services"}
	for i := range 10000 {
		big.Registrations = append(big.Registrations, sources.Registration{Service: "svc_big", Name: "h" + strconv.Itoa(i),
			Host: "10.1." + strconv.Itoa(i/250) + "." + strconv.Itoa(i%250), Port: 8080, Seq: int64(i)})
	}
	m := newTestModel(t, 120, 30, func(o *testOptions) {
		o.Registry.cur.Services = append(o.Registry.cur.Services, big)
	})
	s := screen(m)
	if !regexp.MustCompile(`(?m)^. svc_a +2 \+1dup +1 `).MatchString(s) || !regexp.MustCompile(`(?m)^. svc_big +10000 +0 `).MatchString(s) {
		t.Errorf("REG column:\n%s", s)
	}
}

// Traffic from a read that failed is the last good read's: marked, never
// shown as current (issue 16 item 6).
func TestServicesStaleTrafficMarked(t *testing.T) {
	m := newTestModel(t, 120, 30, func(o *testOptions) {
		h := o.HAProxy.snaps[0]
		h.Err, h.LastGood = errors.New("dial unix /run/local.sock: connection refused"), fixedNow.Add(-5*time.Second)
	})
	s := screen(m)
	if !regexp.MustCompile(`(?m)^. svc_b .* ~13 +~40 `).MatchString(s) {
		t.Errorf("svc_b's sessions and request rate are not marked as a failed read's:\n%s", s)
	}
}
