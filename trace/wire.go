package trace

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stacktui/stacktui/sources"
)

// lineWire is the JSON form of every kind of line at once: one decode per
// line, whatever its kind. Fields absent from a line stay zero; the
// pointers and maps tell absent from empty where that matters.
type lineWire struct {
	T    string `json:"t"`
	Kind Kind   `json:"kind"`

	// zk and serf
	State       string                   `json:"state,omitempty"`
	Error       string                   `json:"error,omitempty"`
	SourceState sources.ConnState        `json:"source_state,omitempty"`
	LastGood    string                   `json:"last_good,omitempty"` // and on a haproxy error line
	Services    map[string]zkServiceWire `json:"services,omitzero"`
	Nodes       []zkNodeWire             `json:"nodes,omitzero"`
	Members     []SerfMember             `json:"members,omitzero"`

	// haproxy
	Socket           string        `json:"socket,omitempty"`
	Poll             string        `json:"poll,omitempty"`
	Level            string        `json:"level,omitempty"`
	ShowInfo         string        `json:"show_info,omitempty"`
	ShowStat         string        `json:"show_stat,omitempty"`
	ShowServersState string        `json:"show_servers_state,omitempty"`
	Merge            *HAProxyMerge `json:"merge,omitempty"`
	Light            *HAProxyLight `json:"light,omitempty"`
	Preview          *HAProxyMerge `json:"preview,omitempty"`

	// note
	Text *string `json:"text,omitempty"`
}

// kindKeys are the keys each kind reads: a key of the wrong type is an
// error only when the line's kind reads it (a key another kind reads is,
// for this line, an unknown key, and ignored).
var kindKeys = map[Kind][]string{
	KindZK:      {"state", "error", "source_state", "last_good", "services", "nodes"},
	KindSerf:    {"state", "error", "source_state", "last_good", "members"},
	KindHAProxy: {"socket", "error", "last_good", "poll", "level", "show_info", "show_stat", "show_servers_state", "merge", "light", "preview"},
	KindNote:    {"text"},
}

type zkServiceWire struct {
	Data    *string `json:"data,omitempty"`
	DataB64 string  `json:"data_b64,omitempty"`
	Path    string  `json:"path,omitempty"`
	Error   string  `json:"error,omitempty"`
}

type zkNodeWire struct {
	Path           string  `json:"path"`
	Data           *string `json:"data,omitempty"`
	DataB64        string  `json:"data_b64,omitempty"`
	EphemeralOwner string  `json:"ephemeral_owner"`
	Ctime          int64   `json:"ctime"`
	Mtime          int64   `json:"mtime"`
	Version        int32   `json:"version"`
	ReadError      string  `json:"read_error,omitempty"`
}

// decodeLine parses one line after the header. Errors are in words; the
// caller adds the line number. unknown is set (with a nil error) for a
// kind this version does not know.
func decodeLine(b []byte) (l Line, unknown Kind, err error) {
	var w lineWire
	if err := json.Unmarshal(b, &w); err != nil {
		if !isTypeErr(err) {
			return l, "", fmt.Errorf("not JSON: %s", jsonErr(err))
		}
		// A key of the wrong type: find out whether this kind reads it.
		if w, err = decodeKeys(b); err != nil {
			return l, "", err
		}
	}
	if w.Kind == "" {
		return l, "", errors.New(`no "kind" (want zk, serf, haproxy or note)`)
	}
	if _, known := kindKeys[w.Kind]; !known {
		return l, w.Kind, nil
	}
	if w.T == "" {
		return l, "", fmt.Errorf(`%s line has no "t" (its time)`, w.Kind)
	}
	if l.T, err = parseTime(w.T); err != nil {
		return l, "", fmt.Errorf(`"t" %q is not an RFC 3339 time`, clip(w.T, 40))
	}
	l.Kind = w.Kind
	switch w.Kind {
	case KindZK:
		l.ZK, err = w.zk()
	case KindSerf:
		l.Serf, err = w.serf()
	case KindHAProxy:
		l.HAProxy, err = w.haproxy()
	case KindNote:
		if w.Text == nil {
			return l, "", errors.New(`note line has no "text"`)
		}
		l.Note = &Note{Text: *w.Text}
	}
	return l, "", err
}

