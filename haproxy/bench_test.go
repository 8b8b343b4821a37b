package haproxy

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	bigStatOnce sync.Once
	bigStat     []byte
)

// bigShowStat builds a `show stat` of 50,000 servers (500 backends of 100)
// from the rows of a real HAProxy 2.6 capture, varying names and counters so
// the numbers are not all the same digits.
func bigShowStat(b testing.TB) []byte {
	bigStatOnce.Do(func() { bigStat = genShowStat(b, 500) })
	return bigStat
}

// genShowStat builds a `show stat` of backends x 100 servers.
func genShowStat(b testing.TB, backends int) []byte {
	capture := string(readTestdata(b, "stale-session-show-stat.txt"))
	lines := strings.Split(capture, "\n")
	header := lines[0]
	var srv, be string
	for _, l := range lines {
		if strings.HasPrefix(l, "svc_a,ss-accept-host_127.0.0.1:31001,") {
			srv = strings.TrimPrefix(l, "svc_a,ss-accept-host_127.0.0.1:31001,")
		}
		if strings.HasPrefix(l, "svc_a,BACKEND,") {
			be = strings.TrimPrefix(l, "svc_a,BACKEND,")
		}
	}
	var buf bytes.Buffer
	buf.WriteString(header + "\n")
	n := 0
	for p := range backends {
		for s := range 100 {
			n++
			row := strings.Replace(srv, "0,0,0,0,,0,0,0,", fmt.Sprintf("%d,%d,%d,%d,,%d,%d,%d,", n%7, n%13, n%100, n%1000, n*31, n*977, n*1531), 1)
			fmt.Fprintf(&buf, "service_%d,host%d_10.%d.%d.%d:%d,%s\n", p, s, p/256, p%256, s, 31000+s, row)
		}
		fmt.Fprintf(&buf, "service_%d,BACKEND,%s\n", p, be)
	}
	return buf.Bytes()
}

// cpuNow is this process's user+system CPU time: on a shared machine the
// wall-clock ns/op of these benchmarks swings with other load, while the
// CPU time per op (reported as cpu-ms/op) is what the comparison needs.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportPerRow(b *testing.B, rows int, before *runtime.MemStats, cpu0 time.Duration) {
	cpu := cpuNow() - cpu0
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*rows), "allocs/row")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N*rows), "B/row")
}

