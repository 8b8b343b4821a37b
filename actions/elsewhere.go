package actions

import "strings"

// ElsewhereError refuses an action that cannot be done from this host, and
// says where it can be done and with which exact commands: it is returned
// instead of a plan that would change the wrong host or member.
type ElsewhereError struct {
	What     string   // what was asked, e.g. "change the Serf tags of node2"
	Why      string   // why not from here
	Where    string   // where to run Commands, e.g. "node2's host (10.0.0.2)"
	Commands []string // the exact commands to run there
	Note     string   // what to adjust in them, or ""
}

// Error says what cannot be done from here, why, and what to run where.
func (e *ElsewhereError) Error() string {
	s := "cannot " + e.What + " from here: " + e.Why + "; on " + e.Where + " run: " + strings.Join(e.Commands, "; ")
	if e.Note != "" {
		s += " (" + e.Note + ")"
	}
	return s
}
