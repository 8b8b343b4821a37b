package haproxy

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNotServersState is returned (wrapped) by ParseServersState when the
// reply does not start with format version 1 and its "# be_id ..." header.
var ErrNotServersState = errors.New("haproxy: not a `show servers state` reply")

// ParseServersState parses a `show servers state [<backend>]` reply (format
// version 1) by header name. Fields without a typed ServerState field go to
// Extra; "-" (HAProxy's empty) in srv_fqdn becomes "".
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
	names := strings.Fields(hdrLine[2:])
	var out []ServerState
	for rest != "" {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		line = trimCR(line)
		if strings.TrimSpace(line) == "" || line[0] == '#' {
			continue
		}
		var st ServerState
		col := 0
		for f := range strings.FieldsSeq(line) {
			if col < len(names) {
				st.set(names[col], f)
			}
			col++
		}
		out = append(out, st)
	}
	return out, nil
}

func (s *ServerState) set(name, v string) {
	switch name {
	case "be_id":
		s.BackendID = atoi(v)
	case "be_name":
		s.Backend = v
	case "srv_id":
		s.ServerID = atoi(v)
	case "srv_name":
		s.Server = v
	case "srv_addr":
		s.Addr = v
	case "srv_op_state":
		s.OpState = atoi(v)
	case "srv_admin_state":
		s.AdminState = atoi(v)
	case "srv_uweight":
		s.UWeight = atoi(v)
	case "srv_iweight":
		s.IWeight = atoi(v)
	case "srv_time_since_last_change":
		s.LastChange = time.Duration(atoi64(v)) * time.Second
	case "srv_check_status":
		s.CheckStatus = atoi(v)
	case "srv_check_result":
		s.CheckResult = atoi(v)
	case "srv_check_health":
		s.CheckHealth = atoi(v)
	case "srv_check_state":
		s.CheckState = atoi(v)
	case "srv_agent_state":
		s.AgentState = atoi(v)
	case "srv_port":
		s.Port = atoi(v)
	case "srv_fqdn":
		if v != "-" {
			s.FQDN = v
		}
	default:
		if s.Extra == nil {
			s.Extra = make(map[string]string, 8)
		}
		s.Extra[name] = v
	}
}
