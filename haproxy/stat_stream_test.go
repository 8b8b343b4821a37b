package haproxy

import (
	"bytes"
	"reflect"
	"runtime"
	"testing"
)

// feedStream gives data to a StatStream the way the client does: complete
// lines in pieces cut after every step-th newline, then the rest.
func feedStream(data []byte, step int) (*Stats, error) {
	p := NewStatStream(0)
	last := bytes.LastIndexByte(data, '\n') + 1 // everything after goes to Finish
	start, seen := 0, 0
	for i := 0; i < last; i++ {
		if data[i] != '\n' {
			continue
		}
		if seen++; seen%step == 0 {
			p.Lines(string(data[start : i+1]))
			start = i + 1
		}
	}
	p.Lines(string(data[start:last]))
	return p.Finish(data[last:])
}

// sameStats fails the test unless the stream and ParseStat agree.
func sameStats(t *testing.T, data []byte, step int) {
	t.Helper()
	want, werr := ParseStat(data)
	got, gerr := feedStream(bytes.Clone(data), step)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("step %d: ParseStat err %v, stream err %v", step, werr, gerr)
	}
	if werr != nil {
		if werr.Error() != gerr.Error() {
			t.Fatalf("step %d: errors differ:\n%v\n%v", step, werr, gerr)
		}
		return
	}
	if !reflect.DeepEqual(want.Fields, got.Fields) || len(want.Rows) != len(got.Rows) {
		t.Fatalf("step %d: %d fields / %d rows, want %d / %d", step, len(got.Fields), len(got.Rows), len(want.Fields), len(want.Rows))
	}
	for i := range want.Rows {
		if !reflect.DeepEqual(want.Rows[i], got.Rows[i]) {
			t.Fatalf("step %d: row %d differs:\n got %+v\nwant %+v", step, i, got.Rows[i], want.Rows[i])
		}
	}
}

func TestStatStreamMatchesParseStat(t *testing.T) {
	inputs := map[string][]byte{
		"capture":            readTestdata(t, "states-show-stat.txt"),
		"quoted across line": []byte("# pxname,svname,check_desc,\nbe,a,x,\nbe,s,\"a,\"\"b\"\nc\",\nbe,t,y,\n"),
		"quote in last line": []byte("# pxname,svname,check_desc,\nbe,a,x,\nbe,s,\"q\","),
		"crlf and blanks":    []byte("# pxname,svname,status,\r\n\r\nbe,a,UP,\r\n\nbe,b,DOWN,"),
		"header only":        []byte("# pxname,svname,\n"),
		"header no newline":  []byte("# pxname,svname,"),
		"error text":         []byte("Unknown command: 'show stat'\n"),
		"empty":              nil,
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			for _, step := range []int{1, 2, 3, 1000} {
				sameStats(t, data, step)
			}
		})
	}
}

// Finish's argument is the client's read buffer, reused afterwards: rows
// must not alias it.
func TestStatStreamCopiesFinishInput(t *testing.T) {
	p := NewStatStream(1)
	p.Lines("# pxname,svname,status,\n")
	buf := []byte("be,web1,UP,\n")
	st, err := p.Finish(buf)
	copy(buf, bytes.Repeat([]byte("x"), len(buf)))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Rows) != 1 || st.Rows[0].Name() != "web1" || st.Rows[0].Status() != "UP" {
		t.Fatalf("rows = %+v", st.Rows)
	}
	if v, _ := st.Rows[0].Field("status"); v != "UP" {
		t.Fatalf("Field(status) = %q", v)
	}
}

func FuzzStatStream(f *testing.F) {
	addCaptures(f, "show-stat")
	f.Add([]byte("# pxname,svname,check_desc,\nbe,s,\"a,\"\"b\"\nc\",\n"))
	f.Add([]byte("# a\n\"unterminated"))
	f.Fuzz(func(t *testing.T, data []byte) {
		step := 1
		if len(data) > 0 {
			step = int(data[len(data)-1]%7) + 1
		}
		sameStats(t, data, step)
	})
}

// BenchmarkStatStream50k parses the 50,000-server reply in 64 KB pieces, as
// the client hands them over while reading.
func BenchmarkStatStream50k(b *testing.B) {
	data := bigShowStat(b)
	b.SetBytes(int64(len(data)))
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := cpuNow()
	rows := 0
	b.ResetTimer()
	for range b.N {
		p := NewStatStream(rows)
		start := 0
		for start < len(data) {
			end := min(start+64<<10, len(data))
			if nl := bytes.LastIndexByte(data[start:end], '\n'); nl >= 0 && end < len(data) {
				end = start + nl + 1
			}
			if end == len(data) {
				break
			}
			p.Lines(string(data[start:end]))
			start = end
		}
		st, err := p.Finish(data[start:])
		if err != nil {
			b.Fatal(err)
		}
		rows = len(st.Rows)
	}
	b.StopTimer()
	reportPerRow(b, rows, &before, cpu0)
}
