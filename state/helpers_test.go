package state

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// t0 is the fixed "now" of every test.
var t0 = time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)

// rowOpt adjusts a test row.
type rowOpt func(*haproxy.Row)

func check(cs string) rowOpt { return func(r *haproxy.Row) { r.SetString(haproxy.ColCheckStatus, cs) } }
func checkCode(c int) rowOpt { return func(r *haproxy.Row) { r.CheckCode = int32(c) } }
func weight(w int) rowOpt    { return func(r *haproxy.Row) { r.Weight, r.UWeight = int32(w), int32(w) } }
func scur(n int64) rowOpt    { return func(r *haproxy.Row) { r.Set(haproxy.ColSCur, n) } }
func addr(a string) rowOpt   { return func(r *haproxy.Row) { r.SetString(haproxy.ColAddr, a) } }
func sid(n int) rowOpt       { return func(r *haproxy.Row) { r.SID = int32(n) } }
func rates(rate, req, e5 int64) rowOpt {
	return func(r *haproxy.Row) {
		r.Set(haproxy.ColRate, rate)
		r.Set(haproxy.ColReqRate, req)
		r.Set(haproxy.ColHrsp5xx, e5)
	}
}

// srv is a server row named the Synapse way for name/host:port.
func srv(backend, server, status string, opts ...rowOpt) haproxy.Row {
	r := haproxy.Row{Proxy: backend, Type: haproxy.TypeServer, Weight: 1, UWeight: 1}.WithString(haproxy.ColName, server).WithString(haproxy.ColStatus, status)
	if i := strings.LastIndexByte(server, '_'); i >= 0 {
		r.SetString(haproxy.ColAddr, server[i+1:])
	} else {
		r.SetString(haproxy.ColAddr, server)
	}
	for _, o := range opts {
		o(&r)
	}
	return r
}

// proxyRows are the FRONTEND and BACKEND aggregate rows of a proxy.
func proxyRows(name string) []haproxy.Row {
	return []haproxy.Row{
		haproxy.Row{Proxy: name, Type: haproxy.TypeFrontend}.WithString(haproxy.ColName, "FRONTEND").WithString(haproxy.ColStatus, "OPEN"),
		haproxy.Row{Proxy: name, Type: haproxy.TypeBackend}.WithString(haproxy.ColName, "BACKEND").WithString(haproxy.ColStatus, "UP"),
	}
}

// hap is a readable socket snapshot holding rows (plus the stats listen proxy).
func hap(label string, rows ...haproxy.Row) *haproxy.Snapshot {
	all := append(proxyRows("stats"), rows...)
	return &haproxy.Snapshot{Label: label, Address: "/run/" + label + ".sock", At: t0, LastGood: t0, Stats: &haproxy.Stats{Rows: all}}
}

// regOpt adjusts a test registration.
type regOpt func(*sources.Registration)

func owner(o int64) regOpt { return func(r *sources.Registration) { r.Owner = o } }
func seq(n int64) regOpt {
	return func(r *sources.Registration) {
		r.Seq = n
		r.Node = r.Name + "_" + strconv.FormatInt(n+1e10, 10)[1:]
		r.Path = "/nerve/services/" + r.Service + "/services/" + r.Node
	}
}
func regWeight(w int) regOpt {
	return func(r *sources.Registration) { r.Weight, r.HasWeight = w, true }
}
func malformed(why string) regOpt {
	return func(r *sources.Registration) { r.Malformed = why }
}

// reg is a Nerve registration of service svc.
func reg(svc, name, host string, port int, opts ...regOpt) sources.Registration {
	r := sources.Registration{Service: svc, Name: name, Host: host, Port: port, Seq: 0}
	seq(0)(&r)
	for _, o := range opts {
		o(&r)
	}
	return r
}

// zk is a connected, synced ZooKeeper snapshot; each service key in svcs gets
// the registrations in regs whose Service matches.
func zk(svcs []string, regs ...sources.Registration) *sources.Snapshot {
	s := &sources.Snapshot{Kind: sources.KindZooKeeper, Address: "127.0.0.1:2181", State: sources.StateConnected, At: t0, LastGood: t0, Synced: true}
	for _, name := range svcs {
		sv := sources.Service{Name: name, Path: "/nerve/services/" + name + "/services"}
		for _, r := range regs {
			if r.Service == name {
				sv.Registrations = append(sv.Registrations, r)
			}
		}
		s.Services = append(s.Services, sv)
	}
	return s
}

// svcOf returns the named service of v.
func svcOf(t *testing.T, v *View, name string) *Service {
	t.Helper()
	for i := range v.Services {
		if v.Services[i].Name == name {
			return &v.Services[i]
		}
	}
	var names []string
	for _, s := range v.Services {
		names = append(names, s.Name)
	}
	t.Fatalf("no service %q in view (have %v)", name, names)
	return nil
}

// instOf returns the instance of s whose server name is server.
func instOf(t *testing.T, s *Service, server string) *Instance {
	t.Helper()
	for i := range s.Instances {
		if s.Instances[i].Server == server {
			return &s.Instances[i]
		}
	}
	var names []string
	for _, in := range s.Instances {
		names = append(names, in.Server)
	}
	t.Fatalf("no instance %q in service %s (have %v)", server, s.Name, names)
	return nil
}

func codes(ds []Diagnosis) []Code {
	out := make([]Code, len(ds))
	for i, d := range ds {
		out[i] = d.Code
	}
	return out
}

// loadFixture reads a captured moment: show stat through haproxy.ParseStat
// and zookeeper.txt (path, ephemeralOwner hex, JSON) as registrations.
func loadFixture(t *testing.T, name string) (*sources.Snapshot, *haproxy.Snapshot) {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name + "-show-stat.txt")
	if err != nil {
		t.Fatal(err)
	}
	st, err := haproxy.ParseStat(data)
	if err != nil {
		t.Fatalf("parse %s show stat: %v", name, err)
	}
	h := &haproxy.Snapshot{Label: "local", Address: "/var/lib/smartstack/haproxy.sock", At: t0, LastGood: t0, Stats: st}
	f, err := os.Open("testdata/" + name + "-zookeeper.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var regs []sources.Registration
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		r, err := parseZKLine(line)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		regs = append(regs, r)
	}
	return zk([]string{"svc_a"}, regs...), h
}

// parseZKLine decodes "path<TAB>0xowner<TAB>json" into a registration.
func parseZKLine(line string) (sources.Registration, error) {
	parts := strings.SplitN(line, "\t", 3)
	if len(parts) != 3 {
		return sources.Registration{}, errors.New("want 3 tab-separated fields")
	}
	o, err := strconv.ParseUint(strings.TrimPrefix(parts[1], "0x"), 16, 64)
	if err != nil {
		return sources.Registration{}, err
	}
	var j struct {
		Host string `json:"host"`
		Port int    `json:"port"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal([]byte(parts[2]), &j); err != nil {
		return sources.Registration{}, err
	}
	node := path.Base(parts[0])
	sq, _ := strconv.ParseInt(node[strings.LastIndexByte(node, '_')+1:], 10, 64)
	svc := path.Base(path.Dir(path.Dir(parts[0])))
	return sources.Registration{Service: svc, Name: j.Name, Host: j.Host, Port: j.Port, Path: parts[0], Node: node, Seq: sq,
		Owner: int64(o), Raw: []byte(parts[2]), DataLen: len(parts[2])}, nil
}
