package trace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/stacktui/stacktui/sources"
)

// Magic is the header's "trace" value.
const Magic = "smartstack"

// Version is the format version this package reads and writes.
const Version = 1

// Flavours of a trace (the header's "flavour").
const (
	FlavourZooKeeper = "zookeeper"
	FlavourSerf      = "serf"
)

// Kind is a line's "kind".
type Kind string

// The kinds of lines after the header.
const (
	KindZK      Kind = "zk"
	KindSerf    Kind = "serf"
	KindHAProxy Kind = "haproxy"
	KindNote    Kind = "note"
)

// Registry line states.
const (
	StateConnected   = "connected"
	StateUnreachable = "unreachable"
)

// Header is line 1 of a trace. Every documented key has a field; keys this
// version does not know are kept in Extra, as written, so a program that
// copies a header loses nothing.
type Header struct {
	Trace   string    // always Magic
	Version int       // always Version
	Flavour string    // FlavourZooKeeper, FlavourSerf, or "" (no registry: HAProxy only)
	Started time.Time // when recording started; zero when absent
	Host    string    // the recording host's name
	ZKPath  string    // the ZooKeeper path whose children are services
	// Sockets maps each HAProxy socket's label to the address recorded.
	Sockets map[string]string
	// Registry is the ZooKeeper ensemble ("zk1:2181,zk2:2181") or the Serf
	// agent's RPC address the registry lines were read from (an extension;
	// "" when absent).
	Registry string
	// SynapseConfig and NerveConfigs are the host's configs as written in
	// the trace (objects, or strings holding a config file's text; see
	// Synapse and Nerves), nil when absent.
	SynapseConfig json.RawMessage
	NerveConfigs  json.RawMessage
	HAProxyCfg    string // haproxy.cfg as Synapse generated it
	Description   string
	// Recorder describes the program that wrote the trace (free form).
	Recorder json.RawMessage
	// Extra holds every key not listed above, by name.
	Extra map[string]json.RawMessage
}

// headerWire is the header's JSON form, in the order a writer emits it.
type headerWire struct {
	Trace         string            `json:"trace"`
	Version       int               `json:"version"`
	Flavour       string            `json:"flavour,omitempty"`
	Started       string            `json:"started,omitempty"`
	Host          string            `json:"host,omitempty"`
	ZKPath        string            `json:"zk_path,omitempty"`
	Sockets       map[string]string `json:"sockets,omitempty"`
	Registry      string            `json:"registry,omitempty"`
	SynapseConfig json.RawMessage   `json:"synapse_config,omitempty"`
	NerveConfigs  json.RawMessage   `json:"nerve_configs,omitempty"`
	HAProxyCfg    string            `json:"haproxy_cfg,omitempty"`
	Description   string            `json:"description,omitempty"`
	Recorder      json.RawMessage   `json:"recorder,omitempty"`
}

// headerKeys are the keys headerWire decodes; all others go to Extra.
var headerKeys = map[string]bool{"trace": true, "version": true, "flavour": true, "started": true,
	"host": true, "zk_path": true, "sockets": true, "registry": true, "synapse_config": true,
	"nerve_configs": true, "haproxy_cfg": true, "description": true, "recorder": true}

