// Package ui is stacktui's live console: a Bubble Tea v2 program built as
// components, in the manner of soft-serve's pkg/ui. One common value (size,
// styles, keymap, clock, the pipeline's latest frame, the status line) is
// shared by every pane; each pane (services, service detail, HAProxy,
// registry, cluster, events, the text page, the confirm dialog, prompts)
// owns its state, handles the keys routed to it and its own messages, and
// renders only its visible rows; only the root returns a tea.View, and it
// routes. Keys are matched only through the KeyMap. The UI never does I/O
// in View, never holds a ZooKeeper, Serf or HAProxy connection, and changes
// things only through actions.Executor.
package ui
