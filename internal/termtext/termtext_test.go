package termtext

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// attacks are the strings issue 14 saw reach the terminal, and their
// relatives: the fuzz tests here start from them.
var attacks = []string{
	"web-1\nweb-2 UP L7OK fake row",
	"crlf\r\nrow",
	"red\x1b[31mRED",
	"hidden\x1b[8mHIDDEN",
	"reset\x1b[0m kills the highlight",
	"clear\x1b[2J\x1b[Hscreen",
	"title\x1b]0;pwned\x07",
	"title-st\x1b]2;pwned\x1b\\",
	"csi-c1\u009b2J",
	"osc-c1\u009d0;t\u009c",
	"rlo\u202eevil.exe",
	"isolate\u2066x\u2069",
	"zwj\u200dspoof\u200b\u200c\u200e\u200f",
	"bom\ufeffname",
	"sep\u2028line\u2029para",
	"tab\there",
	"del\x7fete",
	"nul\x00byte",
	"bad utf8 \xff\xfe \xc3",
	"soft\u00adhyphen",
	"tag\U000e0041chars",
	"wide 世界 ok",
	"emoji 👍 ok",
}

func TestCleanMapping(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"svc_a", "svc_a"},
		{"web-1_10.0.0.1:8080", "web-1_10.0.0.1:8080"},
		{"", ""},
		{"a\nb", `a\nb`},
		{"a\r\nb", `a\r\nb`},
		{"a\tb", `a\tb`},
		{"\a\b\f\v", `\a\b\f\v`},
		{"\x00\x01\x1f", `\x00\x01\x1f`},
		{"\x1b[31mred", `\x1b[31mred`},
		{"\x7f", `\x7f`},
		{"\u0085\u009b", `\u0085\u009b`},
		{"a\u202eb", `a\u202eb`},
		{"\u202a\u202b\u202c\u202d", `\u202a\u202b\u202c\u202d`},
		{"\u2066\u2067\u2068\u2069", `\u2066\u2067\u2068\u2069`},
		{"\u200b\u200c\u200d\u200e\u200f", `\u200b\u200c\u200d\u200e\u200f`},
		{"\ufeff", `\ufeff`},
		{"\u2028\u2029", `\u2028\u2029`},
		{"\u00ad", `\u00ad`},
		{"\U000e0001", `\U000e0001`},
		{"\ue000", `\ue000`}, // private use: no agreed glyph or width
		{"\xff", `\xff`},
		{"\xc3", `\xc3`},                 // a truncated sequence
		{"\xed\xa0\x80", `\xed\xa0\x80`}, // an encoded surrogate is not UTF-8
		{"é", "é"},
		{"e\u0301", "e\u0301"}, // a combining mark stays with its letter
		{"世界", "世界"},
		{"\u00a0nbsp", "\u00a0nbsp"},
		{"\ufffd", "\ufffd"}, // a real replacement character is text
		{`back\slash`, `back\slash`},
	} {
		if got := Clean(c.in); got != c.want {
			t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
		}
		if IsClean(c.in) != (c.in == c.want) {
			t.Errorf("IsClean(%q) = %v", c.in, IsClean(c.in))
		}
	}
}

func TestCleanKeepsCleanTextWithoutAllocating(t *testing.T) {
	for _, s := range []string{"svc_checkout", "web-3_127.0.0.1:46399", "ünïcödé 世界"} {
		if n := testing.AllocsPerRun(100, func() { _ = Clean(s) }); n != 0 {
			t.Errorf("Clean(%q) allocates %v times", s, n)
		}
	}
}

func checkClean(t *testing.T, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("Clean(%q) = %q is not UTF-8", in, out)
	}
	for _, r := range out {
		if !Printable(r) {
			t.Fatalf("Clean(%q) = %q keeps %U", in, out, r)
		}
	}
	if Clean(out) != out {
		t.Fatalf("not idempotent: Clean(%q) = %q, again %q", in, out, Clean(out))
	}
	if !IsClean(out) {
		t.Fatalf("IsClean(Clean(%q)) is false", in)
	}
	if IsClean(in) != (in == out) {
		t.Fatalf("IsClean(%q) = %v but Clean gives %q", in, IsClean(in), out)
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range attacks {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkClean(t, s, Clean(s)) })
}

func TestCleanAttacks(t *testing.T) {
	for _, s := range attacks {
		out := Clean(s)
		checkClean(t, s, out)
		if strings.ContainsAny(out, "\x1b\n\r\t") {
			t.Errorf("Clean(%q) = %q", s, out)
		}
	}
}

