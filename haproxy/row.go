package haproxy

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"time"
	"unsafe"
)

// Col names a `show stat` value that a Row keeps packed rather than in a
// field of its own: the counters, times, check and agent details, mode and
// algorithm. Read them with the Row method of the same name (r.SCur(),
// r.LastChange(), r.CheckDesc(), ...); set them with Row.Set, SetDuration
// and SetString.
//
// Why packed: a console of 50,000 servers keeps every row of the last full
// read, and one field per value made a Row 640 bytes, most of them zeros.
// Packed, a row is 72 bytes and its values cost a byte or two each; the
// strings the join reads at every server (name, status, check status,
// address) come first, where they are found soonest.
type Col uint8

// The packed values, the ones read at every join first (a value is found by
// skipping the set values before it).
const (
	ColName          Col = iota // svname (string; read with Row.Name, as the next three)
	ColStatus                   // status (string)
	ColCheckStatus              // check_status (string, "* " prefix stripped)
	ColAddr                     // addr (string)
	ColSCur                     // scur: current sessions
	ColRate                     // rate: sessions per second
	ColReqRate                  // req_rate: HTTP requests per second
	ColHrsp5xx                  // hrsp_5xx
	ColChkDown                  // chkdown: UP->DOWN transitions
	ColChkFail                  // chkfail: failed checks
	ColLastChange               // lastchg (s): since the last UP<->DOWN transition
	ColAct                      // act: active servers (backend) or 1 if active (server)
	ColBck                      // bck
	ColCheckDesc                // check_desc (string)
	ColAgentStatus              // agent_status (string, "* " prefix stripped)
	ColAgentDesc                // agent_desc (string)
	ColCheckDuration            // check_duration (ms)
	ColCheckHealth              // check_health
	ColCheckRise                // check_rise
	ColCheckFall                // check_fall
	ColLastCheck                // last_chk (string)
	ColQCur                     // qcur
	ColQMax                     // qmax
	ColQLimit                   // qlimit
	ColSMax                     // smax
	ColSLim                     // slim
	ColSTot                     // stot
	ColLBTot                    // lbtot
	ColBIn                      // bin
	ColBOut                     // bout
	ColDReq                     // dreq
	ColDResp                    // dresp
	ColEReq                     // ereq
	ColEConn                    // econ
	ColEResp                    // eresp
	ColWRetr                    // wretr
	ColWRedis                   // wredis
	ColCliAbrt                  // cli_abrt
	ColSrvAbrt                  // srv_abrt
	ColRateLim                  // rate_lim
	ColRateMax                  // rate_max
	ColReqRateMax               // req_rate_max
	ColReqTot                   // req_tot
	ColHrsp1xx                  // hrsp_1xx
	ColHrsp2xx                  // hrsp_2xx
	ColHrsp3xx                  // hrsp_3xx
	ColHrsp4xx                  // hrsp_4xx
	ColHrspOther                // hrsp_other
	ColDowntime                 // downtime (s)
	ColLastSess                 // lastsess (s); -1 when never
	ColQTime                    // qtime (ms), average of the last 1024 requests
	ColCTime                    // ctime (ms)
	ColRTime                    // rtime (ms)
	ColTTime                    // ttime (ms)
	ColMode                     // mode (string): http, tcp
	ColAlgo                     // algo (string, backends)
	ColThrottle                 // throttle (%)

	numCols
)

// colExtra marks, in Row.set, that the untyped columns follow the packed
// values (see Row.ExtraFields).
const colExtra = 63

// strCols are the packed values that are strings; the rest are integers.
const strCols = 1<<ColName | 1<<ColStatus | 1<<ColCheckStatus | 1<<ColAddr | 1<<ColCheckDesc | 1<<ColAgentStatus | 1<<ColAgentDesc | 1<<ColLastCheck | 1<<ColMode | 1<<ColAlgo

func isStr(c Col) bool { return strCols&(uint64(1)<<c) != 0 }

// pos returns the offset in r.vals of c's value; ok is false when c is not
// set (zero, or empty).
func (r *Row) pos(c Col) (int, bool) {
	bit := uint64(1) << c
	if r.set&bit == 0 {
		return 0, false
	}
	i := 0
	s := r.vals
	for m := r.set & (bit - 1); m != 0; m &= m - 1 {
		if isStr(Col(bits.TrailingZeros64(m))) {
			n, w := uvarint(s[i:])
			i += w + int(n)
			continue
		}
		for i < len(s) && s[i] >= 0x80 {
			i++
		}
		i++
	}
	return i, i < len(s)
}

