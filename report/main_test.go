package report

import (
	"os"
	"testing"
	"time"
)

// TestMain renders times of day (in diagnoses) in UTC, so the goldens do not
// depend on the machine's zone.
func TestMain(m *testing.M) {
	time.Local = time.UTC
	os.Exit(m.Run())
}
