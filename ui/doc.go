// Package ui is stacktui's live console: a Bubble Tea v2 program with a root
// model and one file per pane (services, service detail, HAProxy, registry,
// cluster, events, diagnose, help). It renders only model state, never does
// I/O in View, renders only the visible rows, and reaches the outside world
// through the narrow interfaces in Options: it never holds a ZooKeeper, Serf
// or HAProxy connection, and changes things only through actions.Executor.
package ui
