package ui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/stacktui/stacktui/actions"
)

// openOutput shows lines in a scrollable page that stays until dismissed
// (esc): an action's full output and exit code, or a refusal with the
// commands to run elsewhere.
func (m *Model) openOutput(title string, lines []string) {
	m.text.open(title, lines)
	m.overlay = overlayOutput
}

// showElsewhere opens the refusal of an action that belongs on another host
// or member, with the exact commands for it. It reports false for other
// errors.
func (m *Model) showElsewhere(err error) bool {
	var ew *actions.ElsewhereError
	if !errors.As(err, &ew) {
		return false
	}
	lines := []string{
		m.st.Bad.Render("Not done from here: ") + ew.Why + ".",
		"",
		m.st.Section.Render("Run on " + ew.Where + ":"),
	}
	for _, c := range ew.Commands {
		lines = append(lines, "  "+c)
	}
	if ew.Note != "" {
		lines = append(lines, "", ew.Note+".")
	}
	m.openOutput("Cannot "+ew.What+" from here", lines)
	m.setError("refused: not from here; the command for " + ew.Where + " is on screen")
	return true
}

// showResult opens an executed command's output and exit code (the reload
// and restart commands), beside the one-line summary in the footer.
func (m *Model) showResult(r actions.Result) {
	verdict := "done"
	if r.Err != nil {
		verdict = "FAILED"
	}
	var lines []string
	lines = append(lines, fmt.Sprintf("%s at %s, took %s", verdict, r.Finished.Local().Format("15:04:05"), r.Finished.Sub(r.Started).Round(1e6)))
	if r.Err != nil {
		lines = append(lines, m.st.Bad.Render(r.Err.Error()))
	}
	for _, s := range r.Steps {
		lines = append(lines, "", m.st.Section.Render("$ "+s.Command))
		out := strings.TrimRight(s.Output, "\n")
		if out == "" {
			lines = append(lines, m.st.Muted.Render("(no output)"))
		} else {
			lines = append(lines, strings.Split(out, "\n")...)
		}
		code := fmt.Sprintf("exit code %d", s.ExitCode)
		if s.Err != "" && s.ExitCode <= 0 {
			code = "not completed: " + s.Err
		}
		st := &m.st.OK
		if s.Err != "" {
			st = &m.st.Bad
		}
		lines = append(lines, st.Render(code))
	}
	m.openOutput(r.Plan.Title+": "+verdict, lines)
}
