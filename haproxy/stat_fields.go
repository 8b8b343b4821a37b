package haproxy

import (
	"encoding/binary"
	"math/bits"
	"strings"
	"unsafe"
)

// fieldID names a typed Row field; fNone columns go to Extra.
type fieldID uint8

const (
	fNone fieldID = iota
	fPxname
	fSvname
	fType
	fIID
	fSID
	fStatus
	fWeight
	fUWeight
	fAct
	fBck
	fCheckStatus
	fCheckCode
	fCheckDuration
	fCheckDesc
	fCheckHealth
	fCheckRise
	fCheckFall
	fAgentStatus
	fAgentDesc
	fLastChk
	fQCur
	fQMax
	fQLimit
	fSCur
	fSMax
	fSLim
	fSTot
	fLBTot
	fBIn
	fBOut
	fDReq
	fDResp
	fEReq
	fEConn
	fEResp
	fWRetr
	fWRedis
	fChkFail
	fChkDown
	fCliAbrt
	fSrvAbrt
	fRate
	fRateLim
	fRateMax
	fReqRate
	fReqRateMax
	fReqTot
	fHrsp1xx
	fHrsp2xx
	fHrsp3xx
	fHrsp4xx
	fHrsp5xx
	fHrspOther
	fLastChg
	fDowntime
	fLastSess
	fQTime
	fCTime
	fRTime
	fTTime
	fAddr
	fMode
	fAlgo
	fThrottle
)

var statFieldIDs = map[string]fieldID{
	"pxname": fPxname, "svname": fSvname, "type": fType, "iid": fIID, "sid": fSID,
	"status": fStatus, "weight": fWeight, "uweight": fUWeight, "act": fAct, "bck": fBck,
	"check_status": fCheckStatus, "check_code": fCheckCode, "check_duration": fCheckDuration,
	"check_desc": fCheckDesc, "check_health": fCheckHealth, "check_rise": fCheckRise,
	"check_fall": fCheckFall, "agent_status": fAgentStatus, "agent_desc": fAgentDesc,
	"last_chk": fLastChk, "qcur": fQCur, "qmax": fQMax, "qlimit": fQLimit,
	"scur": fSCur, "smax": fSMax, "slim": fSLim, "stot": fSTot, "lbtot": fLBTot,
	"bin": fBIn, "bout": fBOut, "dreq": fDReq, "dresp": fDResp, "ereq": fEReq,
	"econ": fEConn, "eresp": fEResp, "wretr": fWRetr, "wredis": fWRedis,
	"chkfail": fChkFail, "chkdown": fChkDown, "cli_abrt": fCliAbrt, "srv_abrt": fSrvAbrt,
	"rate": fRate, "rate_lim": fRateLim, "rate_max": fRateMax, "req_rate": fReqRate,
	"req_rate_max": fReqRateMax, "req_tot": fReqTot, "hrsp_1xx": fHrsp1xx,
	"hrsp_2xx": fHrsp2xx, "hrsp_3xx": fHrsp3xx, "hrsp_4xx": fHrsp4xx, "hrsp_5xx": fHrsp5xx,
	"hrsp_other": fHrspOther, "lastchg": fLastChg, "downtime": fDowntime,
	"lastsess": fLastSess, "qtime": fQTime, "ctime": fCTime, "rtime": fRTime,
	"ttime": fTTime, "addr": fAddr, "mode": fMode, "algo": fAlgo, "throttle": fThrottle,
}

func statFieldID(name string) fieldID { return statFieldIDs[name] }

// colKind says how a typed column is stored.
type colKind uint8

const (
	kSkip     colKind = iota // no typed value: kept with the untyped columns
	kIntern                  // string field many rows repeat: interned
	kInt                     // int32 field
	kType                    // the RowType field
	kPInt                    // packed integer (in HAProxy's unit)
	kPStr                    // packed string
	kPStrStar                // packed string without the "* " prefix
)

// colDesc is where and how one column's value is stored in a Row.
type colDesc struct {
	kind colKind
	off  uintptr // offset of the field in Row (field kinds)
	col  Col     // the packed value (packed kinds)
}

