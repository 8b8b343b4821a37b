package haproxy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrNotServersState is returned (wrapped) by ParseServersState when the
// reply does not start with format version 1 and its "# be_id ..." header.
var ErrNotServersState = errors.New("haproxy: not a `show servers state` reply")

// ParseServersState parses a `show servers state [<backend>]` reply (format
// version 1) by header name. Fields without a typed ServerState field are
// read with Field; "-" (HAProxy's empty) in srv_fqdn becomes "".
func ParseServersState(data []byte) ([]ServerState, error) {
	var p ServersStateStream
	return p.Finish(string(data))
}

// ServersStateStream parses a `show servers state` reply handed over in
// pieces of whole lines while it is still being read, as ParseServersState
// parses it whole: at 50,000 servers (4.6 MB) the parse takes about 30 ms,
// which then overlaps HAProxy's writing instead of following it. The zero
// value is ready to use.
type ServersStateStream struct {
	// Each, when set, is handed each piece's servers as soon as they are
	// parsed, and the stream keeps none of them: Finish then returns none
	// (Servers counts them). The slice is reused for the next piece: Each
	// must not keep it (a copied server keeps its piece's text alive).
	Each func([]ServerState)

	buf   []ServerState // Each's slice, reused
	lines int           // lines seen up to the header: 0, 1 (the version), 2
	blank string        // the second line, when blank: only blank lines may follow
	hdr   *stateHeader
	parts [][]ServerState // the servers, a slice per piece
	n     int
	err   error
}

// Lines parses s, whole lines each ending in '\n'. The servers keep
// substrings of s: it must not change afterwards.
func (p *ServersStateStream) Lines(s string) {
	if p.err != nil || s == "" {
		return
	}
	var part []ServerState
	for s != "" {
		var line string
		line, s, _ = strings.Cut(s, "\n")
		switch {
		case p.lines == 0:
			p.lines = 1
			if first := strings.TrimSpace(line); first != "1" {
				p.err = fmt.Errorf("%w: it starts with %q (want format version \"1\"); check the backend name and that the socket is HAProxy's",
					ErrNotServersState, truncate(first, 80))
				return
			}
		case p.lines == 1:
			p.lines = 2
			line = trimCR(line)
			if strings.HasPrefix(line, "# ") {
				p.hdr = newStateHeader(line[2:])
				part = p.part(s)
			} else {
				p.blank = line
				if strings.TrimSpace(line) != "" {
					p.err = notHeader(line)
					return
				}
			}
		case p.hdr == nil: // after a blank second line
			if strings.TrimSpace(line) != "" {
				p.err = notHeader(p.blank)
				return
			}
		default:
			line = trimCR(line)
			if strings.TrimSpace(line) == "" || line[0] == '#' {
				continue
			}
			if part == nil {
				part = p.part(s)
			}
			part = append(part, p.hdr.server(line))
		}
	}
	if len(part) == 0 {
		return
	}
	p.n += len(part)
	if p.Each == nil {
		p.parts = append(p.parts, part)
		return
	}
	p.Each(part)
	clear(part) // the piece's text may go
	p.buf = part[:0]
}

// part returns an empty slice for the servers of a piece whose next lines
// are s: one line a server, counted once so that it is allocated once.
func (p *ServersStateStream) part(s string) []ServerState {
	n := strings.Count(s, "\n") + 1
	if p.Each != nil && cap(p.buf) >= n {
		return p.buf[:0]
	}
	return make([]ServerState, 0, n)
}

// Servers is how many servers were parsed so far.
func (p *ServersStateStream) Servers() int { return p.n }

// Finish parses rest, the reply's last lines (the last one may lack its
// newline), and returns every server in order: nil for a reply of the
// version line only, an error for a reply that is not one. With Each set,
// it returns no servers.
func (p *ServersStateStream) Finish(rest string) ([]ServerState, error) {
	p.Lines(rest)
	switch {
	case p.err != nil:
		return nil, p.err
	case p.lines == 0:
		p.Lines("\n") // an empty reply: its first line is empty
		return nil, p.err
	case p.hdr == nil || p.Each != nil:
		return nil, nil // the version line only, or handed to Each
	case len(p.parts) == 1:
		return p.parts[0], nil
	}
	out := make([]ServerState, 0, p.n)
	for _, part := range p.parts {
		out = append(out, part...)
	}
	return out, nil
}

