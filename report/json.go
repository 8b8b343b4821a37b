package report

import (
	"encoding/json"
	"errors"

	"github.com/stacktui/stacktui/state"
)

// JSON renders v as the stable Document schema (see Document and SCHEMA.md),
// indented, without a trailing newline.
func JSON(v *state.View, sources []SourceStatus) ([]byte, error) {
	if v == nil {
		return nil, errors.New("report: no view to print (nothing was joined)")
	}
	return json.MarshalIndent(Build(v, sources), "", "  ")
}
