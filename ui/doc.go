// Package ui is stacktui's live console: a Bubble Tea v2 program built as
// components, in the manner of soft-serve's pkg/ui. One common value (size,
// styles, keymap, clock, the pipeline's latest frame, the status line) is
// shared by every pane; each pane (services, service detail, HAProxy,
// registry, cluster, events, the text page, the confirm dialog, prompts)
// owns its state, handles the keys routed to it and its own messages, and
// renders only its visible rows; only the root returns a tea.View, and it
// routes. The UI never does I/O in View, never holds a ZooKeeper, Serf or
// HAProxy connection, and changes things only through actions.Executor.
//
// Keys are matched only through the KeyMap (keys.go, overridable with
// Options.Keys); help, the footer, the hints line under the detail and
// HAProxy views, menus, dialogs, plans and error messages take their
// letters from it. An esc-prefixed key that no binding claims (what a slow
// SSH link delivers for Esc then a key) is read as Esc, then the key. The
// copy key writes the selected name to the clipboard with OSC 52, which
// the terminal carries out, over SSH too.
//
// The screens: Services (1) lists the worst first and marks a row that just
// appeared or changed; with nothing to list it says why and the next step.
// Before a source's first read its figures read "?" and the worst finding
// "not read yet", never 0 or stale. HAProxy (2) lists servers under their
// backend, and filtered, names each server's backend (svc_b/web1_…);
// Registry (3) browses ZooKeeper or
// the Serf members; Cluster (4) shows the sources and the ensemble; Events
// (5) follows the newest like less +F until the user scrolls. Every row
// opens in full with enter, and columns give way to the sentence that
// matters, so 80x24 is a usable terminal.
package ui
