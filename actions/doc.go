// Package actions is the only package in stacktui that changes anything.
//
// Every change is first an Action: a plan that says what will change, where,
// the exact commands that will be sent, written or run, its scope and whether
// it lasts. The UI shows the plan in a confirm dialog and hands the Action to
// Executor.Run, the one choke point that applies it. Action has unexported
// methods, so no other package can implement or apply one; an Executor built
// by NewReadOnlyExecutor holds no write-capable handle at all and refuses every
// Action before touching anything. Run writes an "intent" line to the audit
// log (and fsyncs it) before it changes anything, and refuses the action when
// that write fails; it writes a "result" line before it reports the result.
package actions
