package state

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The README's list of diagnoses is the code's: every code, and no other.
func TestREADMEListsEveryCode(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	start := strings.Index(text, "### What stacktui diagnoses")
	if start < 0 {
		t.Fatal(`README has no "### What stacktui diagnoses" section`)
	}
	section := text[start:]
	if end := strings.Index(section[4:], "\n#"); end >= 0 {
		section = section[:end+4]
	}
	// Each list item starts with its codes: "- `duplicate`, `stale_session`: ..."
	item := regexp.MustCompile("(?m)^- ((?:`[a-z_]+`(?:, )?)+)")
	code := regexp.MustCompile("`([a-z_]+)`")
	var listed []string
	for _, m := range item.FindAllStringSubmatch(section, -1) {
		for _, c := range code.FindAllStringSubmatch(m[1], -1) {
			listed = append(listed, c[1])
		}
	}
	var known []string
	for _, c := range AllCodes {
		known = append(known, string(c))
	}
	slices.Sort(listed)
	slices.Sort(known)
	if !slices.Equal(listed, known) {
		t.Errorf("README lists %v\nthe code has %v", listed, known)
	}
}
