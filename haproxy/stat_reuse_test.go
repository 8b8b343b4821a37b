package haproxy

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// parseBoth parses data with c and with ParseStat and fails unless both
// made the same rows.
func parseBoth(t testing.TB, c *StatReuse, data []byte) *Stats {
	t.Helper()
	want, werr := ParseStat(data)
	got, gerr := c.Parse(data)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("error %v, ParseStat's %v", gerr, werr)
	}
	if werr != nil {
		return nil
	}
	if !reflect.DeepEqual(got.Fields, want.Fields) || len(got.Rows) != len(want.Rows) {
		t.Fatalf("%d rows of %v, ParseStat %d of %v", len(got.Rows), got.Fields, len(want.Rows), want.Fields)
	}
	for i := range want.Rows {
		g, w := &got.Rows[i], &want.Rows[i]
		if !reflect.DeepEqual(g.ExtraFields(), w.ExtraFields()) {
			t.Fatalf("row %d: fields %v, ParseStat's %v", i, g.ExtraFields(), w.ExtraFields())
		}
		for _, f := range want.Fields {
			gv, _ := g.Field(f)
			wv, _ := w.Field(f)
			if gv != wv {
				t.Fatalf("row %d: %s = %q, ParseStat's %q", i, f, gv, wv)
			}
		}
		if g.set != w.set || g.vals != w.vals || g.hdr != w.hdr {
			t.Fatalf("row %d: packed %x %q, ParseStat's %x %q", i, g.set, g.vals, w.set, w.vals)
		}
		gc, wc := *g, *w
		gc.vals, wc.vals = "", ""
		if !reflect.DeepEqual(gc, wc) {
			t.Fatalf("row %d: %+v, ParseStat's %+v", i, gc, wc)
		}
	}
	return got
}

const reuseHeader = "# pxname,svname,qcur,scur,status,weight,lastchg,downtime,iid,sid,type,check_status,addr,cookie,mode,\n"

func reuseReply(lines ...string) []byte {
	return []byte(reuseHeader + strings.Join(lines, "\n") + "\n")
}

func TestStatReuseMatchesParseStat(t *testing.T) {
	fe := "web,FRONTEND,,3,OPEN,,,,2,0,0,,,,http,"
	be := func(lastchg string) string { return "web,BACKEND,0,3,UP,2," + lastchg + ",0,3,0,1,,,,http," }
	srv := func(name, status, lastchg string) string {
		return "web," + name + ",0,1," + status + ",1," + lastchg + ",5,3,1,2,L7OK,10.0.0.1:80," + name + ",http,"
	}
	steps := [][]byte{
		reuseReply(fe, srv("a", "UP", "9"), srv("b", "UP", "99"), be("9")),
		reuseReply(fe, srv("a", "UP", "9"), srv("b", "UP", "99"), be("9")),    // the same bytes
		reuseReply(fe, srv("a", "UP", "10"), srv("b", "UP", "100"), be("10")), // lastchg counts up, a digit more
		reuseReply(fe, srv("a", "UP", "11"), srv("b", "DOWN", "0"), be("0")),  // a state change: lastchg back to 0
		reuseReply(fe, srv("a", "UP", "12"), srv("b", "DOWN", "1"), be("1")),  // and from 0
		reuseReply(fe, srv("a", "UP", "13"), srv("b", "DOWN", "2"), be("2")),
		reuseReply(fe, srv("a", "UP", "1"), srv("b", "DOWN", "3"), be("3")), // a digit less
		reuseReply(fe, srv("a", "UP", "-"), srv("b", "DOWN", "4"), be("4")), // not a number
		reuseReply(fe, srv("b", "DOWN", "5"), be("5")),                      // a row gone: the rest moved up
		reuseReply(fe, srv("b", "DOWN", "6"), srv("c", "UP", "6"), be("6")), // a row added
		reuseReply(fe, srv("b", "DOWN", "7,"), be("7")),                     // a comma more
		reuseReply(fe, srv("b", "DOWN", "8")+"\r", be("8")+"\r"),            // CRLF
		reuseReply(fe, srv("b", "DOWN", "9"), be("9")),
		reuseReply(fe, srv("b", "UP", "10"), be("10")),               // lastchg and another column
		[]byte("# pxname,svname,lastchg,status\nweb,BACKEND,9,UP\n"), // another header
		[]byte("# pxname,svname,lastchg,status\nweb,BACKEND,10,UP\n"),
		[]byte("# pxname,svname,check_desc,lastchg\nweb,s,\"a,\nb\",10\n"), // quoted
		[]byte("# pxname,svname,lastchg,status\nweb,BACKEND,11,UP\n"),
		[]byte("Unknown command\n"),
		[]byte("# pxname,svname,lastchg,status\nweb,BACKEND,12,UP\n"),
	}
	var c StatReuse
	var last *Stats
	for i, data := range steps {
		t.Run("", func(t *testing.T) {
			st := parseBoth(t, &c, data)
			switch i {
			case 1: // every row taken as it was
				for k := range st.Rows {
					if unsafe.StringData(st.Rows[k].vals) != unsafe.StringData(last.Rows[k].vals) {
						t.Fatalf("row %d parsed again", k)
					}
				}
			case 2: // the frontend taken, the rest with lastchg replaced
				if unsafe.StringData(st.Rows[0].vals) != unsafe.StringData(last.Rows[0].vals) {
					t.Fatal("an unchanged row was parsed again")
				}
				if unsafe.StringData(st.Rows[1].Proxy) != unsafe.StringData(last.Rows[1].Proxy) {
					t.Fatal("a row whose lastchg alone changed was parsed again") // a parse interns its own proxy names
				}
				if st.Rows[1].LastChange().Seconds() != 10 {
					t.Fatalf("lastchg %v, want 10s", st.Rows[1].LastChange())
				}
			}
			last = st
		})
	}
}

// TestStatReuseKeepsNothingOfTheReply: the reply's buffer is the client's,
// reused for the next command; rows taken from the previous reply must not
// point into it.
func TestStatReuseKeepsNothingOfTheReply(t *testing.T) {
	var c StatReuse
	data := reuseReply("web,s1,0,1,UP,1,9,5,3,1,2,L7OK,10.0.0.1:80,s1,http,")
	if _, err := c.Parse(data); err != nil {
		t.Fatal(err)
	}
	again := reuseReply("web,s1,0,1,UP,1,10,5,3,1,2,L7OK,10.0.0.1:80,s1,http,")
	st, err := c.Parse(again)
	if err != nil {
		t.Fatal(err)
	}
	for i := range data {
		data[i] = 'x'
	}
	for i := range again {
		again[i] = 'x'
	}
	r := &st.Rows[0]
	if r.Name() != "s1" || r.Addr() != "10.0.0.1:80" || r.Mode() != "http" || r.LastChange().Seconds() != 10 || r.Downtime().Seconds() != 5 {
		t.Fatalf("row changed with the reply's buffer: %+v", r)
	}
}

func FuzzStatReuse(f *testing.F) {
	prev := readTestdata(f, "stale-session-show-stat.txt")
	f.Add(prev, []byte(strings.Replace(string(prev), ",UP,", ",DOWN,", 1)))
	f.Add(reuseReply("web,BACKEND,0,3,UP,2,9,0,3,0,1,,,,http,"), reuseReply("web,BACKEND,0,3,UP,2,10,0,3,0,1,,,,http,"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var c StatReuse
		parseBoth(t, &c, a)
		parseBoth(t, &c, b)
		parseBoth(t, &c, a)
	})
}
