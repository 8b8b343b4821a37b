package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// An indenter fed a whole document writes what json.Indent does for
// json.Marshal's output.
func FuzzIndent(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `{"a":[],"b":{},"c":[1,2,{"d":"e"}]}`, `"x"`, `null`, `[[[]]]`,
		`{"q":"a \"quoted\" \\ {not: [json]}, really","u":"\u003c\u2028é"}`,
		`[{"k":-1.5e+3,"t":true,"f":false,"n":null}]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v any
		if json.Unmarshal([]byte(s), &v) != nil {
			return
		}
		compact, err := json.Marshal(v)
		if err != nil {
			return
		}
		var want bytes.Buffer
		if err := json.Indent(&want, compact, "", "  "); err != nil {
			t.Fatal(err)
		}
		var in indenter
		if got := in.feed(nil, compact); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("feed(%s) =\n%s\nwant\n%s", compact, got, want.Bytes())
		}
	})
}

// Deep values are indented in full, beyond the spaces kept at hand.
func TestIndentDeep(t *testing.T) {
	compact := []byte(strings.Repeat("[", 80) + "1" + strings.Repeat("]", 80))
	var want bytes.Buffer
	if err := json.Indent(&want, compact, "", "  "); err != nil {
		t.Fatal(err)
	}
	var in indenter
	if got := in.feed(nil, compact); !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("feed =\n%s\nwant\n%s", got, want.Bytes())
	}
}