// decodeKeys decodes the line key by key, after a type error: only the
// keys the line's kind reads must have the right type.
func decodeKeys(b []byte) (lineWire, error) {
	var w lineWire
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return w, errors.New("not a JSON object")
	}
	if json.Unmarshal(raw["kind"], &w.Kind) != nil {
		return w, fmt.Errorf(`"kind" is %s, not a string`, clip(string(raw["kind"]), 40))
	}
	keys, known := kindKeys[w.Kind]
	if !known {
		return w, nil
	}
	if v, ok := raw["t"]; ok && json.Unmarshal(v, &w.T) != nil {
		return w, fmt.Errorf(`"t" is %s, not a string`, clip(string(v), 40))
	}
	for _, k := range keys {
		v, ok := raw[k]
		if !ok {
			continue
		}
		one, _ := json.Marshal(map[string]json.RawMessage{k: v})
		if err := json.Unmarshal(one, &w); err != nil {
			return w, fmt.Errorf("%s line: %q: %s", w.Kind, k, jsonErr(err))
		}
	}
	return w, nil
}

func checkState(kind Kind, state string) error {
	switch state {
	case StateConnected, StateUnreachable:
		return nil
	case "":
		return fmt.Errorf(`%s line has no "state" (want connected or unreachable)`, kind)
	}
	return fmt.Errorf(`%s line: state %q is neither connected nor unreachable`, kind, clip(state, 40))
}

// lastGood reads an unreachable (or HAProxy error) line's last_good.
func (w *lineWire) lastGood() (time.Time, error) {
	if w.LastGood == "" {
		return time.Time{}, nil
	}
	t, err := parseTime(w.LastGood)
	if err != nil {
		return t, fmt.Errorf("%s line: last_good %q is not an RFC 3339 time", w.Kind, clip(w.LastGood, 40))
	}
	return t, nil
}

func (w *lineWire) zk() (*ZK, error) {
	if err := checkState(KindZK, w.State); err != nil {
		return nil, err
	}
	z := &ZK{State: w.State, Error: w.Error, SourceState: w.SourceState}
	if w.State == StateUnreachable {
		var err error
		z.LastGood, err = w.lastGood()
		return z, err // services and nodes, if any, are not the registry's now
	}
	if w.Services == nil {
		return nil, errors.New(`zk line with state connected has no "services"`)
	}
	z.Services = make(map[string]ZKService, len(w.Services))
	for name, s := range w.Services {
		if name == "" || strings.Contains(name, "/") {
			return nil, fmt.Errorf("zk line: service name %q is not a znode name", clip(name, 60))
		}
		data, err := decodeData(s.Data, s.DataB64)
		if err != nil {
			return nil, fmt.Errorf("zk line: service %s: %v", name, err)
		}
		if s.Path != "" && !strings.HasPrefix(s.Path, "/") {
			return nil, fmt.Errorf("zk line: service %s: path %q is not absolute", name, clip(s.Path, 60))
		}
		z.Services[name] = ZKService{Data: data, Path: s.Path, Error: s.Error}
	}
	z.Nodes = make([]ZKNode, 0, len(w.Nodes))
	for i, n := range w.Nodes {
		if !strings.HasPrefix(n.Path, "/") || path.Base(n.Path) == "/" || strings.HasSuffix(n.Path, "/") {
			return nil, fmt.Errorf("zk line: node %d: path %q is not an absolute znode path", i, clip(n.Path, 60))
		}
		data, err := decodeData(n.Data, n.DataB64)
		if err != nil {
			return nil, fmt.Errorf("zk line: node %s: %v", n.Path, err)
		}
		owner, err := parseOwner(n.EphemeralOwner)
		if err != nil {
			return nil, fmt.Errorf("zk line: node %s: %v", n.Path, err)
		}
		z.Nodes = append(z.Nodes, ZKNode{Path: n.Path, Data: data, EphemeralOwner: owner, Ctime: n.Ctime,
			Mtime: n.Mtime, Version: n.Version, ReadError: n.ReadError})
	}
	return z, nil
}

