package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

// hostileStrings are what issue 14 saw `snapshot` print raw (a registration
// cleared the terminal of whoever ran it and set its title), and relatives.
var hostileStrings = []string{
	"clear\x1b[2J\x1b[Hscreen",
	"title\x1b]0;pwned\x07",
	"web-1\nweb-9\t10.6.6.6:80\tyes\tUP L7OK",
	"red\x1b[31mRED\x1b[0m",
	"csi-c1\u009b2J",
	"rlo\u202eexe.sh",
	"zwj\u200d\ufeff",
	"bad \xff utf8",
	"",
}

// hostileView is a moment where every outside string is name or text: a
// service, its registrations (one malformed), its HAProxy server and check,
// a backend no service covers, a second socket that is down, and a stale
// registry.
func hostileView(name, text string) (*state.View, []SourceStatus) {
	svcPath := "/nerve/services/" + name + "/services"
	reg := &sources.Snapshot{Kind: sources.KindZooKeeper, Address: text, State: sources.StateReconnecting, Err: text,
		At: t0, LastGood: t0.Add(-time.Minute), Synced: true, Services: []sources.Service{{Name: name, Path: svcPath,
			Registrations: []sources.Registration{
				{Service: name, Name: name, Host: "10.9.9.9", Port: 80, Path: svcPath + "/" + name + "_0000000001", Node: name + "_0000000001", Seq: 1},
				{Service: name, Name: name, Path: svcPath + "/" + name + "_0000000002", Node: name + "_0000000002", Seq: 2, Malformed: text},
			}}}}
	a := &haproxy.Snapshot{Label: "local", Address: text, At: t0, LastGood: t0, Stats: &haproxy.Stats{Rows: []haproxy.Row{
		haproxy.Row{Proxy: name, Type: haproxy.TypeServer, CheckCode: 503,
			Weight: 1}.WithString(haproxy.ColName, name+"_10.9.9.9:80").WithString(haproxy.ColStatus, "DOWN "+text).WithString(haproxy.ColCheckStatus, text).WithString(haproxy.ColAddr, "10.9.9.9:80").WithString(haproxy.ColCheckDesc, text),
		haproxy.Row{Proxy: name + "-other", Type: haproxy.TypeServer, Weight: 1}.WithString(haproxy.ColName, name).WithString(haproxy.ColStatus, text).WithString(haproxy.ColCheckStatus, "L4OK").WithString(haproxy.ColAddr, text),
	}}}
	b := &haproxy.Snapshot{Label: name, Address: text, At: t0, LastGood: t0.Add(-time.Minute), Err: errors.New(text)}
	v := state.Join(reg, []*haproxy.Snapshot{a, b}, state.Config{Now: t0})
	return v, []SourceStatus{zkStatus(reg), hapStatus(a), hapStatus(b)}
}

func table(t *testing.T, v *state.View, src []SourceStatus) string {
	t.Helper()
	var b bytes.Buffer
	if err := Table(&b, v, src); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// checkTable asserts the table shows outside text but never obeys it: no
// escape or control in any line, and exactly the table the same moment
// gives when its strings were cleaned before the join, so a tab or line
// break in a name added no column and no row. The JSON of the moment is
// valid and as clean.
func checkTable(t *testing.T, name, text string) {
	t.Helper()
	v, src := hostileView(name, text)
	out := table(t, v, src)
	cv, csrc := hostileView(termtext.Clean(name), termtext.Clean(text))
	for i, l := range strings.Split(out, "\n") {
		if !termtext.IsClean(l) {
			t.Fatalf("name %q, text %q: line %d is not clean: %q", name, text, i, l)
		}
	}
	if want := table(t, cv, csrc); fold(out) != fold(want) {
		t.Fatalf("name %q, text %q: the table differs from the one of cleaned names:\n%s\n----\n%s", name, text, out, want)
	}
	js, err := jsonBytes(v, src)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range string(js) {
		if !termtext.Printable(r) && r != '\n' {
			t.Fatalf("JSON keeps %U: %s", r, js)
		}
	}
	if !json.Valid(js) {
		t.Fatalf("JSON is not valid: %s", js)
	}
}

// fold makes the two tables of checkTable comparable: a clean socket label
// is upper-cased into its column title, a dirty one is not ("\x1b" must not
// become "\X1B"), and %q doubles the backslash of an escape that already
// was text.
func fold(s string) string { return strings.ToLower(strings.ReplaceAll(s, `\\`, `\`)) }

func TestTableHostileText(t *testing.T) {
	for _, s := range hostileStrings {
		checkTable(t, s, s)
	}
	// The attack of issue 14 shows as text.
	v, src := hostileView("web", "clear\x1b[2J\x1b[Hscreen")
	out := table(t, v, src)
	if !strings.Contains(out, `clear\x1b[2J\x1b[Hscreen`) {
		t.Fatalf("the registration's text is not shown escaped:\n%s", out)
	}
}

func FuzzTable(f *testing.F) {
	for _, s := range hostileStrings {
		f.Add(s, s)
	}
	f.Fuzz(checkTable)
}
