package haproxy

import (
	"errors"
	"fmt"
	"strconv"
)

// MaxNameLen is the longest proxy or server name ValidName accepts. HAProxy
// itself has no fixed limit, but a runtime-API line must fit in one buffer
// and no sane configuration comes near this.
const MaxNameLen = 1024

// ErrEmptyName is returned by ValidName for an empty name.
var ErrEmptyName = errors.New("haproxy: empty proxy/server name")

// ValidName checks name against HAProxy's identifier rules (invalid_char() in
// src/tools.c: letters, digits and "-_.:" only; HAProxy 2.6 `-c` refuses a
// server named with '/', '@', '+' or '%' the same way), so that a validated name can
// be put on a runtime-API command line without ever starting a second
// command: ";", spaces, newlines and control characters are all refused.
func ValidName(name string) error {
	if name == "" {
		return ErrEmptyName
	}
	if len(name) > MaxNameLen {
		return fmt.Errorf("haproxy: name of %d bytes is longer than %d: check where it came from", len(name), MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		if !validNameByte(name[i]) {
			return fmt.Errorf("haproxy: character %s at byte %d of name %s is not allowed (HAProxy names use only letters, digits and - _ . :)",
				strconv.QuoteRune(rune(name[i])), i, strconv.Quote(truncate(name, 64)))
		}
	}
	return nil
}

func validNameByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	case c == '-', c == '_', c == '.', c == ':':
		return true
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
