package haproxy

import (
	"strings"
	"testing"
)

func addCaptures(f *testing.F, kind string) {
	for _, c := range []string{"deregistered", "stale-session", "states"} {
		f.Add(readTestdata(f, c+"-"+kind+".txt"))
	}
}

func FuzzParseStat(f *testing.F) {
	addCaptures(f, "show-stat")
	f.Add([]byte("# pxname,svname,check_desc,\nbe,s,\"a,\"\"b\"\nc\",\n"))
	f.Add([]byte("# a\n\"unterminated"))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ParseStat(data)
		if err != nil {
			return
		}
		seen := map[string]int{}
		for _, n := range st.Fields {
			seen[n]++
		}
		for i := range st.Rows {
			r := &st.Rows[i]
			if i < 3 { // Field is O(columns): keep execs fast
				for _, n := range st.Fields {
					r.Field(n)
				}
				r.ExtraFields()
			}
			// A typed field and Field must agree on a unique column.
			if seen["pxname"] == 1 {
				if v, ok := r.Field("pxname"); !ok || v != r.Proxy {
					t.Fatalf("Field(pxname) = %q, %v; Proxy = %q", v, ok, r.Proxy)
				}
			}
			if seen["svname"] == 1 {
				if v, _ := r.Field("svname"); v != r.Name() {
					t.Fatalf("Field(svname) = %q; Name = %q", v, r.Name())
				}
			}
		}
	})
}

func FuzzParseInfo(f *testing.F) {
	addCaptures(f, "show-info")
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := ParseInfo(data)
		if err != nil {
			return
		}
		if len(info.Fields) == 0 {
			t.Fatal("no fields without an error")
		}
		if strings.ContainsRune(string(data), '\r') {
			return
		}
		// Rendering the fields back must parse to the same fields.
		var b strings.Builder
		for _, fl := range info.Fields {
			if strings.Contains(fl.Key, "\n") || strings.Contains(fl.Value, "\n") {
				t.Fatalf("field spans lines: %+v", fl)
			}
			b.WriteString(fl.Key + ": " + fl.Value + "\n")
		}
		again, err := ParseInfo([]byte(b.String()))
		if err != nil || len(again.Fields) != len(info.Fields) {
			t.Fatalf("round trip: %v, %d vs %d fields", err, len(again.Fields), len(info.Fields))
		}
		for i := range again.Fields {
			if again.Fields[i] != info.Fields[i] {
				t.Fatalf("round trip field %d: %+v vs %+v", i, again.Fields[i], info.Fields[i])
			}
		}
	})
}

func FuzzParseServersState(f *testing.F) {
	addCaptures(f, "show-servers-state")
	f.Fuzz(func(t *testing.T, data []byte) {
		ss, err := ParseServersState(data)
		if err != nil {
			return
		}
		for _, s := range ss {
			s.InMaint()
			s.InDrain()
			s.Field("srv_agent_port")
			if strings.ContainsAny(s.Backend+s.Server, " \t\n") {
				t.Fatalf("whitespace in names: %+v", s)
			}
		}
		if pv := PreviewStats(&Stats{}, ss); len(pv.Rows) != len(ss) {
			t.Fatalf("preview of %d servers has %d rows", len(ss), len(pv.Rows))
		}
	})
}

func FuzzValidName(f *testing.F) {
	for _, s := range []string{"svc_a", "ss-accept-host_127.0.0.1:31001", "a;b", "a b", "a\nb", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if ValidName(name) != nil {
			return
		}
		if name == "" || len(name) > MaxNameLen || strings.ContainsAny(name, "; \t\r\n\x00/#,\"'\\") {
			t.Fatalf("ValidName accepted %q", name)
		}
		for _, r := range name {
			if r < 0x21 || r > 0x7e {
				t.Fatalf("ValidName accepted %q (rune %U)", name, r)
			}
		}
	})
}
