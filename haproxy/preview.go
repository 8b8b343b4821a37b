package haproxy

import (
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// PreviewStats assembles a provisional `show stat` from the frontend and
// backend rows of `show stat -1 3 -1` (proxies) and the lines of `show
// servers state` (servers), in `show stat` order. At 50,000 servers the two
// cost HAProxy about a third of a full `show stat`, so a first screen can be
// drawn while the full reply is still being written. It is a PreviewBuilder
// handed every server at once.
//
// Proxy rows are complete. Server rows carry what `show servers state` has
// and have Preview set: their status (its first word exact; the "x/y" of a
// server whose checks are settling and the "via" of an inherited MAINT are
// not in that format), user weight, check result and its description,
// check health, address and time since the last change. Every counter is
// zero because none was read; so are check_rise/check_fall and act/bck.
// Listener rows (socket-stats) are not in either reply and are left out.
func PreviewStats(proxies *Stats, servers []ServerState) *Stats {
	b := NewPreviewBuilder(proxies)
	b.Add(servers)
	return b.Stats()
}

// PreviewBuilder makes PreviewStats's rows while `show servers state` is
// still being read (ServersStateStream.Each): at 50,000 servers making them
// takes 20-50 ms, which then overlaps HAProxy's writing instead of
// following it, and the reply's text and its ServerStates need not be kept.
type PreviewBuilder struct {
	proxies *Stats
	mode    map[int]string // backend iid -> mode
	b       *rowBuilder    // the rows keep nothing of the reply
	// parts are the server rows of each Add, made at their size: one slice
	// grown by append would allocate four times its size at 50,000 rows.
	parts [][]Row
	n     int
	runs  map[int][]run // backend iid -> its runs of rows
	order []int         // backends as they came
}

// run is a stretch of one part's rows, of one backend: parts[part][from:to].
type run struct{ part, from, to int }

// NewPreviewBuilder starts a preview on the proxy rows of `show stat -1 3 -1`.
func NewPreviewBuilder(proxies *Stats) *PreviewBuilder {
	pb := &PreviewBuilder{proxies: proxies, mode: map[int]string{}, b: newRowBuilder(), runs: map[int][]run{}}
	for i := range proxies.Rows {
		if r := &proxies.Rows[i]; r.Type == TypeBackend {
			pb.mode[int(r.IID)] = r.Mode()
		}
	}
	return pb
}

// Add makes the rows of the next servers of the reply; it keeps nothing of
// servers.
func (pb *PreviewBuilder) Add(servers []ServerState) {
	if len(servers) == 0 {
		return
	}
	part, p := make([]Row, len(servers)), len(pb.parts)
	pb.parts = append(pb.parts, part)
	pb.n += len(servers)
	for i := range servers {
		s := &servers[i]
		id := s.BackendID
		rs, ok := pb.runs[id]
		if !ok {
			pb.order = append(pb.order, id)
		}
		if n := len(rs); n > 0 && rs[n-1].part == p && rs[n-1].to == i {
			rs[n-1].to++ // a backend's servers come together: one run a part
		} else {
			pb.runs[id] = append(rs, run{p, i, i + 1})
		}
		previewRow(pb.b, &part[i], s, pb.mode[id])
	}
}

// Servers is how many server rows were made.
func (pb *PreviewBuilder) Servers() int { return pb.n }

// Stats returns the preview: HAProxy lists a backend's servers just before
// its BACKEND row; the servers of a backend with no BACKEND row come last.
func (pb *PreviewBuilder) Stats() *Stats {
	out := &Stats{Fields: pb.proxies.Fields, Rows: make([]Row, 0, len(pb.proxies.Rows)+pb.n)}
	placed := make(map[int]bool, len(pb.runs))
	add := func(iid int) {
		if placed[iid] {
			return
		}
		for _, r := range pb.runs[iid] {
			out.Rows = append(out.Rows, pb.parts[r.part][r.from:r.to]...)
		}
		placed[iid] = true
	}
	for i := range pb.proxies.Rows {
		r := &pb.proxies.Rows[i]
		if r.Type == TypeBackend {
			add(int(r.IID))
		}
		out.Rows = append(out.Rows, *r)
	}
	for _, iid := range pb.order {
		add(iid)
	}
	return out
}

// appendAddr appends s's "host:port" as `show stat` writes it (nothing for
// none) to b.
func appendAddr(b []byte, s *ServerState) []byte {
	a := s.Addr
	if a == "" || a == "-" {
		return b
	}
	if strings.IndexByte(a, ':') >= 0 {
		b = append(append(append(b, '['), a...), ']') // IPv6
	} else {
		b = append(b, a...)
	}
	return strconv.AppendInt(append(b, ':'), int64(s.Port), 10)
}

// previewRow fills r with the `show stat` server row that s describes, as
// far as it can.
func previewRow(b *rowBuilder, r *Row, s *ServerState, mode string) {
	*r = Row{
		Proxy: b.in.intern(s.Backend), Type: TypeServer, IID: int32(s.BackendID), SID: int32(s.ServerID),
		Weight: int32(s.UWeight), UWeight: int32(s.UWeight), Preview: true,
	}
	// The address is formatted into scratch: b.finish copies it into the row.
	b.scratch = appendAddr(b.scratch[:0], s)
	addr := unsafe.String(unsafe.SliceData(b.scratch), len(b.scratch))
	b.p.strs[ColName], b.p.strs[ColStatus], b.p.strs[ColAddr] = s.Server, previewStatus(s), addr
	b.p.vals[ColCheckHealth] = int64(s.CheckHealth)
	b.p.vals[ColLastChange] = int64(s.LastChange / time.Second)
	b.p.strs[ColMode] = mode
	// As `show stat`: a check result only while checks run (not paused by MAINT).
	if s.CheckState&(checkEnabled|checkPaused) == checkEnabled {
		if s.CheckStatus >= 0 && s.CheckStatus < len(checkStatuses) {
			b.p.strs[ColCheckStatus], b.p.strs[ColCheckDesc] = checkStatuses[s.CheckStatus][0], checkStatuses[s.CheckStatus][1]
		}
	}
	b.finish(r)
}

// Bits of srv_check_state and srv_agent_state (HAProxy's CHK_ST_*).
const (
	checkEnabled = 0x04
	checkPaused  = 0x08
)

// Operational states of srv_op_state (HAProxy's SRV_ST_*).
const (
	opStarting = 1
	opRunning  = 2
	opStopping = 3
)

// previewStatus follows HAProxy's stats_fill_sv_computestate and its MAINT
// precedence, without what `show servers state` lacks (rise, fall, agent
// health, the tracked server).
func previewStatus(s *ServerState) string {
	switch {
	case s.AdminState&AdminResolverMaint != 0:
		return "MAINT (resolution)"
	case s.AdminState&(AdminForcedMaint|AdminInheritedMaint) != 0:
		return "MAINT"
	}
	switch s.OpState {
	case opRunning, opStarting:
		if s.InDrain() {
			if s.AgentState&checkEnabled != 0 {
				return "DRAIN (agent)"
			}
			return "DRAIN"
		}
		if s.CheckState&checkEnabled == 0 {
			return "no check"
		}
		return "UP"
	case opStopping:
		return "NOLB"
	}
	return "DOWN"
}

// checkStatuses is HAProxy's check_statuses table (info, description),
// indexed by srv_check_status (enum healthcheck_status, unchanged from 1.5
// to 3.x). The two internal values HAProxy never reports stay empty.
var checkStatuses = [...][2]string{
	{"UNK", "Unknown"},
	{"INI", "Initializing"},
	{"", ""}, // HCHK_STATUS_START
	{"CHECKED", "No status change"},
	{"HANA", "Health analyze"},
	{"SOCKERR", "Socket error"},
	{"L4OK", "Layer4 check passed"},
	{"L4TOUT", "Layer4 timeout"},
	{"L4CON", "Layer4 connection problem"},
	{"L6OK", "Layer6 check passed"},
	{"L6TOUT", "Layer6 timeout"},
	{"L6RSP", "Layer6 invalid response"},
	{"L7TOUT", "Layer7 timeout"},
	{"L7RSP", "Layer7 invalid response"},
	{"", ""}, // HCHK_STATUS_L57DATA
	{"L7OK", "Layer7 check passed"},
	{"L7OKC", "Layer7 check conditionally passed"},
	{"L7STS", "Layer7 wrong status"},
	{"PROCERR", "External check error"},
	{"PROCTOUT", "External check timeout"},
	{"PROCOK", "External check passed"},
}