func fieldAt(k colKind, off uintptr) colDesc { return colDesc{kind: k, off: off} }
func packedAs(k colKind, c Col) colDesc      { return colDesc{kind: k, col: c} }

// fieldDescs maps each typed field to its storage. The hot loop writes
// fields through these offsets instead of a 60-way switch per value, which
// halves the parse time at 50,000 servers; FuzzParseStat checks the result.
var fieldDescs = [...]colDesc{
	fPxname:        fieldAt(kIntern, unsafe.Offsetof(Row{}.Proxy)),
	fSvname:        packedAs(kPStr, ColName),
	fType:          fieldAt(kType, unsafe.Offsetof(Row{}.Type)),
	fIID:           fieldAt(kInt, unsafe.Offsetof(Row{}.IID)),
	fSID:           fieldAt(kInt, unsafe.Offsetof(Row{}.SID)),
	fStatus:        packedAs(kPStr, ColStatus),
	fWeight:        fieldAt(kInt, unsafe.Offsetof(Row{}.Weight)),
	fUWeight:       fieldAt(kInt, unsafe.Offsetof(Row{}.UWeight)),
	fAct:           packedAs(kPInt, ColAct),
	fBck:           packedAs(kPInt, ColBck),
	fCheckStatus:   packedAs(kPStrStar, ColCheckStatus),
	fCheckCode:     fieldAt(kInt, unsafe.Offsetof(Row{}.CheckCode)),
	fCheckDuration: packedAs(kPInt, ColCheckDuration),
	fCheckDesc:     packedAs(kPStr, ColCheckDesc),
	fCheckHealth:   packedAs(kPInt, ColCheckHealth),
	fCheckRise:     packedAs(kPInt, ColCheckRise),
	fCheckFall:     packedAs(kPInt, ColCheckFall),
	fAgentStatus:   packedAs(kPStrStar, ColAgentStatus),
	fAgentDesc:     packedAs(kPStr, ColAgentDesc),
	fLastChk:       packedAs(kPStr, ColLastCheck),
	fQCur:          packedAs(kPInt, ColQCur),
	fQMax:          packedAs(kPInt, ColQMax),
	fQLimit:        packedAs(kPInt, ColQLimit),
	fSCur:          packedAs(kPInt, ColSCur),
	fSMax:          packedAs(kPInt, ColSMax),
	fSLim:          packedAs(kPInt, ColSLim),
	fSTot:          packedAs(kPInt, ColSTot),
	fLBTot:         packedAs(kPInt, ColLBTot),
	fBIn:           packedAs(kPInt, ColBIn),
	fBOut:          packedAs(kPInt, ColBOut),
	fDReq:          packedAs(kPInt, ColDReq),
	fDResp:         packedAs(kPInt, ColDResp),
	fEReq:          packedAs(kPInt, ColEReq),
	fEConn:         packedAs(kPInt, ColEConn),
	fEResp:         packedAs(kPInt, ColEResp),
	fWRetr:         packedAs(kPInt, ColWRetr),
	fWRedis:        packedAs(kPInt, ColWRedis),
	fChkFail:       packedAs(kPInt, ColChkFail),
	fChkDown:       packedAs(kPInt, ColChkDown),
	fCliAbrt:       packedAs(kPInt, ColCliAbrt),
	fSrvAbrt:       packedAs(kPInt, ColSrvAbrt),
	fRate:          packedAs(kPInt, ColRate),
	fRateLim:       packedAs(kPInt, ColRateLim),
	fRateMax:       packedAs(kPInt, ColRateMax),
	fReqRate:       packedAs(kPInt, ColReqRate),
	fReqRateMax:    packedAs(kPInt, ColReqRateMax),
	fReqTot:        packedAs(kPInt, ColReqTot),
	fHrsp1xx:       packedAs(kPInt, ColHrsp1xx),
	fHrsp2xx:       packedAs(kPInt, ColHrsp2xx),
	fHrsp3xx:       packedAs(kPInt, ColHrsp3xx),
	fHrsp4xx:       packedAs(kPInt, ColHrsp4xx),
	fHrsp5xx:       packedAs(kPInt, ColHrsp5xx),
	fHrspOther:     packedAs(kPInt, ColHrspOther),
	fLastChg:       packedAs(kPInt, ColLastChange),
	fDowntime:      packedAs(kPInt, ColDowntime),
	fLastSess:      packedAs(kPInt, ColLastSess),
	fQTime:         packedAs(kPInt, ColQTime),
	fCTime:         packedAs(kPInt, ColCTime),
	fRTime:         packedAs(kPInt, ColRTime),
	fTTime:         packedAs(kPInt, ColTTime),
	fAddr:          packedAs(kPStr, ColAddr),
	fMode:          packedAs(kPStr, ColMode),
	fAlgo:          packedAs(kPStr, ColAlgo),
	fThrottle:      packedAs(kPInt, ColThrottle),
}

