package demo

import (
	"strings"
	"testing"

	"github.com/stacktui/stacktui/haproxy"
)

func FuzzParseNerve(f *testing.F) {
	for _, s := range []string{
		`{"host":"127.0.0.1","port":31002,"name":"i-0abc"}`,
		`{"host":"1.2.3.4","port":"3000","name":"mymachine","weight":2}`,
		`{"host":"h","port":1,"name":"n","weight":"7","haproxy_server_options":"backup","labels":{"a":"b"}}`,
		`{"host":"h; disable server x/y","port":1,"name":"n"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseNerve(data)
		if err != nil {
			return
		}
		if r.Port <= 0 || r.Port > 65535 || r.Host == "" || r.Weight < 0 || r.Weight > 256 {
			t.Fatalf("accepted %+v from %q", r, data)
		}
		s := serverFromNerve("svc", r)
		if !strings.HasSuffix(s.Name, s.Addr) {
			t.Fatalf("server name %q does not end in %q", s.Name, s.Addr)
		}
		// What reaches the config and the socket is a plain HAProxy name.
		ok, _ := sanitize(regSet{s.key(): s})
		for _, v := range ok {
			if strings.ContainsAny(v.Name+v.Addr, "; \n\t#") || haproxy.ValidName(v.Name) != nil {
				t.Fatalf("sanitize let %+v through", v)
			}
		}
	})
}