func notHeader(line string) error {
	return fmt.Errorf("%w: second line %q is not the \"# be_id ...\" header", ErrNotServersState, truncate(line, 80))
}

func newStateHeader(names string) *stateHeader {
	hdr := &stateHeader{names: strings.Fields(names)}
	hdr.ids = make([]stateField, len(hdr.names))
	for i, n := range hdr.names {
		hdr.ids[i] = stateFieldIDs[n]
	}
	return hdr
}

// server reads one line of the reply: its fields, separated by blanks, in
// the header's order.
func (hdr *stateHeader) server(line string) ServerState {
	st := ServerState{rec: line, hdr: hdr}
	col := 0
	for i := 0; i < len(line) && col < len(hdr.ids); {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		if j > i {
			st.set(hdr.ids[col], line[i:j])
			col++
		}
		i = j
	}
	return st
}

// stateField names the typed fields of ServerState; sfNone is any other.
type stateField uint8

const (
	sfNone stateField = iota
	sfBackendID
	sfBackend
	sfServerID
	sfServer
	sfAddr
	sfOpState
	sfAdminState
	sfUWeight
	sfIWeight
	sfLastChange
	sfCheckStatus
	sfCheckResult
	sfCheckHealth
	sfCheckState
	sfAgentState
	sfPort
	sfFQDN
)

var stateFieldIDs = map[string]stateField{
	"be_id": sfBackendID, "be_name": sfBackend, "srv_id": sfServerID, "srv_name": sfServer,
	"srv_addr": sfAddr, "srv_op_state": sfOpState, "srv_admin_state": sfAdminState,
	"srv_uweight": sfUWeight, "srv_iweight": sfIWeight, "srv_time_since_last_change": sfLastChange,
	"srv_check_status": sfCheckStatus, "srv_check_result": sfCheckResult,
	"srv_check_health": sfCheckHealth, "srv_check_state": sfCheckState,
	"srv_agent_state": sfAgentState, "srv_port": sfPort, "srv_fqdn": sfFQDN,
}

// stateHeader is the header shared by every ServerState of one reply.
type stateHeader struct {
	names []string
	ids   []stateField
}

func (s *ServerState) set(id stateField, v string) {
	switch id {
	case sfBackendID:
		s.BackendID = atoi(v)
	case sfBackend:
		s.Backend = v
	case sfServerID:
		s.ServerID = atoi(v)
	case sfServer:
		s.Server = v
	case sfAddr:
		s.Addr = v
	case sfOpState:
		s.OpState = atoi(v)
	case sfAdminState:
		s.AdminState = atoi(v)
	case sfUWeight:
		s.UWeight = atoi(v)
	case sfIWeight:
		s.IWeight = atoi(v)
	case sfLastChange:
		s.LastChange = time.Duration(atoi64(v)) * time.Second
	case sfCheckStatus:
		s.CheckStatus = atoi(v)
	case sfCheckResult:
		s.CheckResult = atoi(v)
	case sfCheckHealth:
		s.CheckHealth = atoi(v)
	case sfCheckState:
		s.CheckState = atoi(v)
	case sfAgentState:
		s.AgentState = atoi(v)
	case sfPort:
		s.Port = atoi(v)
	case sfFQDN:
		if v != "-" {
			s.FQDN = v
		}
	}
}

// Field returns the raw value of the named field of this server's line,
// typed or not, and whether the header has that field.
func (s *ServerState) Field(name string) (string, bool) {
	if s.hdr == nil {
		return "", false
	}
	want := slices.Index(s.hdr.names, name)
	if want < 0 {
		return "", false
	}
	col := 0
	for f := range strings.FieldsSeq(s.rec) {
		if col == want {
			return f, true
		}
		col++
	}
	return "", true
}
