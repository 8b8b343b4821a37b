package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

var t0 = time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)

// fixture loads a captured moment: show stat via haproxy.ParseStat and the
// registrations listed in zookeeper.txt (path, ephemeralOwner, JSON).
func fixture(t *testing.T, name string) (*sources.Snapshot, *haproxy.Snapshot) {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name + "-show-stat.txt")
	if err != nil {
		t.Fatal(err)
	}
	st, err := haproxy.ParseStat(data)
	if err != nil {
		t.Fatal(err)
	}
	h := &haproxy.Snapshot{Label: "local", Address: "/var/lib/smartstack/haproxy.sock", At: t0, LastGood: t0, Stats: st}
	f, err := os.Open("testdata/" + name + "-zookeeper.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	svc := sources.Service{Name: "svc_a", Path: "/nerve/services/svc_a/services"}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		p := strings.SplitN(line, "\t", 3)
		owner, _ := strconv.ParseUint(strings.TrimPrefix(p[1], "0x"), 16, 64)
		var j struct {
			Host string `json:"host"`
			Port int    `json:"port"`
			Name string `json:"name"`
		}
		if err := json.Unmarshal([]byte(p[2]), &j); err != nil {
			t.Fatal(err)
		}
		node := path.Base(p[0])
		seq, _ := strconv.ParseInt(node[strings.LastIndexByte(node, '_')+1:], 10, 64)
		svc.Registrations = append(svc.Registrations, sources.Registration{Service: "svc_a", Name: j.Name, Host: j.Host, Port: j.Port,
			Path: p[0], Node: node, Seq: seq, Owner: int64(owner)})
	}
	reg := &sources.Snapshot{Kind: sources.KindZooKeeper, Address: "127.0.0.1:2181", State: sources.StateConnected, Synced: true,
		At: t0, LastGood: t0, Services: []sources.Service{svc}}
	return reg, h
}

func zkStatus(reg *sources.Snapshot) SourceStatus {
	return SourceStatus{Kind: string(reg.Kind), Address: reg.Address, State: string(reg.State), Error: reg.Err}
}

func hapStatus(h *haproxy.Snapshot) SourceStatus {
	s := SourceStatus{Kind: "haproxy", Address: h.Address, State: "connected"}
	if h.Err != nil {
		s.State, s.Error = "disconnected", h.Err.Error()
	}
	return s
}

func srv(backend, name, status, check string, scur int64) haproxy.Row {
	return haproxy.Row{Proxy: backend, Type: haproxy.TypeServer,
		Weight: 1, UWeight: 1}.WithString(haproxy.ColName, name).WithString(haproxy.ColStatus, status).WithString(haproxy.ColCheckStatus, check).WithString(haproxy.ColAddr, name[strings.LastIndexByte(name, '_')+1:]).With(haproxy.ColSCur, scur)
}

