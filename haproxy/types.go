package haproxy

import "time"

// RowType is the kind of a `show stat` row (its `type` field).
type RowType uint8

// Row types, numbered as HAProxy numbers them in the `type` column.
const (
	TypeFrontend RowType = 0
	TypeBackend  RowType = 1
	TypeServer   RowType = 2
	TypeListener RowType = 3
)

// String names the row type the way HAProxy's svname does for aggregates.
func (t RowType) String() string {
	switch t {
	case TypeFrontend:
		return "FRONTEND"
	case TypeBackend:
		return "BACKEND"
	case TypeServer:
		return "server"
	case TypeListener:
		return "listener"
	}
	return "unknown"
}

// Row is one line of `show stat`. Its proxy, type, ids and weights are
// fields; every other value HAProxy writes, its server name, status, check
// status and address included, is kept packed and read with the method of
// its name (Name, Status, SCur, LastChange, CheckDesc, Mode...; see Col). A
// value missing from the header (older HAProxy) or empty in the row is zero.
// Fields with no typed value are kept too: read them with Field or
// ExtraFields.
type Row struct {
	Proxy string // pxname

	// Numbers HAProxy keeps in ints, as int32: 50,000 rows are kept at a
	// time, twice while a full read replaces them.
	IID       int32 // iid: proxy id
	SID       int32 // sid: server id (0 for aggregates)
	Weight    int32 // weight: effective weight
	UWeight   int32 // uweight: user weight
	CheckCode int32 // check_code

	Type RowType // type

	// Preview marks a server row built by PreviewStats from `show servers
	// state`: its state, weight and check are HAProxy's, its counters were
	// not read (zero).
	Preview bool

	set  uint64      // which packed values are non-zero (bit Col), and colExtra
	vals string      // the packed values (see Col), then the untyped columns
	hdr  *statHeader // the header shared by all rows of one Stats
}

// Name is svname: FRONTEND, BACKEND or the server name.
func (r *Row) Name() string { return r.text(ColName) }

// Status is status, e.g. "UP", "DOWN", "MAINT", "DRAIN", "UP 1/2", "no
// check", "OPEN".
func (r *Row) Status() string { return r.text(ColStatus) }

// CheckStatus is check_status, e.g. "L7OK", "L4CON", without HAProxy's "* "
// in-progress prefix.
func (r *Row) CheckStatus() string { return r.text(ColCheckStatus) }

// Addr is addr: "host:port" for servers.
func (r *Row) Addr() string { return r.text(ColAddr) }

// text is Str for the string columns that lead the packed values (ColName
// to ColAddr): every value before c is a string, and its length mostly
// one byte. The join and the diff read them at every server.
func (r *Row) text(c Col) string {
	if r.set&(1<<c) == 0 {
		return ""
	}
	s := r.vals
	for m := r.set & (1<<c - 1); m != 0; m &= m - 1 {
		if n := s[0]; n < 0x80 {
			s = s[1+int(n):]
		} else {
			n, w := uvarint(s)
			s = s[w+int(n):]
		}
	}
	if n := s[0]; n < 0x80 {
		return s[1 : 1+int(n)]
	}
	n, w := uvarint(s)
	return s[w : w+int(n)]
}

// Key identifies a row within one HAProxy: "proxy/name".
func (r *Row) Key() string { return r.Proxy + "/" + r.Name() }

// IsServer reports whether the row is a server (not a frontend, backend or listener).
func (r *Row) IsServer() bool { return r.Type == TypeServer }

// StatusWord is the first word of Status ("UP 1/2" -> "UP", "DOWN 1/2" -> "DOWN",
// "MAINT (via b/s)" -> "MAINT", "no check" -> "no check").
func (r *Row) StatusWord() string {
	s := r.Status()
	if s == "no check" {
		return s
	}
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			return s[:i]
		}
	}
	return s
}

// Stats is a parsed `show stat` reply: the header's field names in order and
// the rows in HAProxy's order.
type Stats struct {
	Fields []string
	Rows   []Row
}

// Info is a parsed `show info` reply: every "Key: value" pair in order, with
// the commonly shown values typed.
type Info struct {
	Fields   []InfoField
	Name     string // Name
	Version  string // Version
	Node     string // node
	PID      int
	Uptime   time.Duration // Uptime_sec
	Nbthread int

	CurrConns, MaxConn    int64 // CurrConns, Maxconn
	CumConns, CumReq      int64
	ConnRate, MaxConnRate int64
	SessRate, MaxSessRate int64
	PipesUsed, PipesFree  int64
	MaxPipes              int64
	IdlePct               int
	Tasks, RunQueue       int64
	Stopping              bool
}

// InfoField is one "Key: value" line of `show info`.
type InfoField struct{ Key, Value string }

// Get returns the value of the named `show info` field, or "".
func (i *Info) Get(key string) string {
	for _, f := range i.Fields {
		if f.Key == key {
			return f.Value
		}
	}
	return ""
}