// decodeData reads "data" (UTF-8 text) or "data_b64" (anything else).
func decodeData(text *string, b64 string) ([]byte, error) {
	if b64 != "" {
		b, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("data_b64 is not standard base64: %v", err)
		}
		return b, nil
	}
	if text == nil {
		return nil, nil
	}
	return []byte(*text), nil
}

// encodeData is decodeData's inverse.
func encodeData(b []byte) (text *string, b64 string) {
	if utf8.Valid(b) {
		s := string(b)
		return &s, ""
	}
	return nil, base64.StdEncoding.EncodeToString(b)
}

// parseOwner reads an ephemeral owner: "0x" and hex digits ("" is 0).
func parseOwner(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	h, ok := strings.CutPrefix(strings.ToLower(s), "0x")
	if !ok {
		return 0, fmt.Errorf("ephemeral_owner %q is not 0x and hex digits", clip(s, 40))
	}
	u, err := strconv.ParseUint(h, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("ephemeral_owner %q is not 0x and at most 16 hex digits", clip(s, 40))
	}
	return int64(u), nil
}

func formatOwner(o int64) string { return "0x" + strconv.FormatUint(uint64(o), 16) }

func (w *lineWire) serf() (*Serf, error) {
	if err := checkState(KindSerf, w.State); err != nil {
		return nil, err
	}
	s := &Serf{State: w.State, Error: w.Error, SourceState: w.SourceState}
	if w.State == StateUnreachable {
		var err error
		s.LastGood, err = w.lastGood()
		return s, err
	}
	if w.Members == nil {
		return nil, errors.New(`serf line with state connected has no "members"`)
	}
	for i, m := range w.Members {
		if m.Name == "" {
			return nil, fmt.Errorf("serf line: member %d has no name", i)
		}
	}
	s.Members = w.Members
	return s, nil
}

func (w *lineWire) haproxy() (*HAProxy, error) {
	if w.Socket == "" {
		return nil, errors.New(`haproxy line has no "socket" (the socket's label)`)
	}
	h := &HAProxy{Socket: w.Socket, Error: w.Error, Poll: w.Poll, Level: w.Level, ShowInfo: w.ShowInfo,
		ShowStat: w.ShowStat, ShowServersState: w.ShowServersState, Merge: w.Merge, Light: w.Light}
	if w.Preview != nil {
		if len(w.Preview.Servers) > 0 {
			return nil, fmt.Errorf("haproxy line of socket %s: preview holds servers; it has only \"proxies\"", clip(w.Socket, 40))
		}
		h.PreviewProxies = w.Preview.Proxies
	}
	if h.Error != "" {
		var err error
		if h.LastGood, err = w.lastGood(); err != nil {
			return nil, err
		}
	}
	if h.Error == "" && h.ShowInfo == "" && h.ShowStat == "" && h.ShowServersState == "" && h.Merge == nil &&
		h.Light == nil && h.PreviewProxies == "" {
		return nil, fmt.Errorf("haproxy line of socket %s has neither an error nor a reply", clip(w.Socket, 40))
	}
	for _, part := range []*HAProxyMerge{h.Merge, (*HAProxyMerge)(h.Light)} {
		if part == nil {
			continue
		}
		if part.Proxies == "" {
			return nil, fmt.Errorf("haproxy line of socket %s: merge or light without \"proxies\"", clip(w.Socket, 40))
		}
		for _, r := range part.Servers {
			if r.IID <= 0 || r.Reply == "" {
				return nil, fmt.Errorf("haproxy line of socket %s: a servers reply needs an iid > 0 and its reply", clip(w.Socket, 40))
			}
		}
	}
	return h, nil
}