// cases are the moments rendered by the golden tests.
func cases(t *testing.T) map[string]func() (*state.View, []SourceStatus) {
	return map[string]func() (*state.View, []SourceStatus){
		"stale_session": func() (*state.View, []SourceStatus) {
			reg, h := fixture(t, "stale-session")
			return state.Join(reg, []*haproxy.Snapshot{h}, state.Config{Now: t0}), []SourceStatus{zkStatus(reg), hapStatus(h)}
		},
		"deregistered": func() (*state.View, []SourceStatus) {
			reg, h := fixture(t, "deregistered")
			return state.Join(reg, []*haproxy.Snapshot{h}, state.Config{Now: t0}), []SourceStatus{zkStatus(reg), hapStatus(h)}
		},
		"maintenance": func() (*state.View, []SourceStatus) {
			reg, h := fixture(t, "deregistered")
			mt := &sources.Maintenance{At: t0, Host: sources.Host{Name: "ss-accept-host", Addrs: []string{"127.0.0.1"}}, InstanceID: "ss-accept-host",
				Entries: []sources.MaintenanceEntry{{Kind: sources.MaintHacheck, File: "/var/spool/hacheck/svc_a:31002", Service: "svc_a", Port: 31002,
					Addr: "127.0.0.1:31002", Reason: "disk swap", By: "alice", Since: t0.Add(-40 * time.Minute), Until: t0.Add(-5 * time.Minute)}}}
			return state.Join(reg, []*haproxy.Snapshot{h}, state.Config{Now: t0, Maintenance: mt}), []SourceStatus{zkStatus(reg), hapStatus(h)}
		},
		"haproxy_only_two_sockets": func() (*state.View, []SourceStatus) {
			_, a := fixture(t, "stale-session")
			a.Label = "A"
			b := &haproxy.Snapshot{Label: "B", Address: "10.0.0.2:9999", At: t0, LastGood: t0.Add(-45 * time.Second),
				Err: errors.New("dial tcp 10.0.0.2:9999: connect: connection refused"),
				Stats: &haproxy.Stats{Rows: []haproxy.Row{
					srv("svc_a", "ss-accept-host_127.0.0.1:31001", "UP", "L7OK", 2),
					srv("svc_a", "ss-accept-host_127.0.0.1:31002", "UP", "L7OK", 0),
					srv("svc_b", "web_10.1.1.1:80", "DRAIN", "L7OK", 3),
				}}}
			return state.Join(nil, []*haproxy.Snapshot{a, b}, state.Config{Now: t0}), []SourceStatus{hapStatus(a), hapStatus(b)}
		},
		"registry_stale_and_unmanaged_backend": func() (*state.View, []SourceStatus) {
			reg, h := fixture(t, "deregistered")
			reg.State, reg.LastGood, reg.Err = sources.StateReconnecting, t0.Add(-2*time.Minute), "zk: could not connect to a server"
			reg.Services = append(reg.Services, sources.Service{Name: "svc_empty"})
			h.Stats.Rows = append(h.Stats.Rows, srv("legacy", "old_10.9.9.9:8080", "UP", "L4OK", 1))
			// The Synapse config names its services: "legacy" is not one of them.
			cfg := state.Config{Now: t0, Backends: map[string]string{"svc_a": "svc_a", "svc_empty": "svc_empty"}}
			return state.Join(reg, []*haproxy.Snapshot{h}, cfg), []SourceStatus{zkStatus(reg), hapStatus(h)}
		},
	}
}

func TestTableGolden(t *testing.T) {
	for name, mk := range cases(t) {
		t.Run(name, func(t *testing.T) {
			v, src := mk()
			var b bytes.Buffer
			if err := Table(&b, v, src); err != nil {
				t.Fatal(err)
			}
			golden.RequireEqual(t, b.Bytes())
		})
	}
}

func TestJSONGolden(t *testing.T) {
	for name, mk := range cases(t) {
		t.Run(name, func(t *testing.T) {
			v, src := mk()
			b, err := jsonBytes(v, src)
			if err != nil {
				t.Fatal(err)
			}
			golden.RequireEqual(t, append(b, '\n'))
		})
	}
}

// The issue's minimum schema: every key is present, also when empty.
func TestJSONHasIssueKeys(t *testing.T) {
	v, src := cases(t)["stale_session"]()
	b, err := jsonBytes(v, src)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	need := func(m map[string]any, where string, keys ...string) {
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("%s lacks %q", where, k)
			}
		}
	}
	need(doc, "document", "generated_at", "sources", "services", "haproxy")
	need(doc["sources"].([]any)[0].(map[string]any), "source", "kind", "address", "state", "error")
	svc := doc["services"].([]any)[0].(map[string]any)
	need(svc, "service", "name", "backend", "summary", "instances")
	need(svc["summary"].(map[string]any), "summary", "registered", "up", "worst")
	inst := svc["instances"].([]any)[0].(map[string]any)
	need(inst, "instance", "name", "host", "port", "weight", "labels", "registered", "znode", "haproxy", "diagnoses")
	need(inst["haproxy"].([]any)[0].(map[string]any), "instance haproxy", "socket", "backend", "server", "status", "check_status", "weight", "scur")
	need(inst["diagnoses"].([]any)[0].(map[string]any), "diagnosis", "code", "text")
	sock := doc["haproxy"].([]any)[0].(map[string]any)
	need(sock, "socket", "socket", "state", "servers")
	need(sock["servers"].([]any)[0].(map[string]any), "server", "backend", "server", "addr", "status", "check_status", "weight", "scur", "rate")
}