// ServerState is one line of `show servers state` (format version 1).
type ServerState struct {
	BackendID   int
	Backend     string
	ServerID    int
	Server      string
	Addr        string
	OpState     int // srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping
	AdminState  int // srv_admin_state bit field: 0x01 FMAINT, 0x02 IMAINT, 0x04 CMAINT, 0x08 FDRAIN, 0x10 IDRAIN, 0x20 RMAINT
	UWeight     int
	IWeight     int
	LastChange  time.Duration // srv_time_since_last_change (s)
	CheckStatus int
	CheckResult int
	CheckHealth int
	CheckState  int
	AgentState  int
	Port        int    // srv_port
	FQDN        string // srv_fqdn, "" for "-"

	rec string       // the raw line, for Field
	hdr *stateHeader // the header shared by all lines of one reply
}

// Admin-state bits of `show servers state`, from HAProxy's server.h.
const (
	AdminForcedMaint    = 0x01
	AdminInheritedMaint = 0x02
	AdminConfigMaint    = 0x04
	AdminForcedDrain    = 0x08
	AdminInheritedDrain = 0x10
	AdminResolverMaint  = 0x20
)

// InMaint reports whether any maintenance bit is set.
func (s *ServerState) InMaint() bool {
	return s.AdminState&(AdminForcedMaint|AdminInheritedMaint|AdminConfigMaint|AdminResolverMaint) != 0
}

// InDrain reports whether a drain bit is set.
func (s *ServerState) InDrain() bool {
	return s.AdminState&(AdminForcedDrain|AdminInheritedDrain) != 0
}

// Level is a stats-socket session's privilege level.
type Level string

// The privilege levels of a stats socket session, lowest first.
const (
	LevelUser     Level = "user"
	LevelOperator Level = "operator"
	LevelAdmin    Level = "admin"
)

// Snapshot is what one labelled HAProxy socket showed at one moment. It is an
// immutable value once published: consumers must not modify it.
type Snapshot struct {
	Label   string // the --haproxy label, or the address when unlabelled
	Address string // unix socket path or host:port
	At      time.Time
	Level   Level
	Info    *Info  // nil until the first successful `show info`
	Stats   *Stats // nil until the first successful `show stat`
	// Aggregates are the frontend and backend rows of the latest poll when
	// it re-read only those (a light poll, see sources/hapoll): newer than
	// the same rows in Stats, whose server rows did not change. Nil when
	// Stats is the latest read.
	Aggregates []Row
	// Watched are the server rows of the backends a consumer asked to watch
	// (hapoll's Poller.Watch), re-read by a light poll: newer than the same
	// rows in Stats. Nil when Stats is the latest read.
	Watched []Row
	// Preview: Stats was assembled by PreviewStats while the session's first
	// full `show stat` is read; the next snapshot of this socket replaces it.
	Preview bool
	// Err is the last poll's error, nil when the last poll succeeded. With a
	// non-nil Err, Info and Stats are the last good values (possibly nil) and
	// LastGood says when they were read.
	Err      error
	LastGood time.Time
	// Raw is what the socket replied, when the poller was asked to keep
	// it (hapoll's Poller.KeepRaw, for a recorder); nil otherwise.
	Raw *RawReplies
}

// Poll kinds of RawReplies.Poll (see sources/hapoll).
const (
	PollFull    = "full"    // `show stat`
	PollPartial = "partial" // proxy rows, and the servers of the backends whose row changed
	PollLight   = "light"   // proxy rows, and the servers of the watched backends
	PollPreview = "preview" // `show servers state` and proxy rows, before a session's first full read
)

// RawReplies are the replies a Snapshot was built from, exactly as the
// socket sent them (without the prompt). They are cumulative since the
// session's last full read, so that a recorder that sees only some of the
// snapshots can still write what rebuilds the latest one: Stats is
// MergeServers(rows of Stat, rows of MergeProxies, rows of MergeServers).
// Like the Snapshot, a published RawReplies is never modified.
type RawReplies struct {
	Poll string // PollFull, PollPartial, PollLight or PollPreview
	Info string // this poll's `show info`

	// Stat is the last full `show stat`: the base of Stats. StatSeq counts
	// the full reads of the poller; a new value means a new base.
	Stat    string
	StatSeq uint64
	// MergeProxies is the `show stat -1 3 -1` of the last partial poll
	// since Stat ("" when none), and MergeServers the latest
	// `show stat <iid> 4 -1` of each backend merged since Stat, by iid.
	MergeProxies string
	MergeServers map[int]string

	// A light poll's `show stat -1 3 -1` (Aggregates) and its watched
	// backends' servers (Watched), in the order read.
	LightProxies string
	LightWatched []IIDReply

	// A preview's `show servers state` and `show stat -1 3 -1`.
	ServersState   string
	PreviewProxies string
}

// IIDReply is one backend's `show stat <iid> 4 -1` reply.
type IIDReply struct {
	IID   int
	Reply string
}