// rowBuilder fills rows for one parse (one goroutine): their strings come
// from its arena, their packed values are gathered in its packer.
type rowBuilder struct {
	a         arena
	in        interner
	p         packer
	extra     []byte // the row's untyped columns, encoded
	scratch   []byte // a preview row's address, until finish packs it
	prevExtra int    // the last column in extra, -1 for none
	// ends is fillRowPlain's scratch: a local array was zeroed for every
	// row (2 KB), 6 % of parsing.
	ends [maxCols + 1]int32
}

func newRowBuilder() *rowBuilder {
	b := &rowBuilder{prevExtra: -1}
	b.in.a = &b.a
	return b
}

// store writes v, column col of the row, into r or the packer.
func (b *rowBuilder) store(r *Row, d colDesc, col int, v string) {
	switch d.kind {
	case kSkip:
		b.extra = appendExtra(b.extra, &b.prevExtra, col, v, b.p.strs[ColName])
	case kIntern:
		*(*string)(unsafe.Add(unsafe.Pointer(r), d.off)) = b.in.intern(v)
	case kInt:
		*(*int32)(unsafe.Add(unsafe.Pointer(r), d.off)) = atoi32(v)
	case kType:
		*(*RowType)(unsafe.Add(unsafe.Pointer(r), d.off)) = rowType(v)
	case kPInt:
		b.p.vals[d.col] = atoi64(v)
	case kPStr:
		b.p.strs[d.col] = v
	case kPStrStar:
		b.p.strs[d.col] = strings.TrimPrefix(v, "* ")
	}
}

// The untyped columns of a row follow its packed values as (key, value)
// pairs, key = (columns skipped since the previous one)<<2 | how: most are
// "0" or, for a server's cookie, its own name, and cost one byte that way.
const (
	extraText = iota // uvarint length and the text follow
	extraZero        // "0"
	extraName        // the row's svname (cookie, by default)
)

// appendExtra appends untyped column col's value v (nothing when empty);
// prev is the previous column appended, -1 for none.
func appendExtra(b []byte, prev *int, col int, v, name string) []byte {
	if v == "" {
		return b
	}
	skip := uint64(col-*prev-1) << 2
	*prev = col
	switch {
	case v == "0":
		return binary.AppendUvarint(b, skip|extraZero)
	case v == name:
		return binary.AppendUvarint(b, skip|extraName)
	}
	b = binary.AppendUvarint(b, skip|extraText)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// finish packs the values gathered for r and clears them for the next row.
func (b *rowBuilder) finish(r *Row) {
	b.p.extra = unsafe.String(unsafe.SliceData(b.extra), len(b.extra))
	r.set, r.vals = b.p.pack(&b.a)
	for m := r.set &^ (1 << colExtra); m != 0; m &= m - 1 { // clear what was set, not all
		c := bits.TrailingZeros64(m)
		b.p.vals[c], b.p.strs[c] = 0, ""
	}
	b.p.extra = ""
	b.extra, b.prevExtra = b.extra[:0], -1
}