// Without a registry, every server of every socket still appears, and the
// document decodes back into Document unchanged.
func TestJSONRawSideAndRoundTrip(t *testing.T) {
	v, src := cases(t)["haproxy_only_two_sockets"]()
	b, err := jsonBytes(v, src)
	if err != nil {
		t.Fatal(err)
	}
	var doc Document
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&doc, Build(v, src)) {
		t.Error("document does not round-trip")
	}
	var got []string
	for _, s := range doc.HAProxy {
		for _, r := range s.Servers {
			got = append(got, s.Socket+" "+r.Backend+"/"+r.Server+" "+r.Status)
		}
	}
	want := []string{
		"A svc_a/ss-accept-host_127.0.0.1:31001 UP", "A svc_a/ss-accept-host_127.0.0.1:31002 DOWN",
		"B svc_a/ss-accept-host_127.0.0.1:31001 UP", "B svc_a/ss-accept-host_127.0.0.1:31002 UP", "B svc_b/web_10.1.1.1:80 DRAIN",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("raw servers = %v", got)
	}
	if doc.HAProxy[1].State != "error" || doc.HAProxy[1].LastGood == nil || doc.HAProxy[0].State != "ok" {
		t.Errorf("socket states = %+v", doc.HAProxy)
	}
	if len(doc.Services) != 2 || doc.Services[1].Name != "svc_b" || doc.Services[1].Instances[0].Host != "10.1.1.1" {
		t.Errorf("services = %+v", doc.Services)
	}
}

func TestNilViewAndWriteErrors(t *testing.T) {
	if _, err := jsonBytes(nil, nil); err == nil {
		t.Error("jsonBytes(nil) succeeded")
	}
	if err := Table(&bytes.Buffer{}, nil, nil); err == nil {
		t.Error("Table(nil) succeeded")
	}
	v, src := cases(t)["deregistered"]()
	if err := Table(failWriter{}, v, src); err == nil || !strings.Contains(err.Error(), "writing the table") {
		t.Errorf("write error = %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestJSONMaintenance: an instance this host took out carries the spool
// file, reason, who, since and until (and that its expiry passed), and the
// document lists the host's maintenance in force.
func TestJSONMaintenance(t *testing.T) {
	v, src := cases(t)["maintenance"]()
	b, err := jsonBytes(v, src)
	if err != nil {
		t.Fatal(err)
	}
	var d Document
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if d.Maintenance == nil || d.Maintenance.Host != "ss-accept-host" || len(d.Maintenance.Entries) != 1 {
		t.Fatalf("document maintenance %+v", d.Maintenance)
	}
	var in *InstanceDoc
	for i := range d.Services[0].Instances {
		if d.Services[0].Instances[i].Port == 31002 {
			in = &d.Services[0].Instances[i]
		}
	}
	if in == nil || in.Worst != "maintenance" || len(in.Maintenance) != 1 {
		t.Fatalf("instance %+v", in)
	}
	m := in.Maintenance[0]
	if m.Reason != "disk swap" || m.By != "alice" || !m.Expired || m.Since == nil || m.Until == nil || !m.Until.Equal(t0.Add(-5*time.Minute)) {
		t.Errorf("instance maintenance %+v", m)
	}
	if !strings.Contains(in.Diagnoses[0].Text, "expired at") {
		t.Errorf("diagnosis %q", in.Diagnoses[0].Text)
	}
}
