package zookeeper

import (
	"bufio"
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/sources"
)

// fixtureLine is one "path<TAB>owner<TAB>data" line of a captured zookeeper.txt.
type fixtureLine struct {
	path  string
	owner int64
	data  []byte
}

func readFixtures(t testing.TB) []fixtureLine {
	t.Helper()
	files, _ := filepath.Glob("testdata/*zookeeper.txt")
	if len(files) == 0 {
		t.Fatal("no testdata/*zookeeper.txt fixtures")
	}
	var out []fixtureLine
	for _, fn := range files {
		f, err := os.Open(fn)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
				continue
			}
			parts := strings.SplitN(line, "\t", 3)
			if len(parts) != 3 {
				t.Fatalf("%s: bad line %q", fn, line)
			}
			owner, err := strconv.ParseInt(strings.TrimPrefix(parts[1], "0x"), 16, 64)
			if err != nil {
				t.Fatalf("%s: owner %q: %v", fn, parts[1], err)
			}
			out = append(out, fixtureLine{parts[0], owner, []byte(parts[2])})
		}
		f.Close()
	}
	return out
}

func TestDecodeFixtures(t *testing.T) {
	for _, fl := range readFixtures(t) {
		node := filepath.Base(fl.path)
		st := sources.NodeStat{EphemeralOwner: fl.owner, Ctime: time.UnixMilli(1000), Mtime: time.UnixMilli(2000), DataLength: int32(len(fl.data))}
		r := DecodeRegistration("svc_a", fl.path, node, fl.data, st)
		if r.Malformed != "" {
			t.Errorf("%s: malformed: %s", fl.path, r.Malformed)
		}
		if r.Host != "127.0.0.1" || r.Name != "ss-accept-host" || (r.Port != 31001 && r.Port != 31002) {
			t.Errorf("%s: decoded %+v", fl.path, r)
		}
		if r.Owner != fl.owner || r.Service != "svc_a" || r.Node != node || r.Path != fl.path {
			t.Errorf("%s: identity fields wrong: %+v", fl.path, r)
		}
		if want, _ := strconv.ParseInt(node[len(node)-10:], 10, 64); r.Seq != want {
			t.Errorf("%s: seq %d, want %d", fl.path, r.Seq, want)
		}
		if r.DataLen != len(fl.data) || string(r.Raw) != string(fl.data) {
			t.Errorf("%s: raw/datalen wrong", fl.path)
		}
		if r.HasWeight {
			t.Errorf("%s: weight set without one in the payload", fl.path)
		}
	}
}

func encName(json string, seq string) string {
	enc := base64.URLEncoding.EncodeToString([]byte(json))
	return "base64_" + strconv.Itoa(len(enc)) + "_" + enc + "_" + seq
}

func TestDecodeNodeName(t *testing.T) {
	payload := `{"host":"10.0.0.1","port":8080,"name":"i-1"}`
	cases := []struct {
		node    string
		prefix  string
		seq     int64
		encoded string
		ok      bool
	}{
		{"mymachine_0000000003", "mymachine", 3, "", true},
		{"my_machine_0000000012", "my_machine", 12, "", true},
		{"noseq", "noseq", -1, "", true},
		{"trailing_", "trailing_", -1, "", true},
		{"abc_12x", "abc_12x", -1, "", true},
		{"_0000000001", "", 1, "", true},
		{encName(payload, "0000000007"), strings.TrimSuffix(encName(payload, "0000000007"), "_0000000007"), 7, payload, true},
		{"base64_4_!!!!_0000000001", "base64_4_!!!!", 1, "", false},
		{"base64_x_abcd_0000000001", "base64_x_abcd", 1, "", false},
		{"base64_400_abcd_0000000001", "base64_400_abcd", 1, "", false},
		{"base64_", "base64_", -1, "", false},
	}
	for _, c := range cases {
		prefix, seq, enc, ok := DecodeNodeName(c.node)
		if prefix != c.prefix || seq != c.seq || string(enc) != c.encoded || ok != c.ok {
			t.Errorf("DecodeNodeName(%q) = %q, %d, %q, %v; want %q, %d, %q, %v",
				c.node, prefix, seq, enc, ok, c.prefix, c.seq, c.encoded, c.ok)
		}
	}
	// Unpadded base64 (Ruby's urlsafe_decode64 accepts it) and "_"/"-" in the text.
	raw := base64.RawURLEncoding.EncodeToString([]byte(`{"host":"h","port":1,"x":"???>>>"}`))
	node := "base64_" + strconv.Itoa(len(raw)) + "_" + raw + "_0000000002"
	if _, _, enc, ok := DecodeNodeName(node); !ok || !strings.Contains(string(enc), "???>>>") {
		t.Errorf("unpadded: ok=%v enc=%q", ok, enc)
	}
}

