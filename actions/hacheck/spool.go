// Package hacheck reads and writes hacheck spool files: the durable
// "this service is down on this host" markers that hacheck (Yelp/Uber) answers
// 503 for, so Nerve's health check fails and Nerve deregisters the instance.
//
// A spool directory (default /var/spool/hacheck) holds files named "all",
// "<service>" or "<service>:<port>" whose content is the JSON that hacheck's
// spool.py writes with Python's json.dumps:
//
//	{"reason": "deploy", "expiration": 1763800000, "creation": 1763791234.123456}
//
// expiration may be null; files from old hacheck versions hold plain text,
// which is the reason. This package does the encoding, parsing and naming; it
// writes nothing itself (the actions package does, through its executor).
package hacheck

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultSpoolDir is hacheck's default spool_root.
const DefaultSpoolDir = "/var/spool/hacheck"

// All is the spool file name that takes every service on the host down.
const All = "all"

// Entry is one spool file: which service (and port) it takes down, why, and
// until when.
type Entry struct {
	Service string // service name, or All
	Port    int    // 0 when the file is not port-specific
	File    string // the file name in the spool directory

	Reason     string
	Expiration time.Time // zero: never expires
	Creation   time.Time // zero: unknown (plain-text files)
	// Legacy is set for plain-text content from old hacheck versions.
	Legacy bool
	// Problem describes a field hacheck would misread, or "".
	Problem string
}

// Expired reports whether the entry has an expiration before now; hacheck
// deletes such a file the next time it is checked and treats the service as up.
func (e Entry) Expired(now time.Time) bool {
	return !e.Expiration.IsZero() && e.Expiration.Before(now)
}

// ValidService checks a service name for use as a spool file name: not
// empty, no "/", no ":" (which separates the port), no control characters,
// not "." or "..".
func ValidService(service string) error {
	switch {
	case service == "":
		return errors.New("hacheck: empty service name")
	case service == "." || service == "..":
		return fmt.Errorf("hacheck: %q is not a service name", service)
	case len(service) > 255:
		return fmt.Errorf("hacheck: service name of %d bytes is longer than a file name may be", len(service))
	case !utf8.ValidString(service):
		return fmt.Errorf("hacheck: service name %q is not valid UTF-8", service)
	}
	for _, r := range service {
		if r == '/' || r == ':' || r < 0x20 || r == 0x7f || r == ' ' {
			return fmt.Errorf("hacheck: service name %q contains %q, which cannot be part of a spool file name", service, r)
		}
	}
	return nil
}

// FileName is the spool file name for service (or All) and port (0: every
// port), as hacheck's spool_file_path builds it.
func FileName(service string, port int) (string, error) {
	if err := ValidService(service); err != nil {
		return "", err
	}
	if port < 0 || port > 65535 {
		return "", fmt.Errorf("hacheck: port %d is out of range 0-65535 (0 means every port)", port)
	}
	if service == All && port != 0 {
		return "", errors.New("hacheck: \"all\" takes every service down and has no port")
	}
	if port == 0 {
		return service, nil
	}
	return service + ":" + strconv.Itoa(port), nil
}

// ParseFileName splits a spool file name into service and port, as hacheck's
// parse_spool_file_path does (the last ":" separates a numeric port). ok is
// false for names hacheck would not produce (temporary files, bad ports).
func ParseFileName(name string) (service string, port int, ok bool) {
	if strings.HasPrefix(name, ".") {
		return "", 0, false
	}
	service = name
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		p, err := strconv.Atoi(name[i+1:])
		// A non-canonical port ("0080") is a file hacheck lists but never
		// consults: it looks for "<service>:80".
		if err != nil || p <= 0 || p > 65535 || strconv.Itoa(p) != name[i+1:] {
			return "", 0, false
		}
		service, port = name[:i], p
	}
	if ValidService(service) != nil {
		return "", 0, false
	}
	return service, port, true
}

// Encode renders spool file content byte for byte as hacheck's Python
// json.dumps does (", " and ": " separators, non-ASCII escaped). A zero
// expiration is null; creation keeps microseconds like time.time().
func Encode(reason string, expiration, creation time.Time) []byte {
	var b strings.Builder
	b.WriteString(`{"reason": `)
	b.WriteString(pyQuote(reason))
	b.WriteString(`, "expiration": `)
	if expiration.IsZero() {
		b.WriteString("null")
	} else {
		b.WriteString(strconv.FormatInt(expiration.Unix(), 10))
	}
	b.WriteString(`, "creation": `)
	b.WriteString(pyFloatTime(creation))
	b.WriteString("}")
	return []byte(b.String())
}

// pyFloatTime renders t as Python renders time.time(): seconds with up to six
// decimals, always with a fractional part.
func pyFloatTime(t time.Time) string {
	us := t.UnixMicro()
	s := strconv.FormatFloat(float64(us)/1e6, 'f', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// pyQuote quotes s as Python's json.dumps with ensure_ascii=True.
func pyQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20 || (r >= 0x7f && r <= 0xffff):
				fmt.Fprintf(&b, `\u%04x`, r)
			case r > 0xffff:
				r -= 0x10000
				fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Parse reads spool file content as hacheck's deserialize_spool_file_contents
// does: a JSON object with reason, expiration and creation, or, when the
// content is not JSON, plain text that is the reason.
func Parse(data []byte) Entry {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return Entry{Reason: string(data), Legacy: true}
	}
	var e Entry
	var problems []string
	if r, ok := raw["reason"]; ok {
		var s string
		if json.Unmarshal(r, &s) == nil {
			e.Reason = s
		} else if string(r) != "null" {
			e.Reason = string(r)
			problems = append(problems, "reason is not a string")
		}
	}
	var err error
	if e.Expiration, err = unixField(raw["expiration"]); err != nil {
		problems = append(problems, "expiration "+err.Error())
	}
	if e.Creation, err = unixField(raw["creation"]); err != nil {
		problems = append(problems, "creation "+err.Error())
	}
	e.Problem = strings.Join(problems, "; ")
	return e
}

// unixField reads a JSON number of unix seconds (int or float) or null.
func unixField(r json.RawMessage) (time.Time, error) {
	if len(r) == 0 || string(r) == "null" {
		return time.Time{}, nil
	}
	f, err := strconv.ParseFloat(string(r), 64)
	if err != nil {
		return time.Time{}, errors.New("is not a number of unix seconds")
	}
	if math.IsNaN(f) || f < 0 || f > 1e12 {
		return time.Time{}, fmt.Errorf("%s is out of range", truncate(string(r), 32))
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1000), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