// Int returns a packed integer value (0 when unset), in HAProxy's unit:
// seconds for lastchg, downtime and lastsess, milliseconds for the times.
func (r *Row) Int(c Col) int64 {
	i, ok := r.pos(c)
	if !ok || isStr(c) {
		return 0
	}
	u, _ := uvarint(r.vals[i:])
	return int64(u>>1) ^ -int64(u&1) // zigzag
}

// Str returns a packed string value ("" when unset).
func (r *Row) Str(c Col) string {
	i, ok := r.pos(c)
	if !ok || !isStr(c) {
		return ""
	}
	n, w := uvarint(r.vals[i:])
	return r.vals[i+w : i+w+int(n)]
}

// uvarint reads a varint from s (binary.Uvarint on a string, without
// converting it).
func uvarint(s string) (uint64, int) {
	var x uint64
	var sh uint
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b < 0x80 {
			return x | uint64(b)<<sh, i + 1
		}
		x |= uint64(b&0x7f) << sh
		sh += 7
	}
	return 0, len(s)
}

// Set sets a packed integer value, in HAProxy's unit (see Int). It builds
// the row's packed values anew: for tests and the few rows made by hand,
// not for parsing.
func (r *Row) Set(c Col, v int64) {
	var p packer
	p.load(r)
	p.vals[c], p.strs[c] = v, ""
	r.set, r.vals = p.pack(nil)
}

// SetDuration sets a packed time value, converted to its column's unit.
func (r *Row) SetDuration(c Col, d time.Duration) {
	switch c {
	case ColLastChange, ColDowntime, ColLastSess:
		r.Set(c, int64(d/time.Second))
	default:
		r.Set(c, int64(d/time.Millisecond))
	}
}

// SetString sets a packed string value.
func (r *Row) SetString(c Col, s string) {
	var p packer
	p.load(r)
	p.vals[c], p.strs[c] = 0, s
	r.set, r.vals = p.pack(nil)
}

// packer holds one row's packed values unpacked, to encode them.
type packer struct {
	vals  [numCols]int64
	strs  [numCols]string
	extra string // the untyped columns, already encoded
}

// load unpacks r's values.
func (p *packer) load(r *Row) {
	for c := Col(0); c < numCols; c++ {
		if isStr(c) {
			p.strs[c] = r.Str(c)
		} else {
			p.vals[c] = r.Int(c)
		}
	}
	if r.set&(1<<colExtra) != 0 {
		p.extra = r.vals[r.extraStart():]
	}
}

// pack encodes p's values, into the arena when there is one, and returns
// the set mask and the packed string.
func (p *packer) pack(a *arena) (uint64, string) {
	var set uint64
	n := 0
	for c := Col(0); c < numCols; c++ {
		if isStr(c) {
			if s := p.strs[c]; s != "" {
				set |= 1 << c
				n += binary.MaxVarintLen64 + len(s)
			}
		} else if p.vals[c] != 0 {
			set |= 1 << c
			n += binary.MaxVarintLen64
		}
	}
	if p.extra != "" {
		set |= 1 << colExtra
		n += len(p.extra)
	}
	var b []byte
	if a != nil {
		b = a.grab(n)
	} else {
		b = make([]byte, 0, n)
	}
	for m := set &^ (1 << colExtra); m != 0; m &= m - 1 {
		c := Col(bits.TrailingZeros64(m))
		if isStr(c) {
			b = binary.AppendUvarint(b, uint64(len(p.strs[c])))
			b = append(b, p.strs[c]...)
			continue
		}
		v := p.vals[c]
		b = binary.AppendUvarint(b, uint64(v<<1)^uint64(v>>63))
	}
	b = append(b, p.extra...)
	if a != nil {
		return set, a.keep(b)
	}
	return set, unsafe.String(unsafe.SliceData(b), len(b))
}

// extraStart is where the untyped columns begin in r.vals.
func (r *Row) extraStart() int {
	i, _ := r.pos(colExtra)
	return i
}

// arena hands out the bytes of a parse's strings from blocks shared by
// many rows: one allocation per block instead of several per row, and no
// row keeps the reply it was parsed from.
type arena struct {
	block []byte
	next  int // the size of the next block; 0 before the first
}

// Blocks start small and double up to arenaBlock: a light poll parses five
// small replies every second (the proxy rows, four backends' servers), and a
// whole 64 KB block for each was a fifth of the garbage its parsing made.
const (
	firstArenaBlock = 4 << 10
	arenaBlock      = 64 << 10
)

