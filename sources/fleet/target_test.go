package fleet

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stacktui/stacktui/sources"
)

func TestTemplateBuildsEachHostsEndpoint(t *testing.T) {
	cases := []struct {
		tmpl, host string
		want       Target
	}{
		{"", "web1", Target{Host: "web1", Kind: KindHTTP, Endpoint: "http://web1:3212/;csv"}},
		{"http://{host}:8080/haproxy?stats;csv", "10.1.2.3", Target{Host: "10.1.2.3", Kind: KindHTTP, Endpoint: "http://10.1.2.3:8080/haproxy?stats;csv"}},
		{"https://{host}/stats;csv;norefresh", "lb.example.com", Target{Host: "lb.example.com", Kind: KindHTTP, Endpoint: "https://lb.example.com/stats;csv;norefresh"}},
		{"http://{host}:3212/;csv", "fe80::1", Target{Host: "fe80::1", Kind: KindHTTP, Endpoint: "http://[fe80::1]:3212/;csv"}},
		{"tcp://{host}:9999", "web2", Target{Host: "web2", Kind: KindSocket, Endpoint: "web2:9999"}},
		{"tcp://{host}:9999", "::1", Target{Host: "::1", Kind: KindSocket, Endpoint: "[::1]:9999"}},
	}
	for _, c := range cases {
		tm, err := ParseTemplate(c.tmpl)
		if err != nil {
			t.Fatalf("ParseTemplate(%q): %v", c.tmpl, err)
		}
		got, err := tm.For(c.host)
		if err != nil {
			t.Fatalf("%q.For(%q): %v", c.tmpl, c.host, err)
		}
		if got != c.want {
			t.Errorf("%q.For(%q) = %+v, want %+v", c.tmpl, c.host, got, c.want)
		}
	}
}

func TestTemplateRefusals(t *testing.T) {
	for tmpl, want := range map[string]string{
		"http://web1:3212/;csv":           "exactly once",
		"http://{host}/{host};csv":        "exactly once",
		"http://admin:s3cret@{host}/;csv": "secrets never go on the command line",
		"http://{host}:3212/":             "followed by ;csv",
		"ftp://{host}/;csv":               "not http, https or tcp",
		"{host}:9999":                     "scheme",
		"tcp://{host}":                    "tcp://host:port",
		"tcp://{host}:99999":              "not a TCP port",
		"tcp://{host}:9999/show":          "tcp://host:port",
		"http://{host}:3212/;csv#frag":    "followed by ;csv",
		"http://{host}:3212/;csv extra=1": "spaces",
		"http://evil/?{host};csv":         "as the URL's host",
		"http://{host}.evil/;csv":         "as the URL's host",
	} {
		_, err := ParseTemplate(tmpl)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseTemplate(%q) = %v, want an error saying %q", tmpl, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the error repeats the password: %v", err)
		}
	}
	tm, _ := ParseTemplate("")
	for _, host := range []string{"", "web1/x", "web1@evil", "a b", "-x", "web1:80", strings.Repeat("a", 254)} {
		if _, err := tm.For(host); err == nil {
			t.Errorf("For(%q) accepted a host that is not a name or an address", host)
		}
	}
}

func TestParseHosts(t *testing.T) {
	data := []byte(`# the fleet
web1
web2   http://10.0.0.2:8080/;csv   # its stats page is elsewhere

10.0.0.3 tcp://10.0.0.3:9999
`)
	got, err := ParseHosts(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []HostEntry{{"web1", "", 2}, {"web2", "http://10.0.0.2:8080/;csv", 3}, {"10.0.0.3", "tcp://10.0.0.3:9999", 5}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseHosts = %+v, want %+v", got, want)
	}
	tm, _ := ParseTemplate("http://{host}:3212/;csv")
	ts, err := Targets(got, tm)
	if err != nil {
		t.Fatal(err)
	}
	wantT := []Target{
		{Host: "web1", Kind: KindHTTP, Endpoint: "http://web1:3212/;csv"},
		{Host: "web2", Kind: KindHTTP, Endpoint: "http://10.0.0.2:8080/;csv"},
		{Host: "10.0.0.3", Kind: KindSocket, Endpoint: "10.0.0.3:9999"},
	}
	if !reflect.DeepEqual(ts, wantT) {
		t.Fatalf("Targets = %+v, want %+v", ts, wantT)
	}

	for in, want := range map[string]string{
		"web1\nweb1\n":               "line 2: host web1 is already on line 1",
		"web1 http://x/;csv extra\n": "line 1: want HOST [ENDPOINT]",
		"a;b\n":                      "line 1",
		"web1 http://u:p@x/;csv\n":   "secrets never",
		"ok\n\nweb1 gopher://x/\n":   "line 3",
	} {
		_, err := ParseHosts([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseHosts(%q) = %v, want an error with %q", in, err, want)
		}
	}
}

// TestAddHosts: --fleet-host adds hosts to a file's, each once, checked
// as a file's are.
func TestAddHosts(t *testing.T) {
	file := []HostEntry{{"web1", "", 1}}
	got, err := AddHosts(file, []string{"web2", "web1", "10.0.0.3", "web2"})
	want := []HostEntry{{"web1", "", 1}, {"web2", "", 0}, {"10.0.0.3", "", 0}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("AddHosts = %+v, %v; want %+v", got, err, want)
	}
	for _, bad := range []string{"a;b", "-web", "http://web1/"} {
		if _, err := AddHosts(nil, []string{bad}); err == nil {
			t.Errorf("AddHosts(%q) accepted it", bad)
		}
	}
}

func TestDiscoverListsEveryRegisteringHost(t *testing.T) {
	zk := &sources.Snapshot{Kind: sources.KindZooKeeper, Services: []sources.Service{
		{Name: "svc_a", Registrations: []sources.Registration{
			{Host: "10.0.0.2", Port: 1}, {Host: "10.0.0.1", Port: 1}, {Host: "10.0.0.2", Port: 2},
			{Host: "bad host", Port: 3}, {Malformed: "not JSON", Host: "10.0.0.9"},
		}},
		{Name: "svc_b", Registrations: []sources.Registration{{Host: "web3", Port: 1}}},
	}}
	if got, want := Discover(zk), []string{"10.0.0.1", "10.0.0.2", "web3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Discover(zk) = %v, want %v", got, want)
	}
	serf := &sources.Snapshot{Kind: sources.KindSerf, Members: []sources.Member{
		{Name: "n1", Addr: "10.0.1.1:7946", Status: "alive"},
		{Name: "n2", Addr: "10.0.1.2:7946", Status: "failed"},
		{Name: "n3", Addr: "[fe80::3]:7946", Status: "alive"},
	}}
	if got, want := Discover(serf), []string{"10.0.1.1", "fe80::3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Discover(serf) = %v, want %v", got, want)
	}
	if Discover(nil) != nil {
		t.Error("Discover(nil) is not empty")
	}
}
