// Package haproxy owns the vocabulary of HAProxy's runtime API: the typed rows
// of `show stat`, `show info` and `show servers state`, their parsers, and the
// validation of proxy and server names. It does no I/O; the connection lives in
// haproxy/client and the write commands in haproxy/command, so that code which
// only displays HAProxy state (the UI) never links either.
package haproxy
