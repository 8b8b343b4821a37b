package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
)

// TestLargeHAProxyAsAPersonSeesIt runs the console on an HAProxy of 10,000
// servers, the size from which its first screen is a preview from `show
// servers state`: every service is listed, the counters arrive ("reading
// counters" goes away), and in the HAProxy view the servers on screen move
// at the next refresh although full reads come only every 11 polls — a
// request through svc_000 shows on its server's row within 5 s.
func TestLargeHAProxyAsAPersonSeesIt(t *testing.T) {
	var cfg testenv.HAProxyConfig
	for b := range 100 {
		svc := testenv.HAService{Name: fmt.Sprintf("svc_%03d", b)}
		for s := range 100 { // nothing listens there: requests fail fast
			svc.Servers = append(svc.Servers, testenv.HAServer{Name: fmt.Sprintf("h%02d", s), Addr: fmt.Sprintf("127.0.0.1:%d", 20000+b*100+s)})
		}
		cfg.Services = append(cfg.Services, svc)
	}
	h := testenv.HAProxy(t, cfg)
	term := startTerm(t, 160, 40, tuiEnv(t), binary, "--read-only", "--haproxy", h.Socket)
	term.WaitText(15*time.Second, "svc_000", "1/100") // the footer counts every service
	term.WaitGone(15*time.Second, "reading counters")

	term.Keys("2", "c") // the HAProxy view, TRAFFIC columns: LBTOT, RATE, bytes
	svc0 := func(s string) string {
		var rows []string
		for _, line := range strings.Split(s, "\n") {
			if strings.Contains(line, "_127.0.0.1:200") { // svc_000's servers
				rows = append(rows, line)
			}
		}
		return strings.Join(rows, "\n")
	}
	before := svc0(term.WaitText(5*time.Second, "LBTOT", "h00_127.0.0.1:20000"))
	time.Sleep(1500 * time.Millisecond) // a refresh or two: the rows on screen are now watched
	if now := svc0(term.Screen()); now != before {
		t.Fatalf("svc_000's servers moved with no traffic:\n%s\n---\n%s", before, now)
	}
	resp, err := http.Get("http://" + h.Frontends["svc_000"] + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	term.WaitFor("the request on svc_000's server row", 5*time.Second, func(s string) bool { return svc0(s) != before })

	term.Keys("q")
	term.WaitExit(5*time.Second, 0)
}