// checkJSON asserts JSON(b) decodes to what b decodes to and that nothing a
// terminal acts on is left outside the JSON whitespace.
func checkJSON(t *testing.T, b []byte) {
	t.Helper()
	out := JSON(b)
	var want, got any
	errW, errG := json.Unmarshal(b, &want), json.Unmarshal(out, &got)
	if (errW == nil) != (errG == nil) {
		t.Fatalf("JSON(%q) = %q: decodes %v, was %v", b, out, errG, errW)
	}
	if errW == nil && utf8.Valid(b) {
		wb, _ := json.Marshal(want)
		gb, _ := json.Marshal(got)
		if !bytes.Equal(wb, gb) {
			t.Fatalf("JSON(%q) = %q changes the value: %s != %s", b, out, gb, wb)
		}
	}
	for _, r := range string(out) {
		if !Printable(r) && r != '\n' && r != '\t' && r != '\r' && r >= 0x20 {
			t.Fatalf("JSON(%q) = %q keeps %U", b, out, r)
		}
	}
	if !bytes.Equal(JSON(out), out) {
		t.Fatalf("JSON is not idempotent on %q", b)
	}
}

func FuzzJSON(f *testing.F) {
	for _, s := range attacks {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := json.MarshalIndent(map[string]any{"name": s, "list": []string{s, "x"}}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		checkJSON(t, b)
		checkJSON(t, []byte(s))
	})
}

func TestJSONEscapesWhatEncodingJSONLeaves(t *testing.T) {
	b, _ := json.Marshal("a\u009b2J\u202e\x7f\U000e0041\u00e9\n")
	got := string(JSON(b))
	want := `"a\u009b2J\u202e\u007f\udb40\udc41é\n"`
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	clean := []byte(`{"a": "b", "c": [1, 2]}` + "\n")
	if n := testing.AllocsPerRun(100, func() { _ = JSON(clean) }); n != 0 {
		t.Errorf("JSON of clean text allocates %v times", n)
	}
}

// The scan that skips eight plain bytes at a time finds an unsafe
// character at every offset and in every word position.
func TestJSONFindsUnsafeAtEveryOffset(t *testing.T) {
	for _, bad := range []string{"\x7f", "\u009b", "\u202e", "\xff", "\U000e0041"} {
		for at := range 20 {
			b := []byte(strings.Repeat("a", at) + bad + strings.Repeat("b", 20))
			if got := firstUnsafeJSON(b); got != at {
				t.Errorf("%q at %d: firstUnsafeJSON = %d", bad, at, got)
			}
		}
	}
	if got := firstUnsafeJSON([]byte(strings.Repeat("~é", 9))); got != -1 {
		t.Errorf("printable text: firstUnsafeJSON = %d, want -1", got)
	}
}

func TestJSONWriterHoldsSplitCharacters(t *testing.T) {
	b, _ := json.Marshal(map[string]string{"name": "x\u202e世界\u009by"})
	want := JSON(b)
	for split := 0; split <= len(b); split++ {
		var out bytes.Buffer
		w := JSONWriter(&out)
		for _, part := range [][]byte{b[:split], b[split:]} {
			if n, err := w.Write(part); err != nil || n != len(part) {
				t.Fatalf("Write = %d, %v", n, err)
			}
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("split at %d: %q, want %q", split, out.Bytes(), want)
		}
	}
}

func BenchmarkClean(b *testing.B) {
	for _, c := range []struct{ name, s string }{
		{"ascii", "web-3_127.0.0.1:46399"},
		{"unicode", "ünïcödé-世界_10.0.0.1:8080"},
		{"escaped", "web\x1b[31m-3\n\u202e_127.0.0.1:46399"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.s)))
			for b.Loop() {
				_ = Clean(c.s)
			}
		})
	}
}

// BenchmarkCleanScreen is a 160x48 frame's worth of cells: what the UI
// cleans per frame of a 50,000-row view, whose rows off screen are never
// cleaned.
func BenchmarkCleanScreen(b *testing.B) {
	cells := make([]string, 0, 48*12)
	for i := range 48 {
		cells = append(cells, "  i-0250-0"+string(rune('0'+i%10))+"_10.0.250.17:8080", "1", "UP", "L7OK",
			"17", "34", "0", "2k", "9", "1", "0", "3h")
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range cells {
			_ = Clean(c)
		}
	}
}

// TestPrintableShortcuts: Printable's shortcuts agree with its definition
// on every code point, and every code point it refuses has an escape.
func TestPrintableShortcuts(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		want := unicode.IsGraphic(r) && !(r >= 0x80 && r <= 0x9f)
		if Printable(r) != want {
			t.Errorf("Printable(%U) = %v, want %v", r, !want, want)
		}
		// The escapes of the planes in use (the rest is unassigned or
		// private, escaped the same way) keep this fast under -race.
		inUse := r < 0x20000 || r >= 0xe0000 && r < 0xe1000
		if !want && inUse && utf8.ValidRune(r) && !IsClean(Clean(string(r))) {
			t.Errorf("Clean(%U) = %q", r, Clean(string(r)))
		}
	}
}