func TestDecodeRegistration(t *testing.T) {
	st := sources.NodeStat{EphemeralOwner: 42}
	cases := []struct {
		name, node, data string
		want             sources.Registration // only checked fields
		malformed        string               // substring; "" = must be clean
	}{
		{"nerve full", "h_0000000001", `{"host":"1.2.3.4","port":3000,"name":"mymachine","weight":2,"haproxy_server_options":"backup","labels":{"az":"a","n":1}}`,
			sources.Registration{Host: "1.2.3.4", Port: 3000, Name: "mymachine", Weight: 2, HasWeight: true, HAProxyServerOptions: "backup"}, ""},
		{"string port and weight", "h_0000000001", `{"host":"h","port":"3000","weight":"7"}`,
			sources.Registration{Host: "h", Port: 3000, Weight: 7, HasWeight: true}, ""},
		{"float port", "h_0000000001", `{"host":"h","port":3000.0}`, sources.Registration{Host: "h", Port: 3000}, ""},
		{"bad json", "h_0000000001", `{"host":`, sources.Registration{}, "bad JSON"},
		{"array", "h_0000000001", `[1,2]`, sources.Registration{}, "not an object"},
		{"null", "h_0000000001", `null`, sources.Registration{}, "null"},
		{"missing port", "h_0000000001", `{"host":"h"}`, sources.Registration{Host: "h"}, "missing port"},
		{"missing host", "h_0000000001", `{"port":1}`, sources.Registration{Port: 1}, "missing host"},
		{"port range", "h_0000000001", `{"host":"h","port":70000}`, sources.Registration{Host: "h"}, "out of range"},
		{"port zero", "h_0000000001", `{"host":"h","port":0}`, sources.Registration{Host: "h"}, "out of range"},
		{"port text", "h_0000000001", `{"host":"h","port":"http"}`, sources.Registration{Host: "h"}, "not a number"},
		{"weight text", "h_0000000001", `{"host":"h","port":1,"weight":"heavy"}`, sources.Registration{Host: "h", Port: 1}, "weight"},
		{"binary", "h_0000000001", "\x00\x01\xff\xfe", sources.Registration{}, "binary data"},
		{"empty", "services", "", sources.Registration{}, "empty data"},
		{"path encoded", encName(`{"host":"5.6.7.8","port":81,"name":"enc"}`, "0000000004"), `{"host":"5.6.7.8","port":81,"name":"enc"}`,
			sources.Registration{Host: "5.6.7.8", Port: 81, Name: "enc", Seq: 4}, ""},
		{"path encoded name wins", encName(`{"host":"5.6.7.8","port":81}`, "0000000004"), `{"host":"9.9.9.9","port":99}`,
			sources.Registration{Host: "5.6.7.8", Port: 81}, ""},
		{"bad base64 falls back to data", "base64_8_!!!!!!!!_0000000001", `{"host":"9.9.9.9","port":99}`,
			sources.Registration{Host: "9.9.9.9", Port: 99}, ""},
		{"bad base64 and no data", "base64_8_!!!!!!!!_0000000001", ``, sources.Registration{}, "not valid base64"},
		{"encoded non-json", encName(`hello`, "0000000001"), ``, sources.Registration{}, "no Nerve JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := DecodeRegistration("svc", "/x/svc/services/"+c.node, c.node, []byte(c.data), st)
			if c.malformed == "" && r.Malformed != "" {
				t.Fatalf("unexpected malformed: %s", r.Malformed)
			}
			if c.malformed != "" && !strings.Contains(r.Malformed, c.malformed) {
				t.Fatalf("malformed = %q, want it to mention %q", r.Malformed, c.malformed)
			}
			w := c.want
			if r.Host != w.Host || r.Port != w.Port || r.Name != w.Name || r.Weight != w.Weight ||
				r.HasWeight != w.HasWeight || r.HAProxyServerOptions != w.HAProxyServerOptions {
				t.Fatalf("got %+v, want %+v", r, w)
			}
			if w.Seq != 0 && r.Seq != w.Seq {
				t.Fatalf("seq %d, want %d", r.Seq, w.Seq)
			}
			if r.Owner != 42 || r.DataLen != len(c.data) || r.Service != "svc" {
				t.Fatalf("identity fields: %+v", r)
			}
		})
	}
}

