package report

import (
	"net"
	"strconv"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/state"
)

// SourceStatus is one source's connection state as snapshot prints it: Kind
// is "zookeeper", "serf" or "haproxy"; State a sources.ConnState word
// ("connected", "disconnected", ...); Error the reason in words, or "".
type SourceStatus struct {
	Kind    string `json:"kind"`
	Address string `json:"address"`
	State   string `json:"state"`
	Error   string `json:"error"`
}

// Document is the stable JSON schema of `stacktui snapshot --json`
// (documented field by field in SCHEMA.md). Fields are only ever added:
//
//	{"schema": 1, "generated_at": RFC 3339 time,
//	 "sources": [{"kind", "address", "state", "error"}],
//	 "diagnoses": [{"code", "text"}],   // about the sources themselves
//	 "services": [{"name", "backend",
//	   "summary": {"registered", "up", "up_by_socket", "worst", "scur", "rate", "req_rate", "hrsp_5xx"},
//	   "diagnoses": [{"code", "text"}],
//	   "instances": [{"name", "server", "host", "port", "weight", "labels", "registered",
//	     "znode", "session", "member", "duplicates", "malformed",
//	     "haproxy": [{"socket", "present", "by_addr", "backend", "server", "status", "check_status",
//	                  "check_code", "weight", "scur"}],
//	     "diagnoses": [{"code", "text"}], "worst", "maintenance"}]}],
//	 "haproxy": [{"socket", "address", "state", "error", "last_good",
//	   "servers": [{"backend", "server", "addr", "status", "check_status", "check_code",
//	                "weight", "scur", "rate", "req_rate", "hrsp_5xx"}]}],
//	 "maintenance": {"host", "instance_id", "entries": [{"kind", "file", "service", "port", "addr",
//	   "reason", "by", "since", "until", "expired", "problem"}], "error"}}
type Document struct {
	Schema      int               `json:"schema"`
	GeneratedAt time.Time         `json:"generated_at"`
	Sources     []SourceStatus    `json:"sources"`
	Diagnoses   []state.Diagnosis `json:"diagnoses"`
	Services    []ServiceDoc      `json:"services"`
	HAProxy     []SocketDoc       `json:"haproxy"`
	// Maintenance is this host's durable maintenance in force (omitted when
	// it was not read).
	Maintenance *HostMaintenanceDoc `json:"maintenance,omitempty"`
}

// SchemaVersion is Document.Schema: raised only if a field ever has to change
// meaning (fields are otherwise only added).
const SchemaVersion = 1

// ServiceDoc is one service: its HAProxy backend, roll-up, service-level
// diagnoses and instances (registered first, by server name).
type ServiceDoc struct {
	Name      string            `json:"name"`
	Backend   string            `json:"backend"`
	Summary   state.Summary     `json:"summary"`
	Diagnoses []state.Diagnosis `json:"diagnoses"`
	Instances []InstanceDoc     `json:"instances"`
}

// InstanceDoc is one instance: a registration joined with each socket's
// server, or (registered false) a server no registration explains, whose
// host and port then come from HAProxy's address.
type InstanceDoc struct {
	Name       string            `json:"name"`   // Nerve instance id or Serf member; "" when unregistered
	Server     string            `json:"server"` // the HAProxy server name Synapse uses
	Host       string            `json:"host"`
	Port       int               `json:"port"`
	Weight     *int              `json:"weight"` // registered weight, null when none was given
	Labels     map[string]string `json:"labels"`
	Registered bool              `json:"registered"`
	Znode      string            `json:"znode"`                // ZooKeeper path, "" for Serf or unregistered
	Session    string            `json:"session,omitempty"`    // owning ZooKeeper session, "0x..."
	Member     string            `json:"member,omitempty"`     // Serf member
	Duplicates []string          `json:"duplicates,omitempty"` // other registrations of the same server
	Malformed  string            `json:"malformed,omitempty"`  // why the registration could not be decoded
	HAProxy    []SeenDoc         `json:"haproxy"`              // one per socket, in --haproxy order
	Diagnoses  []state.Diagnosis `json:"diagnoses"`            // most severe first
	Worst      state.Code        `json:"worst"`
	// Maintenance is this host's durable maintenance taking it down.
	Maintenance []MaintenanceDoc `json:"maintenance,omitempty"`
}

// SeenDoc is one socket's view of an instance. Present is false when that
// socket has no such server (or could never be read); the other fields are
// then empty.
type SeenDoc struct {
	Socket      string `json:"socket"`
	Present     bool   `json:"present"`
	ByAddr      bool   `json:"by_addr,omitempty"` // matched by address: HAProxy's name differs
	Backend     string `json:"backend"`
	Server      string `json:"server"`
	Status      string `json:"status"`
	CheckStatus string `json:"check_status"`
	CheckCode   int    `json:"check_code,omitempty"`
	Weight      int    `json:"weight"`
	SCur        int64  `json:"scur"`
}

// SocketDoc is the raw side of one HAProxy socket: every server row, whether
// or not any service claims it. State is "ok", "error" (Error says why;
// servers are the last good read, from LastGood) or "never_read".
type SocketDoc struct {
	Socket   string      `json:"socket"`
	Address  string      `json:"address"`
	State    string      `json:"state"`
	Error    string      `json:"error"`
	LastGood *time.Time  `json:"last_good"`
	Servers  []ServerDoc `json:"servers"`
}

// ServerDoc is one server row of `show stat`.
type ServerDoc struct {
	Backend     string `json:"backend"`
	Server      string `json:"server"`
	Addr        string `json:"addr"`
	Status      string `json:"status"`
	CheckStatus string `json:"check_status"`
	CheckCode   int    `json:"check_code,omitempty"`
	Weight      int    `json:"weight"`
	SCur        int64  `json:"scur"`
	Rate        int64  `json:"rate"`
	ReqRate     int64  `json:"req_rate"`
	Hrsp5xx     int64  `json:"hrsp_5xx"`
}