// wire is l's JSON form; it fails for a line that a reader would refuse.
func (l *Line) wire() (*lineWire, error) {
	w := &lineWire{T: formatTime(l.T), Kind: l.Kind}
	set := 0
	for _, p := range []bool{l.ZK != nil, l.Serf != nil, l.HAProxy != nil, l.Note != nil} {
		if p {
			set++
		}
	}
	if set != 1 {
		return nil, fmt.Errorf("a %s line needs exactly one of ZK, Serf, HAProxy and Note (%d set)", l.Kind, set)
	}
	switch {
	case l.Kind == KindZK && l.ZK != nil:
		z := l.ZK
		w.State, w.Error, w.SourceState = z.State, z.Error, z.SourceState
		if z.State == StateUnreachable && !z.LastGood.IsZero() {
			w.LastGood = formatTime(z.LastGood)
		}
		if z.State == StateConnected {
			w.Services = make(map[string]zkServiceWire, len(z.Services))
			for name, s := range z.Services {
				sw := zkServiceWire{Path: s.Path, Error: s.Error}
				if s.Data != nil { // nil: not known (an extension); v1 writes "data": ""
					sw.Data, sw.DataB64 = encodeData(s.Data)
				}
				w.Services[name] = sw
			}
			w.Nodes = make([]zkNodeWire, 0, len(z.Nodes))
			for _, n := range z.Nodes {
				d, b64 := encodeData(n.Data)
				w.Nodes = append(w.Nodes, zkNodeWire{Path: n.Path, Data: d, DataB64: b64,
					EphemeralOwner: formatOwner(n.EphemeralOwner), Ctime: n.Ctime, Mtime: n.Mtime,
					Version: n.Version, ReadError: n.ReadError})
			}
		}
	case l.Kind == KindSerf && l.Serf != nil:
		s := l.Serf
		w.State, w.Error, w.SourceState = s.State, s.Error, s.SourceState
		if s.State == StateUnreachable && !s.LastGood.IsZero() {
			w.LastGood = formatTime(s.LastGood)
		}
		if s.State == StateConnected {
			w.Members = s.Members
			if w.Members == nil {
				w.Members = []SerfMember{}
			}
		}
	case l.Kind == KindHAProxy && l.HAProxy != nil:
		h := l.HAProxy
		w.Socket, w.Error, w.Poll, w.Level = h.Socket, h.Error, h.Poll, h.Level
		w.ShowInfo, w.ShowStat, w.ShowServersState = h.ShowInfo, h.ShowStat, h.ShowServersState
		w.Merge, w.Light = h.Merge, h.Light
		if h.Error != "" && !h.LastGood.IsZero() {
			w.LastGood = formatTime(h.LastGood)
		}
		if h.PreviewProxies != "" {
			w.Preview = &HAProxyMerge{Proxies: h.PreviewProxies}
		}
	case l.Kind == KindNote && l.Note != nil:
		w.Text = &l.Note.Text
	default:
		return nil, fmt.Errorf("a line of kind %q must carry its %s value", l.Kind, l.Kind)
	}
	return w, nil
}

// isTypeErr reports a well-formed JSON value of the wrong type.
func isTypeErr(err error) bool {
	var ute *json.UnmarshalTypeError
	return errors.As(err, &ute)
}

// jsonErr says what is wrong with a JSON value in words.
func jsonErr(err error) string {
	var ute *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &ute):
		where := ""
		if ute.Field != "" {
			where = " at " + ute.Field
		}
		return fmt.Sprintf("a JSON %s%s where %s is expected", ute.Value, where, goTypeWord(ute.Type.Kind().String()))
	case errors.As(err, &se):
		return fmt.Sprintf("%v (at byte %d)", se, se.Offset)
	}
	return err.Error()
}

func goTypeWord(k string) string {
	switch k {
	case "string":
		return "a string"
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "true or false"
	case "ptr":
		return "a value"
	}
	return "a number"
}