func TestDecodeLabelsAndRawCap(t *testing.T) {
	r := DecodeRegistration("s", "/p/h_1", "h_1", []byte(`{"host":"h","port":1,"labels":{"az":"a","n":1}}`), sources.NodeStat{})
	if r.Labels["az"] != "a" || r.Labels["n"] != "1" {
		t.Errorf("labels %v", r.Labels)
	}
	big := []byte(`{"host":"h","port":1,"pad":"` + strings.Repeat("x", 1<<20-200) + `"}`)
	r = DecodeRegistration("s", "/p/h_1", "h_1", big, sources.NodeStat{})
	if r.DataLen != len(big) || len(r.Raw) != len(big) {
		t.Errorf("DataLen %d, len(Raw) %d: want the whole %d bytes", r.DataLen, len(r.Raw), len(big))
	}
	// A valid registration is valid at any size: Synapse takes it.
	if r.Malformed != "" || r.Host != "h" || r.Port != 1 {
		t.Errorf("1 MB payload: malformed %q, host %q port %d; want a valid registration", r.Malformed, r.Host, r.Port)
	}
	if r = DecodeRegistration("s", "/p/h_1", "h_1", big[:len(big)-2], sources.NodeStat{}); !strings.Contains(r.Malformed, "far larger than a Nerve registration") {
		t.Errorf("1 MB of broken JSON: malformed %q, want the size said", r.Malformed)
	}
	huge := make([]byte, MaxRaw+10)
	if r = DecodeRegistration("s", "/p/h_1", "h_1", huge, sources.NodeStat{}); r.DataLen != len(huge) || len(r.Raw) != MaxRaw {
		t.Errorf("DataLen %d, len(Raw) %d: want %d and %d", r.DataLen, len(r.Raw), len(huge), MaxRaw)
	}
	// Raw is a copy: the caller's buffer may be reused.
	data := []byte(`{"host":"h","port":1}`)
	r = DecodeRegistration("s", "/p/h_1", "h_1", data, sources.NodeStat{})
	data[2] = 'X'
	if string(r.Raw) != `{"host":"h","port":1}` {
		t.Errorf("Raw aliases the input: %q", r.Raw)
	}
}

func FuzzDecodeRegistration(f *testing.F) {
	for _, fl := range readFixtures(f) {
		f.Add(filepath.Base(fl.path), fl.data)
	}
	f.Add(encName(`{"host":"h","port":"1","weight":"2","labels":{"a":"b"}}`, "0000000001"), []byte(`{}`))
	f.Add("base64_3_abc_0000000001", []byte("\x00\xff"))
	f.Add("x_1", []byte(`{"host":1,"port":1e400,"weight":-1,"labels":[],"name":{}}`))
	f.Fuzz(func(t *testing.T, node string, data []byte) {
		r := DecodeRegistration("svc", "/p/"+node, node, data, sources.NodeStat{})
		if r.DataLen != len(data) || len(r.Raw) > MaxRaw {
			t.Fatalf("DataLen %d for %d bytes, Raw %d", r.DataLen, len(data), len(r.Raw))
		}
		if r.Malformed == "" && (r.Host == "" || r.Port < 1 || r.Port > 65535) {
			t.Fatalf("clean registration without a usable address: %+v", r)
		}
	})
}

func FuzzDecodeNodeName(f *testing.F) {
	for _, fl := range readFixtures(f) {
		f.Add(filepath.Base(fl.path))
	}
	f.Add(encName(`{"host":"h","port":1}`, "0000000009"))
	f.Add("base64_0__1")
	f.Add("base64_99999999999999999999_x_1")
	f.Add("a_99999999999999999999")
	f.Fuzz(func(t *testing.T, node string) {
		prefix, seq, enc, ok := DecodeNodeName(node)
		if seq < -1 || len(prefix) > len(node) || !strings.HasPrefix(node, prefix) {
			t.Fatalf("DecodeNodeName(%q) = %q, %d", node, prefix, seq)
		}
		if !strings.HasPrefix(node, encodedPrefix) && (!ok || enc != nil) {
			t.Fatalf("plain name %q: ok=%v enc=%q", node, ok, enc)
		}
	})
}

func BenchmarkDecodeRegistration(b *testing.B) {
	data := []byte(`{"host":"10.1.2.1","port":31001,"name":"host-001","weight":2}`)
	for b.Loop() {
		DecodeRegistration("svc", "/nerve/services/svc/services/host-001_0000000001", "host-001_0000000001", data, sources.NodeStat{})
	}
}
