package demo

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// spoolEntry is a hacheck spool file's content: JSON
// {"reason": ..., "expiration": <unix seconds or null>, "creation": ...}, or
// the older plain text (the whole content is the reason, no expiry).
type spoolEntry struct {
	Reason     string
	Expiration time.Time // zero: never expires
}

// parseSpool decodes a spool file's content as hacheck does: JSON when it
// parses as an object, plain text otherwise.
func parseSpool(data []byte) spoolEntry {
	trimmed := bytes.TrimSpace(data)
	var j struct {
		Reason     any `json:"reason"`
		Expiration any `json:"expiration"`
	}
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &j) == nil {
		var e spoolEntry
		if s, ok := j.Reason.(string); ok {
			e.Reason = s
		}
		if exp, ok := unixSeconds(j.Expiration); ok {
			e.Expiration = exp
		}
		return e
	}
	return spoolEntry{Reason: string(trimmed)}
}

// unixSeconds reads a JSON number or numeric string of unix seconds.
func unixSeconds(v any) (time.Time, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case string:
		p, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return time.Time{}, false
		}
		f = p
	default:
		return time.Time{}, false
	}
	// Beyond a few thousand years is nonsense; treat it as "never".
	if f != f || f <= 0 || f > 1e11 {
		return time.Time{}, false
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), true
}

// active reports whether the entry still takes the instance down at now.
func (e spoolEntry) active(now time.Time) bool {
	return e.Expiration.IsZero() || now.Before(e.Expiration)
}

// spoolFiles are the hacheck spool files that concern service at port, most
// general first: <root>/all, <root>/<service>, <root>/<service>:<port>.
func spoolFiles(root, service string, port int) []string {
	return []string{
		filepath.Join(root, "all"),
		filepath.Join(root, service),
		filepath.Join(root, service+":"+strconv.Itoa(port)),
	}
}

// spooledDown reports whether a live spool file takes service:port down,
// with its reason, reading the spool directory the way hacheck does.
func spooledDown(root, service string, port int, now time.Time) (bool, string) {
	if root == "" {
		return false, ""
	}
	for _, p := range spoolFiles(root, service, port) {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if e := parseSpool(data); e.active(now) {
			return true, e.Reason
		}
	}
	return false, ""
}
