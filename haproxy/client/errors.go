package client

import (
	"errors"
	"fmt"
	"strings"
)

// ErrorKind classifies what went wrong talking to a stats socket.
type ErrorKind int

// The kinds of Error.
const (
	KindOther            ErrorKind = iota // anything not classified below
	KindMissingSocket                     // the unix socket file does not exist
	KindPermissionDenied                  // the socket file exists but we may not open it
	KindRefused                           // nobody listens (HAProxy stopped, wrong port)
	KindNotStatsSocket                    // something answered, but not an HAProxy stats socket
	KindTimeout                           // no complete reply in time
	KindClosed                            // the connection was closed or reset (HAProxy reload, stats timeout)
	KindRejected                          // HAProxy answered a command with an error text (Reply)
	KindLevel                             // the session's level is not the one asked for
)

// String names the kind.
func (k ErrorKind) String() string {
	switch k {
	case KindMissingSocket:
		return "missing socket"
	case KindPermissionDenied:
		return "permission denied"
	case KindRefused:
		return "connection refused"
	case KindNotStatsSocket:
		return "not a stats socket"
	case KindTimeout:
		return "timeout"
	case KindClosed:
		return "connection closed"
	case KindRejected:
		return "command rejected"
	case KindLevel:
		return "wrong level"
	}
	return "error"
}

// ErrReadOnly is returned by Exec on a read-only connection; nothing was sent.
var ErrReadOnly = errors.New("haproxy: read-only connection: write commands are refused (started with --read-only)")

// ErrZeroCommand is returned by Exec for a Command not made by a constructor.
var ErrZeroCommand = errors.New("haproxy: empty command: build commands with the haproxy/command constructors")

// Error is a failure talking to one stats socket. Its message says what
// happened and what to check.
type Error struct {
	Kind    ErrorKind
	Address string // the socket address
	Op      string // what we were doing: "dial", "prompt", or the command line
	Err     error  // the underlying error, if any
	Reply   string // HAProxy's answer for KindRejected (and unexpected answers)
}

// Error says what happened and what to check.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "haproxy %s: %s", e.Address, e.Op)
	switch e.Kind {
	case KindRejected:
		fmt.Fprintf(&b, ": HAProxy answered %q", oneLine(e.Reply))
	case KindNotStatsSocket:
		if e.Reply != "" {
			fmt.Fprintf(&b, ": unexpected answer %q", oneLine(e.Reply))
		}
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if hint := e.hint(); hint != "" {
		b.WriteString(" (" + hint + ")")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

func (e *Error) hint() string {
	switch e.Kind {
	case KindMissingSocket:
		return "no socket file there: check the path and that HAProxy runs with `stats socket` at that path"
	case KindPermissionDenied:
		return "check the socket file's owner and mode (`stats socket ... mode 660 group ...`) and run as a user in that group"
	case KindRefused:
		return "nothing listens there: check that HAProxy is running and the address is its stats socket"
	case KindNotStatsSocket:
		return "the peer did not answer `prompt` like an HAProxy stats socket: check the address"
	case KindTimeout:
		return "HAProxy did not answer in time: check that it is not overloaded, or raise the timeout"
	case KindClosed:
		return "HAProxy closed the session, usually a reload or `stats timeout`; it will reconnect"
	case KindLevel:
		return "check the `level` of the `stats socket` line"
	case KindRejected:
		r := strings.TrimSpace(e.Reply)
		switch {
		case strings.HasPrefix(r, "Permission denied"):
			return "the session level is too low: the socket needs `level admin` and the connection must not be read-only"
		case strings.HasPrefix(r, "No such server"), strings.HasPrefix(r, "No such backend"), strings.HasPrefix(r, "Can't find backend"):
			return "check the backend and server names against `show stat`; a reload may have removed it"
		case strings.HasPrefix(r, "Unknown command"):
			return "this HAProxy version does not know the command"
		}
	}
	return ""
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " ..."
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// IsKind reports whether err is an *Error of kind k.
func IsKind(err error, k ErrorKind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}
