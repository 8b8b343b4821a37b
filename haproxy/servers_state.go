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
	s := string(data)
	first, rest, _ := strings.Cut(s, "\n")
	first = strings.TrimSpace(first)
	if first != "1" {
		return nil, fmt.Errorf("%w: it starts with %q (want format version \"1\"); check the backend name and that the socket is HAProxy's",
			ErrNotServersState, truncate(first, 80))
	}
	hdrLine, rest, _ := strings.Cut(rest, "\n")
	hdrLine = trimCR(hdrLine)
	if !strings.HasPrefix(hdrLine, "# ") {
		if strings.TrimSpace(hdrLine) == "" && strings.TrimSpace(rest) == "" {
			return nil, nil // version line only: no servers
		}
		return nil, fmt.Errorf("%w: second line %q is not the \"# be_id ...\" header", ErrNotServersState, truncate(hdrLine, 80))
	}
	hdr := &stateHeader{names: strings.Fields(hdrLine[2:])}
	hdr.ids = make([]stateField, len(hdr.names))
	for i, n := range hdr.names {
		hdr.ids[i] = stateFieldIDs[n]
	}
	// One line per server: count them once so the slice is allocated once
	// (50,000 servers is a 4.6 MB reply).
	out := make([]ServerState, 0, strings.Count(rest, "\n")+1)
	for rest != "" {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		line = trimCR(line)
		if strings.TrimSpace(line) == "" || line[0] == '#' {
			continue
		}
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
		out = append(out, st)
	}
	return out, nil
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
