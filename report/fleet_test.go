package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/sources/fleet"
	"github.com/stacktui/stacktui/state"
)

var fleetAt = time.Date(2026, 12, 2, 4, 30, 0, 0, time.UTC)

// fleetHost is a readable host with "backend/server STATUS" rows.
func fleetHost(t *testing.T, name string, changed time.Time, servers ...string) fleet.Host {
	t.Helper()
	var b strings.Builder
	b.WriteString("# pxname,svname,type,status,addr,\n")
	for _, s := range servers {
		f := strings.Fields(s)
		be, sv, _ := strings.Cut(f[0], "/")
		fmt.Fprintf(&b, "%s,%s,2,%s,,\n%s,BACKEND,1,UP,,\n", be, sv, f[1], be)
	}
	st, err := haproxy.ParseStat([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	first := fleetAt.Add(-10 * time.Minute)
	return fleet.Host{FleetTarget: fleet.Target{Host: name, Kind: fleet.KindHTTP, Endpoint: "http://" + name + ":3212/;csv"},
		Stats: st, LastGood: fleetAt, FirstRead: first, Changed: map[string]time.Time{"svc_a": changed}}
}

// fleetView is three hosts: one up to date, one whose Synapse is stuck
// since before the registry changed, one dead.
func fleetView(t *testing.T) *state.FleetView {
	reg := &sources.Snapshot{Kind: sources.KindZooKeeper, Address: "zk:2181", State: sources.StateConnected, Synced: true,
		Services: []sources.Service{{Name: "svc_a", Registrations: []sources.Registration{
			{Service: "svc_a", Name: "new", Host: "10.0.0.2", Port: 80, Path: "/nerve/services/svc_a/services/new_0000000001",
				Ctime: fleetAt.Add(-2 * time.Minute)},
		}}}}
	first := fleetAt.Add(-10 * time.Minute)
	dead := fleet.Host{FleetTarget: fleet.Target{Host: "h3", Kind: fleet.KindHTTP, Endpoint: "http://h3:3212/;csv"},
		Err: "connection refused: nothing listens there", LastGood: fleetAt.Add(-time.Minute)}
	fs := &fleet.Snapshot{At: fleetAt, Hosts: []fleet.Host{
		fleetHost(t, "h1", fleetAt.Add(-time.Minute), "svc_a/new_10.0.0.2:80 UP", "svc_a/old_10.0.0.1:80 MAINT"),
		fleetHost(t, "h2", first, "svc_a/old_10.0.0.1:80 UP"),
		dead,
	}}
	return state.JoinFleet(reg, fs, state.FleetConfig{Now: fleetAt, Grace: 30 * time.Second})
}

var fleetSources = []SourceStatus{{Kind: "zookeeper", Address: "zk:2181", State: "connected"}}

func TestFleetTableGolden(t *testing.T) {
	var b bytes.Buffer
	if err := FleetTable(&b, fleetView(t), fleetSources); err != nil {
		t.Fatal(err)
	}
	golden.RequireEqual(t, b.Bytes())
}

func TestFleetJSONGolden(t *testing.T) {
	b, err := FleetJSON(fleetView(t), fleetSources)
	if err != nil {
		t.Fatal(err)
	}
	golden.RequireEqual(t, append(b, '\n'))

	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	svc := doc["services"].([]any)[0].(map[string]any)
	inst := svc["instances"].([]any)[0].(map[string]any)
	byState := inst["hosts_by_state"].(map[string]any)
	if fmt.Sprint(byState["UP"]) != "[h1]" || fmt.Sprint(byState["not at all"]) != "[h2]" || fmt.Sprint(byState["unknown"]) != "[h3]" {
		t.Errorf("hosts_by_state %v", byState)
	}
	f := inst["findings"].([]any)[0].(map[string]any)
	if f["host"] != "h2" || f["kind"] != "missing" || f["stuck"] != true || f["overdue"] != true {
		t.Errorf("finding %v", f)
	}
	if doc["kind"] != "fleet" || doc["grace_seconds"].(float64) != 30 {
		t.Errorf("header %v %v", doc["kind"], doc["grace_seconds"])
	}
}

func TestFleetNilView(t *testing.T) {
	if _, err := FleetJSON(nil, nil); err == nil {
		t.Error("FleetJSON(nil) succeeded")
	}
	if err := FleetTable(&bytes.Buffer{}, nil, nil); err == nil {
		t.Error("FleetTable(nil) succeeded")
	}
}

// TestFleetHostileText: host names from a hosts file are checked, but
// service and server names, errors and a registry address come from
// outside; the fleet table and JSON show them without obeying them.
func TestFleetHostileText(t *testing.T) {
	for _, text := range hostileStrings {
		name := "svc" + text
		reg := &sources.Snapshot{Kind: sources.KindZooKeeper, Address: text, State: sources.StateConnected, Synced: true,
			Services: []sources.Service{{Name: name, Registrations: []sources.Registration{
				{Service: name, Name: text, Host: "10.0.0.2", Port: 80, Ctime: fleetAt.Add(-time.Hour)}}}}}
		st := &haproxy.Stats{Rows: []haproxy.Row{
			haproxy.Row{Proxy: name, Type: haproxy.TypeBackend}.WithString(haproxy.ColName, "BACKEND").WithString(haproxy.ColStatus, "UP"),
			haproxy.Row{Proxy: name, Type: haproxy.TypeServer}.WithString(haproxy.ColName, text+"_10.0.0.9:80").WithString(haproxy.ColStatus, "UP"),
		}}
		fs := &fleet.Snapshot{At: fleetAt, Hosts: []fleet.Host{
			{FleetTarget: fleet.Target{Host: "h1", Endpoint: "http://h1:3212/;csv"}, Stats: st, LastGood: fleetAt, FirstRead: fleetAt},
			{FleetTarget: fleet.Target{Host: "h2", Endpoint: "http://h2:3212/;csv"}, Err: "HTTP 500 " + text},
		}}
		v := state.JoinFleet(reg, fs, state.FleetConfig{Now: fleetAt})
		var b bytes.Buffer
		if err := FleetTable(&b, v, []SourceStatus{{Kind: "zookeeper", Address: text, State: "connected", Error: text}}); err != nil {
			t.Fatal(err)
		}
		for i, l := range strings.Split(b.String(), "\n") {
			if !termtext.IsClean(l) {
				t.Fatalf("text %q: fleet table line %d is not clean: %q", text, i, l)
			}
		}
		js, err := FleetJSON(v, nil)
		if err != nil || !json.Valid(js) {
			t.Fatalf("text %q: fleet JSON %v: %s", text, err, js)
		}
		for _, r := range string(js) {
			if !termtext.Printable(r) && r != '\n' {
				t.Fatalf("text %q: fleet JSON keeps %U", text, r)
			}
		}
	}
}
