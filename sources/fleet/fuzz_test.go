package fleet

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParseHosts: any hosts file either fails with an error or yields
// distinct, valid hosts whose endpoints parse, and never a login.
func FuzzParseHosts(f *testing.F) {
	f.Add([]byte("web1\nweb2 http://10.0.0.2:8080/;csv # c\n\n10.0.0.3 tcp://10.0.0.3:9999\n"))
	f.Add([]byte("a\na\n"))
	f.Add([]byte("x http://u:p@h/;csv\n"))
	f.Add([]byte("fe80::1 tcp://[fe80::1]:1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := ParseHosts(data)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		tm, _ := ParseTemplate("")
		for _, e := range es {
			if seen[e.Host] {
				t.Fatalf("host %q twice", e.Host)
			}
			seen[e.Host] = true
			if err := validHost(e.Host); err != nil {
				t.Fatalf("accepted host %q: %v", e.Host, err)
			}
		}
		ts, err := Targets(es, tm)
		if err != nil {
			t.Fatalf("Targets of accepted entries: %v", err)
		}
		for _, tg := range ts {
			checkTarget(t, tg)
		}
	})
}

// FuzzTemplate: a template and a host either fail or give an endpoint that
// names that host, carries no login and parses again to the same target.
func FuzzTemplate(f *testing.F) {
	f.Add("http://{host}:3212/;csv", "web1")
	f.Add("https://{host}/haproxy?stats;csv", "10.0.0.1")
	f.Add("tcp://{host}:9999", "::1")
	f.Add("http://{host}@evil/;csv", "x")
	f.Add("http://{host}:3212/;csv", "x/../../y")
	f.Add("http://evil/?{host};csv", "x")
	f.Fuzz(func(t *testing.T, tmpl, host string) {
		tm, err := ParseTemplate(tmpl)
		if err != nil {
			return
		}
		tg, err := tm.For(host)
		if err != nil {
			return
		}
		checkTarget(t, tg)
		if u, _ := url.Parse(endpointURL(tg)); !strings.EqualFold(u.Hostname(), host) {
			t.Fatalf("template %q sends host %q to %q", tmpl, host, u.Hostname())
		}
		again, err := ParseEndpoint(endpointURL(tg))
		if err != nil || again.Kind != tg.Kind || again.Endpoint != tg.Endpoint {
			t.Fatalf("endpoint %q does not parse back: %+v %v", tg.Endpoint, again, err)
		}
	})
}

// endpointURL is the URL form of a target's endpoint.
func endpointURL(tg Target) string {
	if tg.Kind == KindSocket {
		return "tcp://" + tg.Endpoint
	}
	return tg.Endpoint
}

func checkTarget(t *testing.T, tg Target) {
	t.Helper()
	u, err := url.Parse(endpointURL(tg))
	if err != nil {
		t.Fatalf("endpoint %q of %q does not parse: %v", tg.Endpoint, tg.Host, err)
	}
	if u.User != nil {
		t.Fatalf("endpoint %q carries a login", tg.Endpoint)
	}
	if strings.ContainsAny(tg.Endpoint, " \n\r\t\x00") {
		t.Fatalf("endpoint %q has spaces or control characters", tg.Endpoint)
	}
	switch tg.Kind {
	case KindHTTP, KindSocket:
	default:
		t.Fatalf("kind %q", tg.Kind)
	}
}
