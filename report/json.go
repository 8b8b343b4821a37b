package report

import (
	"encoding/json"
	"errors"

	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/state"
)

// JSON renders v as the stable Document schema (see Document and SCHEMA.md),
// indented, without a trailing newline. Characters a terminal would act on
// that encoding/json leaves raw (C1 controls, bidi overrides) are \u
// escapes: the same document, safe to print.
func JSON(v *state.View, sources []SourceStatus) ([]byte, error) {
	if v == nil {
		return nil, errors.New("report: no view to print (nothing was joined)")
	}
	b, err := json.MarshalIndent(Build(v, sources), "", "  ")
	return termtext.JSON(b), err
}
