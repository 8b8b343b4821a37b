// Package report renders a joined state.View for `stacktui snapshot`: the
// stable JSON document (see Document and SCHEMA.md) and an aligned table for
// humans. It does no I/O beyond writing to the given writer.
package report
