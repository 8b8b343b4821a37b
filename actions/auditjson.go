package actions

import (
	"encoding/json"

	"github.com/stacktui/stacktui/internal/termtext"
)

// MarshalJSON writes the record as plain JSON, with the characters
// encoding/json leaves raw but a terminal acts on (C1 controls, bidi
// overrides: they come in with server names, replies and errors) as \u
// escapes, so `tail -f` of the audit log shows them instead of obeying
// them. The value is unchanged.
func (r AuditRecord) MarshalJSON() ([]byte, error) {
	type plain AuditRecord // without this method
	b, err := json.Marshal(plain(r))
	return termtext.JSON(b), err
}