// MarshalJSON writes the documented keys first, then Extra's in name order.
func (h Header) MarshalJSON() ([]byte, error) {
	w := headerWire{Trace: h.Trace, Version: h.Version, Flavour: h.Flavour, Host: h.Host,
		ZKPath: h.ZKPath, Sockets: h.Sockets, Registry: h.Registry, SynapseConfig: h.SynapseConfig,
		NerveConfigs: h.NerveConfigs, HAProxyCfg: h.HAProxyCfg, Description: h.Description, Recorder: h.Recorder}
	if !h.Started.IsZero() {
		w.Started = formatTime(h.Started)
	}
	b, err := marshal(w)
	if err != nil || len(h.Extra) == 0 {
		return b, err
	}
	keys := make([]string, 0, len(h.Extra))
	for k := range h.Extra {
		if !headerKeys[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	b = b[:len(b)-1] // reopen the object
	for _, k := range keys {
		v := h.Extra[k]
		if !json.Valid(v) {
			return nil, fmt.Errorf("trace header: extra key %q holds invalid JSON", k)
		}
		kb, _ := marshal(k)
		b = append(append(append(append(b, ','), kb...), ':'), bytes.TrimSpace(v)...)
	}
	return append(b, '}'), nil
}

// decodeHeader parses and checks line 1. The messages say what is wrong in
// words; the caller adds the line number.
func decodeHeader(line []byte) (Header, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(line, &raw); err != nil {
		if isTypeErr(err) {
			return Header{}, fmt.Errorf("wrong header: line 1 must be a JSON object {\"trace\": %q, \"version\": %d, ...}", Magic, Version)
		}
		return Header{}, fmt.Errorf("not JSON: %s", jsonErr(err))
	}
	if raw == nil {
		return Header{}, fmt.Errorf("wrong header: line 1 is null, not {\"trace\": %q, ...}", Magic)
	}
	var magic string
	if t, ok := raw["trace"]; !ok || json.Unmarshal(t, &magic) != nil || magic != Magic {
		what := "has no \"trace\" key"
		if ok {
			what = "has \"trace\": " + clip(string(t), 40)
		}
		if _, isLine := raw["kind"]; isLine && !ok {
			what = "is a trace line, not the header (was the header cut off?)"
		}
		return Header{}, fmt.Errorf("wrong header: line 1 %s; a trace starts with {\"trace\": %q, \"version\": %d, ...}", what, Magic, Version)
	}
	var version json.Number
	if v, ok := raw["version"]; !ok {
		return Header{}, fmt.Errorf("wrong header: no \"version\" (this stacktui reads version %d)", Version)
	} else if err := json.Unmarshal(v, &version); err != nil {
		return Header{}, fmt.Errorf("wrong header: \"version\" is %s, not a number", clip(string(v), 40))
	}
	if n, err := version.Int64(); err != nil || n != Version {
		return Header{}, fmt.Errorf("unknown version %s: this stacktui reads version %d traces; a newer stacktui may read it", version, Version)
	}
	var w headerWire
	if err := json.Unmarshal(line, &w); err != nil {
		return Header{}, fmt.Errorf("wrong header: %s", jsonErr(err))
	}
	h := Header{Trace: w.Trace, Version: w.Version, Flavour: w.Flavour, Host: w.Host, ZKPath: w.ZKPath,
		Sockets: w.Sockets, Registry: w.Registry, SynapseConfig: nullToNil(w.SynapseConfig),
		NerveConfigs: nullToNil(w.NerveConfigs), HAProxyCfg: w.HAProxyCfg, Description: w.Description,
		Recorder: nullToNil(w.Recorder)}
	switch h.Flavour {
	case FlavourZooKeeper, FlavourSerf, "":
	default:
		return Header{}, fmt.Errorf("wrong header: flavour %q is neither %q nor %q", h.Flavour, FlavourZooKeeper, FlavourSerf)
	}
	if w.Started != "" {
		t, err := parseTime(w.Started)
		if err != nil {
			return Header{}, fmt.Errorf("wrong header: started %q is not an RFC 3339 time", clip(w.Started, 40))
		}
		h.Started = t
	}
	for k, v := range raw {
		if !headerKeys[k] {
			if h.Extra == nil {
				h.Extra = map[string]json.RawMessage{}
			}
			h.Extra[k] = v
		}
	}
	return h, nil
}

func nullToNil(m json.RawMessage) json.RawMessage {
	if string(bytes.TrimSpace(m)) == "null" {
		return nil
	}
	return m
}

// Line is one line after the header. Exactly one of ZK, Serf, HAProxy and
// Note is set, as Kind says.
type Line struct {
	Num  int       // line number in the file; the header is line 1
	T    time.Time // when the sample was taken
	Kind Kind

	ZK      *ZK
	Serf    *Serf
	HAProxy *HAProxy
	Note    *Note
}

// ZK is the whole registry under zk_path at one instant, or that it could
// not be read.
type ZK struct {
	State string // StateConnected or StateUnreachable
	// Error says why the registry could not be read (unreachable), or,
	// connected, why part of it could not (an extension: e.g. zk_path does
	// not exist).
	Error string
	// SourceState is the live source's connection state when unreachable
	// (an extension: e.g. session_expired); "" when not recorded.
	SourceState sources.ConnState
	// LastGood is, when unreachable, until when the live source held the
	// registry as good (an extension: the moment the connection was lost);
	// zero when not recorded.
	LastGood time.Time
	// Services are the children of zk_path by name (nil when unreachable).
	Services map[string]ZKService
	// Nodes are every registration znode, each under its service's path.
	Nodes []ZKNode
}

// ZKService is one child of zk_path.
type ZKService struct {
	Data []byte // nil when not known (the recorder read Synapse discovery paths)
	// Path is the parent of the service's registrations when it is not
	// <zk_path>/<name>/services (an extension, for Synapse discovery paths).
	Path string
	// Error says why the service's registrations could not be listed (an
	// extension: e.g. the path vanished).
	Error string
}

// ZKNode is one registration znode.
type ZKNode struct {
	Path           string
	Data           []byte
	EphemeralOwner int64 // session id; 0 for persistent nodes
	Ctime, Mtime   int64 // ms since the epoch
	Version        int32
	// ReadError is set when the node was listed but could not be read
	// (an extension: e.g. its ACL refuses us); Data is then empty.
	ReadError string
}

// Serf is the Serf member list at one instant, or that it could not be read.
type Serf struct {
	State       string // StateConnected or StateUnreachable
	Error       string
	SourceState sources.ConnState // as in ZK
	LastGood    time.Time         // as in ZK
	Members     []SerfMember
}

// SerfMember is one member as `serf members -format json` writes it.
type SerfMember struct {
	Name     string            `json:"name"`
	Addr     string            `json:"addr"` // "ip:port" (or a bare ip, with Port)
	Port     int               `json:"port"`
	Tags     map[string]string `json:"tags"`
	Status   string            `json:"status"`
	Protocol json.RawMessage   `json:"protocol,omitempty"`
}

// HAProxy is one sample of one stats socket: the raw replies, exactly as
// the socket sent them, or the error that stopped the poll.
type HAProxy struct {
	Socket string
	Error  string // set when the socket could not be read
	// LastGood is, on an error line, when the socket was last read (an
	// extension: that poll's line may not have been written, when only
	// `show info`'s per-second fields changed); zero when not recorded.
	LastGood time.Time

	ShowInfo         string // `show info`
	ShowStat         string // `show stat` ("" when not read this sample)
	ShowServersState string // `show servers state` ("" when not read)

	// Extensions for the reads of a large HAProxy, applied in this order
	// after ShowStat (see docs/trace-format.md).
	Poll  string        // what the poll read: full, partial, light, preview ("" in version 1 traces)
	Level string        // the session's level: user, operator, admin ("" when not recorded)
	Merge *HAProxyMerge // servers of some backends re-read, merged into the last rows
	Light *HAProxyLight // proxy rows and watched servers read on top of the last rows
	// PreviewProxies, with ShowServersState, is a preview: the proxy rows
	// read before a session's first full `show stat`.
	PreviewProxies string
}

// HAProxyMerge is a partial read: `show stat -1 3 -1` (the frontend and
// backend rows) and `show stat <iid> 4 -1` of some backends, whose rows
// replace the same rows of the last full read.
type HAProxyMerge struct {
	Proxies string     `json:"proxies"`
	Servers []IIDReply `json:"servers,omitempty"`
}

// HAProxyLight is a light read: the proxy rows and the servers of the
// watched backends, newer than the last rows (Snapshot.Aggregates and
// Snapshot.Watched), which they leave as they were.
type HAProxyLight struct {
	Proxies string     `json:"proxies"`
	Servers []IIDReply `json:"watched,omitempty"`
}

// IIDReply is one backend's `show stat <iid> 4 -1` reply.
type IIDReply struct {
	IID   int    `json:"iid"`
	Reply string `json:"reply"`
}

// Note is what was done to the system at that instant: ground truth for a
// reader, never input to a diagnosis.
type Note struct {
	Text string
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z07:00") }

func parseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

// marshal is json.Marshal without HTML escaping: traces hold HAProxy
// replies and configs, where <, > and & are common.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
