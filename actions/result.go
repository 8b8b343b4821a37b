package actions

import (
	"fmt"
	"strings"
	"time"
)

// Result is what Executor.Run did: the plan it applied, when, every step and
// the overall error (nil when every step succeeded).
type Result struct {
	Plan     Plan
	Started  time.Time
	Finished time.Time
	Steps    []Step
	Err      error
}

// Step is one command sent, file written or process run, with its outcome.
type Step struct {
	Command  string `json:"command"`
	Output   string `json:"output,omitempty"` // HAProxy's reply, a command's output
	ExitCode int    `json:"exit_code"`        // reload commands; 0 otherwise
	Err      string `json:"err,omitempty"`    // empty when the step succeeded
}

// OK reports whether the action ran and every step succeeded.
func (r Result) OK() bool { return r.Err == nil }

// Summary is one line for a status bar: what was done and how it ended.
func (r Result) Summary() string {
	failed, first := 0, ""
	for _, s := range r.Steps {
		if s.Err != "" {
			if failed == 0 {
				first = s.Command + ": " + s.Err
			}
			failed++
		}
	}
	title := r.Plan.Title
	if title == "" {
		title = string(r.Plan.Kind)
	}
	switch {
	case r.Err == nil:
		msg := fmt.Sprintf("%s: done (%d step%s)", title, len(r.Steps), plural(len(r.Steps)))
		if r.Plan.Undo != "" {
			msg += "; " + r.Plan.Undo
		}
		return msg
	case len(r.Steps) == 0:
		return fmt.Sprintf("%s: not done: %s", title, firstLine(r.Err.Error()))
	case failed == 0: // every step worked; something after them did not (the audit)
		return fmt.Sprintf("%s: done, but %s", title, firstLine(r.Err.Error()))
	default:
		return fmt.Sprintf("%s: %d of %d steps failed; first: %s", title, failed, len(r.Steps), firstLine(first))
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