// grab returns an empty slice with room for n bytes, from the current
// block when it has room.
func (a *arena) grab(n int) []byte {
	if cap(a.block)-len(a.block) < n {
		a.next = min(max(a.next*2, firstArenaBlock), arenaBlock)
		a.block = make([]byte, 0, max(a.next, n))
	}
	return a.block[len(a.block):len(a.block):cap(a.block)]
}

// keep commits b, which was grabbed and appended to within its room, and
// returns it as a string.
func (a *arena) keep(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	a.block = a.block[:len(a.block)+len(b)]
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// str copies s into the arena.
func (a *arena) str(s string) string {
	return a.keep(append(a.grab(len(s)), s...))
}

// interner keeps one copy of the strings many rows repeat (statuses,
// proxy names), for one parse.
type interner struct {
	a    *arena
	last [4]string // the latest values: neighbouring rows mostly agree
	next int
	m    map[string]string
}

func (in *interner) intern(s string) string {
	if s == "" {
		return ""
	}
	for _, l := range in.last {
		if l == s {
			return l
		}
	}
	v, ok := in.m[s]
	if !ok {
		if in.m == nil {
			in.m = map[string]string{}
		}
		v = in.a.str(s)
		in.m[v] = v
	}
	in.last[in.next] = v
	in.next = (in.next + 1) % len(in.last)
	return v
}

// Typed accessors of the packed values, named as the fields they replace.

// SCur is scur: current sessions.
func (r *Row) SCur() int64 { return r.Int(ColSCur) }

// Rate is rate: sessions per second over the last second.
func (r *Row) Rate() int64 { return r.Int(ColRate) }

// ReqRate is req_rate: HTTP requests per second (frontends).
func (r *Row) ReqRate() int64 { return r.Int(ColReqRate) }

// Hrsp5xx is hrsp_5xx: HTTP responses with a 5xx code.
func (r *Row) Hrsp5xx() int64 { return r.Int(ColHrsp5xx) }

// ChkDown is chkdown: UP->DOWN transitions.
func (r *Row) ChkDown() int64 { return r.Int(ColChkDown) }

// ChkFail is chkfail: failed checks.
func (r *Row) ChkFail() int64 { return r.Int(ColChkFail) }

// LastChange is lastchg: the time since the last UP<->DOWN transition.
func (r *Row) LastChange() time.Duration { return time.Duration(r.Int(ColLastChange)) * time.Second }

// Act is act: active servers (backend) or 1 if active (server).
func (r *Row) Act() int { return int(r.Int(ColAct)) }

// Bck is bck: backup servers (backend) or 1 if backup (server).
func (r *Row) Bck() int { return int(r.Int(ColBck)) }

// CheckDesc is check_desc.
func (r *Row) CheckDesc() string { return r.Str(ColCheckDesc) }

// AgentStatus is agent_status, without HAProxy's "* " in-progress prefix.
func (r *Row) AgentStatus() string { return r.Str(ColAgentStatus) }

// AgentDesc is agent_desc.
func (r *Row) AgentDesc() string { return r.Str(ColAgentDesc) }

// CheckDuration is check_duration.
func (r *Row) CheckDuration() time.Duration {
	return time.Duration(r.Int(ColCheckDuration)) * time.Millisecond
}

// CheckHealth is check_health.
func (r *Row) CheckHealth() int { return int(r.Int(ColCheckHealth)) }

// CheckRise is check_rise.
func (r *Row) CheckRise() int { return int(r.Int(ColCheckRise)) }

// CheckFall is check_fall.
func (r *Row) CheckFall() int { return int(r.Int(ColCheckFall)) }

// LastCheck is last_chk.
func (r *Row) LastCheck() string { return r.Str(ColLastCheck) }

// QCur is qcur: queued requests.
func (r *Row) QCur() int64 { return r.Int(ColQCur) }

// QMax is qmax.
func (r *Row) QMax() int64 { return r.Int(ColQMax) }

// QLimit is qlimit.
func (r *Row) QLimit() int64 { return r.Int(ColQLimit) }

// SMax is smax.
func (r *Row) SMax() int64 { return r.Int(ColSMax) }

// SLim is slim.
func (r *Row) SLim() int64 { return r.Int(ColSLim) }

// STot is stot: cumulative sessions.
func (r *Row) STot() int64 { return r.Int(ColSTot) }

// LBTot is lbtot: times the server was selected.
func (r *Row) LBTot() int64 { return r.Int(ColLBTot) }

// BIn is bin: bytes in.
func (r *Row) BIn() int64 { return r.Int(ColBIn) }

// BOut is bout: bytes out.
func (r *Row) BOut() int64 { return r.Int(ColBOut) }

// DReq is dreq: denied requests.
func (r *Row) DReq() int64 { return r.Int(ColDReq) }

// DResp is dresp: denied responses.
func (r *Row) DResp() int64 { return r.Int(ColDResp) }

// EReq is ereq: request errors.
func (r *Row) EReq() int64 { return r.Int(ColEReq) }

// EConn is econ: connection errors.
func (r *Row) EConn() int64 { return r.Int(ColEConn) }

// EResp is eresp: response errors.
func (r *Row) EResp() int64 { return r.Int(ColEResp) }

// WRetr is wretr: retries.
func (r *Row) WRetr() int64 { return r.Int(ColWRetr) }

// WRedis is wredis: redispatches.
func (r *Row) WRedis() int64 { return r.Int(ColWRedis) }

// CliAbrt is cli_abrt: transfers aborted by the client.
func (r *Row) CliAbrt() int64 { return r.Int(ColCliAbrt) }

// SrvAbrt is srv_abrt: transfers aborted by the server.
func (r *Row) SrvAbrt() int64 { return r.Int(ColSrvAbrt) }

// RateLim is rate_lim.
func (r *Row) RateLim() int64 { return r.Int(ColRateLim) }

// RateMax is rate_max.
func (r *Row) RateMax() int64 { return r.Int(ColRateMax) }

// ReqRateMax is req_rate_max.
func (r *Row) ReqRateMax() int64 { return r.Int(ColReqRateMax) }

// ReqTot is req_tot: HTTP requests.
func (r *Row) ReqTot() int64 { return r.Int(ColReqTot) }

// Hrsp1xx is hrsp_1xx.
func (r *Row) Hrsp1xx() int64 { return r.Int(ColHrsp1xx) }

// Hrsp2xx is hrsp_2xx.
func (r *Row) Hrsp2xx() int64 { return r.Int(ColHrsp2xx) }

// Hrsp3xx is hrsp_3xx.
func (r *Row) Hrsp3xx() int64 { return r.Int(ColHrsp3xx) }

// Hrsp4xx is hrsp_4xx.
func (r *Row) Hrsp4xx() int64 { return r.Int(ColHrsp4xx) }

// HrspOther is hrsp_other.
func (r *Row) HrspOther() int64 { return r.Int(ColHrspOther) }

// Downtime is downtime: the total time down.
func (r *Row) Downtime() time.Duration { return time.Duration(r.Int(ColDowntime)) * time.Second }

// LastSess is lastsess: the time since the last session; -1s when never.
func (r *Row) LastSess() time.Duration { return time.Duration(r.Int(ColLastSess)) * time.Second }

// QTime is qtime: the average queue time of the last 1024 requests.
func (r *Row) QTime() time.Duration { return time.Duration(r.Int(ColQTime)) * time.Millisecond }

// CTime is ctime: the average connect time.
func (r *Row) CTime() time.Duration { return time.Duration(r.Int(ColCTime)) * time.Millisecond }

// RTime is rtime: the average response time.
func (r *Row) RTime() time.Duration { return time.Duration(r.Int(ColRTime)) * time.Millisecond }

// TTime is ttime: the average total session time.
func (r *Row) TTime() time.Duration { return time.Duration(r.Int(ColTTime)) * time.Millisecond }

// Mode is mode: http or tcp.
func (r *Row) Mode() string { return r.Str(ColMode) }

// Algo is algo: the balancing algorithm (backends).
func (r *Row) Algo() string { return r.Str(ColAlgo) }

// Throttle is throttle: the slow-start throttle (%).
func (r *Row) Throttle() int { return int(r.Int(ColThrottle)) }

// formatCol is a packed value as `show stat` writes it (Field).
func (r *Row) formatCol(c Col) string {
	if isStr(c) {
		return r.Str(c)
	}
	return strconv.FormatInt(r.Int(c), 10)
}

// With returns a copy of r with a packed integer value set (see Set): for
// rows written out in tests and fixtures.
func (r Row) With(c Col, v int64) Row {
	r.Set(c, v)
	return r
}

// WithDuration returns a copy of r with a packed time value set.
func (r Row) WithDuration(c Col, d time.Duration) Row {
	r.SetDuration(c, d)
	return r
}

// WithString returns a copy of r with a packed string value set.
func (r Row) WithString(c Col, s string) Row {
	r.SetString(c, s)
	return r
}