// Build turns a View and the sources' statuses into the Document that WriteJSON
// writes.
func Build(v *state.View, sources []SourceStatus) *Document {
	d := frame(v, sources)
	for i := range v.Services {
		d.Services = append(d.Services, serviceDoc(v, &v.Services[i]))
	}
	for k, h := range sockets(v) {
		for _, r := range serverRows(h) {
			d.HAProxy[k].Servers = append(d.HAProxy[k].Servers, serverDoc(r))
		}
	}
	return d
}

// sockets is v's sockets that were configured, in Document.HAProxy's order.
func sockets(v *state.View) []*haproxy.Snapshot {
	out := make([]*haproxy.Snapshot, 0, len(v.HAProxy))
	for _, h := range v.HAProxy {
		if h != nil {
			out = append(out, h)
		}
	}
	return out
}

// frame is the Document without its services and its sockets' servers,
// which WriteJSON encodes piece by piece.
func frame(v *state.View, sources []SourceStatus) *Document {
	d := &Document{Schema: SchemaVersion, GeneratedAt: v.At.UTC(), Sources: sources,
		Diagnoses: nonNil(v.Diagnoses), Services: []ServiceDoc{}, HAProxy: []SocketDoc{},
		Maintenance: hostMaintenanceDoc(v.Maintenance, v.At)}
	if d.Sources == nil {
		d.Sources = []SourceStatus{}
	}
	for _, h := range sockets(v) {
		d.HAProxy = append(d.HAProxy, socketDoc(h))
	}
	return d
}

func serviceDoc(v *state.View, s *state.Service) ServiceDoc {
	sd := ServiceDoc{Name: s.Name, Backend: s.Backend, Summary: s.Summary, Diagnoses: nonNil(s.Diagnoses),
		Instances: make([]InstanceDoc, 0, len(s.Instances))}
	for i := range s.Instances {
		sd.Instances = append(sd.Instances, instanceDoc(v, &s.Instances[i]))
	}
	return sd
}

func instanceDoc(v *state.View, in *state.Instance) InstanceDoc {
	d := InstanceDoc{Server: in.Server, Diagnoses: nonNil(in.Diagnoses), Worst: in.Worst, HAProxy: make([]SeenDoc, 0, len(in.HAProxy)),
		Maintenance: maintenanceDocs(in.Maintenance(), v.At)}
	if r := in.Registration; r != nil {
		d.Registered = true
		d.Name, d.Host, d.Port, d.Labels = r.Name, r.Host, r.Port, r.Labels
		if r.HasWeight {
			w := r.Weight
			d.Weight = &w
		}
		d.Znode, d.Member, d.Malformed = r.Path, r.Member, r.Malformed
		if r.Owner != 0 {
			d.Session = "0x" + strconv.FormatUint(uint64(r.Owner), 16)
		}
		for _, dup := range in.Duplicates() {
			d.Duplicates = append(d.Duplicates, dup.ID())
		}
	}
	for si, s := range in.HAProxy {
		sd := SeenDoc{Socket: v.SocketLabel(si)}
		if r := s.Row; r != nil {
			sd = SeenDoc{Socket: sd.Socket, Present: true, ByAddr: s.ByAddr, Backend: r.Proxy, Server: r.Name(), Status: r.Status(),
				CheckStatus: r.CheckStatus(), CheckCode: int(r.CheckCode), Weight: int(r.Weight), SCur: r.SCur()}
			if !d.Registered && d.Host == "" {
				d.Host, d.Port = splitAddr(r.Addr())
			}
		}
		d.HAProxy = append(d.HAProxy, sd)
	}
	return d
}

func socketDoc(h *haproxy.Snapshot) SocketDoc {
	sd := SocketDoc{Socket: h.Label, Address: h.Address, State: "ok", Servers: []ServerDoc{}}
	if sd.Socket == "" {
		sd.Socket = h.Address
	}
	if !h.LastGood.IsZero() {
		t := h.LastGood.UTC()
		sd.LastGood = &t
	}
	switch {
	case h.Err != nil:
		sd.State, sd.Error = "error", h.Err.Error()
	case h.Stats == nil:
		sd.State = "never_read"
	}
	return sd
}

// serverRows is the server rows of h's last good read.
func serverRows(h *haproxy.Snapshot) []*haproxy.Row {
	if h.Stats == nil {
		return nil
	}
	var out []*haproxy.Row
	for i := range h.Stats.Rows {
		if r := &h.Stats.Rows[i]; r.IsServer() {
			out = append(out, r)
		}
	}
	return out
}

// serverDoc is the document of one server row.
func serverDoc(r *haproxy.Row) ServerDoc {
	return ServerDoc{Backend: r.Proxy, Server: r.Name(), Addr: r.Addr(), Status: r.Status(),
		CheckStatus: r.CheckStatus(), CheckCode: int(r.CheckCode), Weight: int(r.Weight), SCur: r.SCur(), Rate: r.Rate(),
		ReqRate: r.ReqRate(), Hrsp5xx: r.Hrsp5xx()}
}

// splitAddr splits HAProxy's "host:port" (or "[v6]:port"); port 0 when absent.
func splitAddr(a string) (string, int) {
	h, p, err := net.SplitHostPort(a)
	if err != nil {
		return a, 0
	}
	n, _ := strconv.Atoi(p)
	return h, n
}

func nonNil(ds []state.Diagnosis) []state.Diagnosis {
	if ds == nil {
		return []state.Diagnosis{}
	}
	return ds
}
