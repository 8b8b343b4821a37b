package haproxy

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNotInfo is returned (wrapped) by ParseInfo when the reply is not made
// of `show info` "Key: value" lines.
var ErrNotInfo = errors.New("haproxy: not a `show info` reply")

// ParseInfo parses a `show info` reply: every "Key: value" line is kept in
// order in Fields, and the common ones are typed. Keys may contain spaces
// ("Build info"); the value is everything after the first ": ".
func ParseInfo(data []byte) (*Info, error) {
	s := string(data)
	info := &Info{}
	for len(s) > 0 {
		var line string
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			line, s = s, ""
		}
		line = trimCR(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || k == "" {
			return nil, fmt.Errorf("%w: line %q has no \"Key: value\" form; check that the address is an HAProxy stats socket",
				ErrNotInfo, truncate(line, 80))
		}
		v = strings.TrimPrefix(v, " ")
		info.Fields = append(info.Fields, InfoField{Key: k, Value: v})
		info.set(k, v)
	}
	if len(info.Fields) == 0 {
		return nil, fmt.Errorf("%w: the reply is empty; check that the address is an HAProxy stats socket", ErrNotInfo)
	}
	return info, nil
}

func (i *Info) set(k, v string) {
	switch k {
	case "Name":
		i.Name = v
	case "Version":
		i.Version = v
	case "node":
		i.Node = v
	case "Pid":
		i.PID = atoi(v)
	case "Uptime_sec":
		i.Uptime = time.Duration(atoi64(v)) * time.Second
	case "Nbthread":
		i.Nbthread = atoi(v)
	case "CurrConns":
		i.CurrConns = atoi64(v)
	case "Maxconn":
		i.MaxConn = atoi64(v)
	case "CumConns":
		i.CumConns = atoi64(v)
	case "CumReq":
		i.CumReq = atoi64(v)
	case "ConnRate":
		i.ConnRate = atoi64(v)
	case "MaxConnRate":
		i.MaxConnRate = atoi64(v)
	case "SessRate":
		i.SessRate = atoi64(v)
	case "MaxSessRate":
		i.MaxSessRate = atoi64(v)
	case "PipesUsed":
		i.PipesUsed = atoi64(v)
	case "PipesFree":
		i.PipesFree = atoi64(v)
	case "Maxpipes":
		i.MaxPipes = atoi64(v)
	case "Idle_pct":
		i.IdlePct = atoi(v)
	case "Tasks":
		i.Tasks = atoi64(v)
	case "Run_queue":
		i.RunQueue = atoi64(v)
	case "Stopping":
		i.Stopping = v == "1"
	}
}
