// Package command builds HAProxy runtime-API write commands as values: each
// constructor validates the backend and server names (haproxy.ValidName) and
// the value, and renders the exact line that will be sent. Nothing here does
// I/O: haproxy/client executes a Command, and only the actions package is
// meant to call it.
package command

import (
	"fmt"

	"github.com/stacktui/stacktui/haproxy"
)

// Command is one validated write command. The zero Command renders to ""
// and is refused by the client; only the constructors make sendable ones.
type Command struct {
	verb    string // the command words without the target, e.g. "set server state"
	backend string
	server  string
	line    string // the exact line sent, without the newline
}

// String returns the exact line sent to HAProxy, without the trailing newline.
func (c Command) String() string { return c.line }

// Backend returns the backend (proxy) name the command targets.
func (c Command) Backend() string { return c.backend }

// Server returns the server name the command targets.
func (c Command) Server() string { return c.server }

// Verb returns the command without its target, e.g. "set server state",
// "enable health" or "shutdown sessions server", for logs and audits.
func (c Command) Verb() string { return c.verb }

// Target returns "backend/server".
func (c Command) Target() string {
	if c.line == "" {
		return ""
	}
	return c.backend + "/" + c.server
}

// IsZero reports whether c was not made by a constructor and so cannot be sent.
func (c Command) IsZero() bool { return c.line == "" }

// target validates both names and returns "backend/server".
func target(backend, server string) (string, error) {
	if err := haproxy.ValidName(backend); err != nil {
		return "", fmt.Errorf("backend name: %w", err)
	}
	if err := haproxy.ValidName(server); err != nil {
		return "", fmt.Errorf("server name: %w", err)
	}
	return backend + "/" + server, nil
}

func build(verb, backend, server, format string, args ...any) (Command, error) {
	t, err := target(backend, server)
	if err != nil {
		return Command{}, fmt.Errorf("%s: %w", verb, err)
	}
	return Command{verb: verb, backend: backend, server: server,
		line: fmt.Sprintf(format, append([]any{t}, args...)...)}, nil
}