// BenchmarkParseStat50k parses a 50,000-server `show stat` (about 12 MB).
func BenchmarkParseStat50k(b *testing.B) {
	data := bigShowStat(b)
	b.SetBytes(int64(len(data)))
	st, err := ParseStat(data)
	if err != nil {
		b.Fatal(err)
	}
	rows := len(st.Rows)
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := cpuNow()
	b.ResetTimer()
	for range b.N {
		if _, err := ParseStat(data); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportPerRow(b, rows, &before, cpu0)
}

// BenchmarkEncodingCSV50k is the baseline: encoding/csv reading the same
// input record by record, without even converting the fields.
func BenchmarkEncodingCSV50k(b *testing.B) {
	data := bigShowStat(b)
	b.SetBytes(int64(len(data)))
	rows := bytes.Count(data, []byte("\n")) - 1
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := cpuNow()
	b.ResetTimer()
	for range b.N {
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	reportPerRow(b, rows, &before, cpu0)
}

// BenchmarkEncodingCSVReuse50k is encoding/csv at its fastest (ReuseRecord).
func BenchmarkEncodingCSVReuse50k(b *testing.B) {
	data := bigShowStat(b)
	b.SetBytes(int64(len(data)))
	rows := bytes.Count(data, []byte("\n")) - 1
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := cpuNow()
	b.ResetTimer()
	for range b.N {
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		r.ReuseRecord = true
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	reportPerRow(b, rows, &before, cpu0)
}

func TestBigShowStatParses(t *testing.T) {
	data := genShowStat(t, 50)
	st, err := ParseStat(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < parallelMin || len(st.Rows) != 5050 {
		t.Fatalf("rows = %d", len(st.Rows))
	}
	r := st.Rows[1]
	if r.Proxy != "service_0" || r.Name() != "host1_10.0.0.1:31001" || r.Status() != "UP" || r.SCur() != 2 {
		t.Fatalf("row 1: %+v", r)
	}
	t.Logf("input %d bytes", len(data))
}

// TestParallelMatchesSerial checks the chunked parse of a large reply
// against the one-goroutine parse, also with empty lines that leave holes.
func TestParallelMatchesSerial(t *testing.T) {
	data := genShowStat(t, 50) // over parallelMin: the chunked path
	holes := bytes.Replace(data, []byte("\nservice_3,BACKEND"), []byte("\n\n\r\nservice_3,BACKEND"), 1)
	holes = bytes.Replace(holes, []byte("\nservice_40,BACKEND"), []byte("\n\nservice_40,BACKEND"), 1)
	for _, in := range [][]byte{data, holes} {
		st, err := ParseStat(in)
		if err != nil {
			t.Fatal(err)
		}
		s := string(in)
		hdrEnd := strings.IndexByte(s, '\n')
		hdr := parseStatHeader(s[2:hdrEnd])
		serial := make([]Row, strings.Count(s, "\n")+1)
		n := parseRows(newRowBuilder(), hdr, s[hdrEnd+1:], in[hdrEnd+1:], serial)
		if n != len(st.Rows) || n != 5050 {
			t.Fatalf("parallel %d rows, serial %d", len(st.Rows), n)
		}
		for i := range n {
			a, b := st.Rows[i], serial[i]
			a.hdr, b.hdr = nil, nil
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("row %d differs:\n%+v\n%+v", i, a, b)
			}
		}
	}
}

// bigServersState builds a `show servers state` of 50,000 servers (500
// backends of 100) from the lines of a real HAProxy 2.6 capture.
func bigServersState(b testing.TB) []byte {
	capture := strings.Split(string(readTestdata(b, "deregistered-show-servers-state.txt")), "\n")
	line := strings.Fields(capture[2])
	var buf bytes.Buffer
	buf.WriteString(capture[0] + "\n" + capture[1] + "\n")
	for p := range 500 {
		for s := range 100 {
			line[0], line[1], line[2] = fmt.Sprint(p+3), fmt.Sprintf("service_%d", p), fmt.Sprint(s+1)
			line[3], line[4] = fmt.Sprintf("host%d_10.%d.%d.%d:%d", s, p/256, p%256, s, 31000+s), fmt.Sprintf("10.%d.%d.%d", p/256, p%256, s)
			buf.WriteString(strings.Join(line, " ") + "\n")
		}
	}
	return buf.Bytes()
}

// BenchmarkParseServersState50k parses a 50,000-server `show servers
// state` (about 5 MB), read for the first screen of a large HAProxy.
func BenchmarkParseServersState50k(b *testing.B) {
	data := bigServersState(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if ss, err := ParseServersState(data); err != nil || len(ss) != 50000 {
			b.Fatal(len(ss), err)
		}
	}
}

// BenchmarkServersStateStream50k parses the same reply handed over in 256 KB
// pieces of whole lines, as the client does while reading it: the parse
// itself overlaps the reading, what follows the last piece is gathering the
// pieces' servers into one slice.
func BenchmarkServersStateStream50k(b *testing.B) {
	data := bigServersState(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var p ServersStateStream
		s := string(data)
		for len(s) > 256<<10 {
			end := strings.LastIndexByte(s[:256<<10], '\n') + 1
			p.Lines(s[:end])
			s = s[end:]
		}
		if ss, err := p.Finish(s); err != nil || len(ss) != 50000 {
			b.Fatal(len(ss), err)
		}
	}
}

// bigProxies are the BACKEND rows of bigServersState's 500 backends.
func bigProxies() *Stats {
	proxies := &Stats{Fields: []string{"pxname", "svname"}}
	for p := range 500 {
		proxies.Rows = append(proxies.Rows, Row{Proxy: fmt.Sprintf("service_%d", p), Type: TypeBackend, IID: int32(p + 3)}.WithString(ColName, "BACKEND").WithString(ColMode, "http"))
	}
	return proxies
}

// BenchmarkPreviewStats50k assembles the preview of 50,000 servers from
// parsed servers state and 500 backends' proxy rows.
func BenchmarkPreviewStats50k(b *testing.B) {
	ss, err := ParseServersState(bigServersState(b))
	if err != nil {
		b.Fatal(err)
	}
	proxies := bigProxies()
	b.ReportAllocs()
	for b.Loop() {
		if st := PreviewStats(proxies, ss); len(st.Rows) != 50500 {
			b.Fatal(len(st.Rows))
		}
	}
}

// BenchmarkPreviewStream50k is the first screen's preview as the poller
// makes it: the reply handed over in 256 KB pieces, each piece's servers
// made into rows at once (ServersStateStream.Each), then the rows put in
// `show stat` order. Only Stats, the last line, follows HAProxy's writing;
// see BenchmarkPreviewStreamStats50k.
func BenchmarkPreviewStream50k(b *testing.B) {
	data, proxies := bigServersState(b), bigProxies()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if st := previewStream(data, proxies); len(st.Rows) != 50500 {
			b.Fatal(len(st.Rows))
		}
	}
}

// previewStream feeds data to a PreviewBuilder through a stream in 256 KB
// pieces.
func previewStream(data []byte, proxies *Stats) *Stats {
	pb := NewPreviewBuilder(proxies)
	p := ServersStateStream{Each: pb.Add}
	s := string(data)
	for len(s) > 256<<10 {
		end := strings.LastIndexByte(s[:256<<10], '\n') + 1
		p.Lines(s[:end])
		s = s[end:]
	}
	if _, err := p.Finish(s); err != nil {
		panic(err)
	}
	return pb.Stats()
}

// BenchmarkPreviewStreamStats50k is what of BenchmarkPreviewStream50k is
// left once HAProxy has written its last line: the rows put in order.
func BenchmarkPreviewStreamStats50k(b *testing.B) {
	data, proxies := bigServersState(b), bigProxies()
	pb := NewPreviewBuilder(proxies)
	p := ServersStateStream{Each: pb.Add}
	if _, err := p.Finish(string(data)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if st := pb.Stats(); len(st.Rows) != 50500 {
			b.Fatal(len(st.Rows))
		}
	}
}

// lightPollReplies are the replies of one light poll at 50,000 servers: the
// proxy rows of 500 services (`show stat -1 3 -1`: a FRONTEND and a BACKEND
// each) and four watched backends' 100 servers (`show stat <iid> 4 -1`).
func lightPollReplies(b testing.TB) [][]byte {
	capture := string(readTestdata(b, "stale-session-show-stat.txt"))
	var fe string
	for _, l := range strings.Split(capture, "\n") {
		if strings.HasPrefix(l, "svc_a,FRONTEND,") {
			fe = strings.TrimPrefix(l, "svc_a,FRONTEND,")
		}
	}
	lines := strings.Split(strings.TrimSuffix(string(bigShowStat(b)), "\n"), "\n")
	header := lines[0] + "\n"
	var proxies, servers strings.Builder
	proxies.WriteString(header)
	replies := [][]byte{nil}
	for _, l := range lines[1:] {
		proxy, rest, _ := strings.Cut(l, ",")
		if strings.HasPrefix(rest, "BACKEND,") {
			proxies.WriteString(proxy + ",FRONTEND," + fe + "\n" + l + "\n")
			if len(replies) <= 4 {
				replies = append(replies, []byte(header+servers.String()))
			}
			servers.Reset()
			continue
		}
		servers.WriteString(l + "\n")
	}
	replies[0] = []byte(proxies.String())
	return replies
}

// BenchmarkParseLightPoll50k parses one light poll's replies at 50,000
// servers (1,000 proxy rows, 400 servers): what an idle console parses every
// second between full reads.
func BenchmarkParseLightPoll50k(b *testing.B) {
	replies := lightPollReplies(b)
	rows := 0
	for _, r := range replies {
		st, err := ParseStat(r)
		if err != nil {
			b.Fatal(err)
		}
		rows += len(st.Rows)
	}
	if rows != 1400 {
		b.Fatalf("%d rows, want 1400", rows)
	}
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := cpuNow()
	b.ResetTimer()
	for range b.N {
		for _, r := range replies {
			if _, err := ParseStat(r); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	reportPerRow(b, rows, &before, cpu0)
}

// bumpLastchg returns reply with every non-empty lastchg one second on: the
// next light poll of an idle HAProxy.
func bumpLastchg(b testing.TB, reply []byte) []byte {
	lines := strings.Split(string(reply), "\n")
	col := -1
	for i, name := range strings.Split(strings.TrimPrefix(lines[0], "# "), ",") {
		if name == "lastchg" {
			col = i
		}
	}
	if col < 0 {
		b.Fatal("no lastchg column")
	}
	for i := 1; i < len(lines); i++ {
		f := strings.Split(lines[i], ",")
		if len(f) > col && f[col] != "" {
			f[col] = fmt.Sprint(atoi64(f[col]) + 1)
			lines[i] = strings.Join(f, ",")
		}
	}
	return []byte(strings.Join(lines, "\n"))
}

// BenchmarkParseLightPoll50kReuse is BenchmarkParseLightPoll50k as the
// client parses it (haproxy.StatReuse per command) on an idle HAProxy:
// every poll the same rows but for lastchg, one second on.
func BenchmarkParseLightPoll50kReuse(b *testing.B) {
	replies := lightPollReplies(b)
	next := make([][]byte, len(replies))
	for i, r := range replies {
		next[i] = bumpLastchg(b, r)
	}
	reuse := make([]StatReuse, len(replies))
	for i, r := range replies {
		if _, err := reuse[i].Parse(r); err != nil {
			b.Fatal(err)
		}
	}
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := cpuNow()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		polls := next
		if n%2 == 1 {
			polls = replies
		}
		for i, r := range polls {
			if _, err := reuse[i].Parse(r); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	reportPerRow(b, 1400, &before, cpu0)
}
