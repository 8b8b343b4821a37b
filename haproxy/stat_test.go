package haproxy

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func findRow(t *testing.T, st *Stats, key string) *Row {
	t.Helper()
	for i := range st.Rows {
		if st.Rows[i].Key() == key {
			return &st.Rows[i]
		}
	}
	t.Fatalf("no row %s", key)
	return nil
}

func TestParseStatCapture(t *testing.T) {
	st, err := ParseStat(readTestdata(t, "stale-session-show-stat.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Rows) != 6 {
		t.Fatalf("rows = %d, want 6", len(st.Rows))
	}
	if st.Fields[0] != "pxname" || st.Fields[len(st.Fields)-1] != "h1_spliced_bytes_out" {
		t.Errorf("fields = %v ... %v", st.Fields[0], st.Fields[len(st.Fields)-1])
	}
	up := findRow(t, st, "svc_a/ss-accept-host_127.0.0.1:31001")
	want := Row{Proxy: "svc_a", Type: TypeServer, IID: 4, SID: 1,
		Weight: 1, UWeight: 1, CheckCode: 200}.WithString(ColName, "ss-accept-host_127.0.0.1:31001").WithString(ColStatus, "UP").WithString(ColCheckStatus, "L7OK").WithString(ColAddr, "127.0.0.1:31001").With(ColAct, 1).WithDuration(ColCheckDuration, time.Millisecond).WithString(ColCheckDesc, "Layer7 check passed").With(ColCheckRise, 2).With(ColCheckFall, 2).With(ColCheckHealth, 3).WithDuration(ColLastChange, 16*time.Second).WithDuration(ColLastSess, -time.Second).WithString(ColMode, "http")
	got := *up
	if !rowsEqual(got, want) {
		t.Errorf("server row\n got %+v\nwant %+v", got, want)
	}
	down := findRow(t, st, "svc_a/ss-accept-host_127.0.0.1:31002")
	if down.Status() != "DOWN" || down.CheckStatus() != "L4CON" || down.ChkFail() != 2 || down.ChkDown() != 1 ||
		down.Downtime() != 3*time.Second || down.LastCheck() != "Connection refused" {
		t.Errorf("down row: %+v", down)
	}
	be := findRow(t, st, "svc_a/BACKEND")
	if be.Type != TypeBackend || be.Algo() != "roundrobin" || be.SLim() != 200 || be.Act() != 1 {
		t.Errorf("backend row: %+v", be)
	}
	if v, ok := be.Field("h1_total_connections"); !ok || v == "" {
		t.Errorf("Field(h1_total_connections) = %q, %v", v, ok)
	}
	if v, ok := be.Field("status"); !ok || v != "UP" {
		t.Errorf("Field(status) = %q, %v", v, ok)
	}
	if _, ok := be.Field("no_such_field"); ok {
		t.Error("Field(no_such_field) reported present")
	}
	fe := findRow(t, st, "svc_a/FRONTEND")
	if fe.Type != TypeFrontend || fe.Status() != "OPEN" || fe.SLim() != 2000 {
		t.Errorf("frontend row: %+v", fe)
	}
	ex := up.ExtraFields()
	if ex["tracked"] != "" || ex["cookie"] != "ss-accept-host_127.0.0.1:31001" {
		t.Errorf("extra: tracked=%q cookie=%q", ex["tracked"], ex["cookie"])
	}
	if _, typed := ex["status"]; typed {
		t.Error("typed field status in ExtraFields")
	}
}

// rowsEqual compares the fields and typed values of two rows.
func rowsEqual(a, b Row) bool {
	return reflect.DeepEqual(typedOnly(a), typedOnly(b))
}

// typedOnly is r without its untyped columns and header.
func typedOnly(r Row) Row {
	var p packer
	p.load(&r)
	p.extra = ""
	r.set, r.vals = p.pack(nil)
	r.hdr = nil
	return r
}

func TestParseStatByHeaderName(t *testing.T) {
	// Reordered, missing and unknown fields, a quoted value with a comma,
	// CRLF line ends and "* " on check_status.
	in := "# svname,pxname,status,future_field,check_status,check_desc,qtime\r\n" +
		"s1,be,UP,42,* L7OK,\"a, \"\"quoted\"\" desc\",7\r\n" +
		"s2,be,DOWN,x,L4TOUT,plain,\r\n\r\n"
	st, err := ParseStat([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Rows) != 2 {
		t.Fatalf("rows = %d", len(st.Rows))
	}
	r := st.Rows[0]
	if r.Proxy != "be" || r.Name() != "s1" || r.Status() != "UP" || r.CheckStatus() != "L7OK" ||
		r.CheckDesc() != `a, "quoted" desc` || r.QTime() != 7*time.Millisecond || r.Weight != 0 {
		t.Errorf("row 0: %+v", r)
	}
	if v, _ := r.Field("future_field"); v != "42" {
		t.Errorf("future_field = %q", v)
	}
	if v, _ := st.Rows[1].Field("future_field"); v != "x" {
		t.Errorf("row 1 future_field = %q", v)
	}
	if st.Rows[1].CheckDesc() != "plain" || st.Rows[1].QTime() != 0 {
		t.Errorf("row 1: %+v", st.Rows[1])
	}
}

func TestParseStatRejects(t *testing.T) {
	for _, in := range []string{"", "Unknown command.\n", "pxname,svname\n"} {
		if _, err := ParseStat([]byte(in)); !errors.Is(err, ErrNotStat) {
			t.Errorf("ParseStat(%q) err = %v, want ErrNotStat", in, err)
		}
	}
}

func TestParseStatHeaderOnly(t *testing.T) {
	st, err := ParseStat([]byte("# pxname,svname,\n"))
	if err != nil || len(st.Rows) != 0 || strings.Join(st.Fields, ",") != "pxname,svname" {
		t.Fatalf("got %+v, %v", st, err)
	}
}

func TestRowStatusWord(t *testing.T) {
	for in, want := range map[string]string{"UP 1/2": "UP", "no check": "no check", "MAINT (via a/b)": "MAINT", "DRAIN": "DRAIN"} {
		r := Row{}.WithString(ColStatus, in)
		if got := r.StatusWord(); got != want {
			t.Errorf("StatusWord(%q) = %q", in, got)
		}
	}
}

// TestFieldDescsMatchRow checks every unsafe store target against the Row
// field's real type, so a reordered or retyped Row field fails here, and
// that every packed value is stored by exactly one column.
func TestFieldDescsMatchRow(t *testing.T) {
	rt := reflect.TypeOf(Row{})
	byOffset := map[uintptr]reflect.StructField{}
	for i := 0; i < rt.NumField(); i++ {
		byOffset[rt.Field(i).Offset] = rt.Field(i)
	}
	cols := map[Col]string{}
	for name, id := range statFieldIDs {
		d := fieldDescs[id]
		switch d.kind {
		case kPInt, kPStr, kPStrStar:
			if other, dup := cols[d.col]; dup {
				t.Errorf("%s and %s both store Col %d", name, other, d.col)
			}
			cols[d.col] = name
			if (d.kind == kPInt) == isStr(d.col) {
				t.Errorf("%s: kind %d for Col %d", name, d.kind, d.col)
			}
			continue
		}
		f, ok := byOffset[d.off]
		if !ok {
			t.Errorf("%s: offset %d is not a field", name, d.off)
			continue
		}
		var want reflect.Kind
		switch d.kind {
		case kIntern:
			want = reflect.String
		case kInt:
			want = reflect.Int32
		case kType:
			want = reflect.Uint8
		default:
			t.Errorf("%s: kind %d", name, d.kind)
			continue
		}
		if f.Type.Kind() != want {
			t.Errorf("%s -> Row.%s is %s, stored as %s", name, f.Name, f.Type.Kind(), want)
		}
	}
	if len(cols) != int(numCols) {
		t.Errorf("%d packed values have a column, want %d", len(cols), numCols)
	}
	if fieldDescs[fNone].kind != kSkip {
		t.Error("fNone must be skipped")
	}
}

// TestParseStatStates reads a capture of HAProxy 2.6 with a drained server,
// an agent-checked server forced down, a backup without checks and a
// disabled one (testdata/states-haproxy.cfg).
func TestParseStatStates(t *testing.T) {
	st, err := ParseStat(readTestdata(t, "states-show-stat.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"be/s1": "DRAIN", "be/s2": "DOWN (agent)", "be/s3": "no check", "be/s4": "MAINT", "be/BACKEND": "UP"} {
		if got := findRow(t, st, key).Status(); got != want {
			t.Errorf("%s status %q, want %q", key, got, want)
		}
	}
	if r := findRow(t, st, "be/s1"); r.Weight != 10 || r.UWeight != 10 {
		t.Errorf("drained s1 weight %d/%d", r.Weight, r.UWeight)
	}
	if r := findRow(t, st, "be/s3"); r.Bck() != 1 || r.Act() != 0 {
		t.Errorf("backup s3 act/bck %d/%d", r.Act(), r.Bck())
	}
	if r := findRow(t, st, "be/BACKEND"); r.Act() != 0 || r.Bck() != 1 {
		t.Errorf("backend act/bck %d/%d (a drained server is not active)", r.Act(), r.Bck())
	}
	ss, err := ParseServersState(readTestdata(t, "states-show-servers-state.txt"))
	if err != nil || len(ss) != 4 {
		t.Fatalf("servers state: %v, %d", err, len(ss))
	}
	if !ss[0].InDrain() || ss[0].InMaint() || !ss[3].InMaint() || ss[3].AdminState&AdminConfigMaint == 0 {
		t.Errorf("admin states: %+v", ss)
	}
	if v, ok := ss[1].Field("srv_agent_port"); v != "11" || !ok {
		t.Errorf("agent port %q %v", v, ok)
	}
}
