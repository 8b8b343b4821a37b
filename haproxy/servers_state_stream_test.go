package haproxy

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// parseServersStateWhole is ParseServersState as it was before the stream
// (it parsed the reply once whole), but for reading a server's line: the
// oracle the stream's pieces, lines and header are held to.
func parseServersStateWhole(data []byte) ([]ServerState, error) {
	s := string(data)
	first, rest, _ := strings.Cut(s, "\n")
	first = strings.TrimSpace(first)
	if first != "1" {
		return nil, fmt.Errorf("%w: it starts with %q (want format version \"1\"); check the backend name and that the socket is HAProxy's",
			ErrNotServersState, truncate(first, 80))
	}
	hdrLine, rest, _ := strings.Cut(rest, "\n")
	hdrLine = trimCR(hdrLine)
	if !strings.HasPrefix(hdrLine, "# ") {
		if strings.TrimSpace(hdrLine) == "" && strings.TrimSpace(rest) == "" {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: second line %q is not the \"# be_id ...\" header", ErrNotServersState, truncate(hdrLine, 80))
	}
	hdr := newStateHeader(hdrLine[2:])
	out := make([]ServerState, 0, strings.Count(rest, "\n")+1)
	for rest != "" {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		line = trimCR(line)
		if strings.TrimSpace(line) == "" || line[0] == '#' {
			continue
		}
		out = append(out, hdr.server(line))
	}
	return out, nil
}

// feedServersState hands data to a stream as the client does: pieces of
// step whole lines, then the rest (its last line maybe unterminated) to
// Finish. With each, the servers are what Each was handed, which Finish
// must not return again.
func feedServersState(data []byte, step int, each bool) ([]ServerState, error) {
	var p ServersStateStream
	var handed []ServerState
	if each {
		p.Each = func(part []ServerState) {
			if len(part) == 0 {
				panic("Each handed no servers")
			}
			handed = append(handed, part...)
		}
		defer func() {
			if p.Servers() != len(handed) {
				panic(fmt.Sprintf("Servers() %d, Each was handed %d", p.Servers(), len(handed)))
			}
		}()
	}
	finish := func(rest string) ([]ServerState, error) {
		ss, err := p.Finish(rest)
		if !each {
			return ss, err
		}
		if ss != nil {
			return nil, fmt.Errorf("Finish returned %d servers after Each", len(ss))
		}
		if err != nil || len(handed) == 0 {
			return nil, err
		}
		return handed, nil
	}
	s := string(data)
	for {
		end, n := 0, 0
		for n < step {
			i := strings.IndexByte(s[end:], '\n')
			if i < 0 {
				break
			}
			end += i + 1
			n++
		}
		if n < step || end == len(s) {
			return finish(s)
		}
		p.Lines(s[:end])
		s = s[end:]
	}
}

func sameServersState(t *testing.T, data []byte, step int) {
	t.Helper()
	want, werr := parseServersStateWhole(data)
	for _, each := range []bool{false, true} {
		got, gerr := feedServersState(data, step, each)
		if fmt.Sprint(werr) != fmt.Sprint(gerr) {
			t.Fatalf("step %d, each %v: errors differ:\nwhole:  %v\nstream: %v", step, each, werr, gerr)
		}
		if each && len(got) == 0 && len(want) == 0 {
			continue // Each tells no servers from a nil reply: Finish's error does
		}
		if (want == nil) != (got == nil) || !reflect.DeepEqual(want, got) {
			t.Fatalf("step %d, each %v: %d servers (nil %v), want %d (nil %v):\n got %+v\nwant %+v", step, each, len(got), got == nil, len(want), want == nil, got, want)
		}
	}
	if whole, err := ParseServersState(data); fmt.Sprint(err) != fmt.Sprint(werr) || !reflect.DeepEqual(whole, want) {
		t.Fatalf("ParseServersState differs from the whole parse: %v / %+v", err, whole)
	}
}

// The stream reads what the whole reply reads, however the reply is cut
// into pieces of whole lines, errors included.
func TestServersStateStreamMatchesWhole(t *testing.T) {
	hdr := "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state\n"
	inputs := map[string][]byte{
		"capture":                readTestdata(t, "states-show-servers-state.txt"),
		"crlf, blanks, comments": []byte("1\r\n" + strings.TrimSuffix(hdr, "\n") + "\r\n\r\n3 be 1 a 10.0.0.1 2 0\r\n# note\n \t\n3 be 2 b 10.0.0.2 0 1"),
		"header only":            []byte("1\n" + hdr),
		"header no newline":      []byte("1\n" + strings.TrimSuffix(hdr, "\n")),
		"version only":           []byte("1\n"),
		"version no newline":     []byte("1"),
		"blank second line":      []byte("1\n\n \n"),
		"junk after a blank":     []byte("1\n\nbe 1 a\n"),
		"not a header":           []byte("1\nbe_id be_name\n3 be\n"),
		"not version 1":          []byte("2\n" + hdr),
		"error text":             []byte("Unknown command: 'show servers state'\n"),
		"empty":                  nil,
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			for _, step := range []int{1, 2, 3, 1000} {
				sameServersState(t, data, step)
			}
		})
	}
}

func FuzzServersStateStream(f *testing.F) {
	addCaptures(f, "show-servers-state")
	f.Add([]byte("1\r\n# be_id be_name srv_id srv_name\r\n\r\n3 be 1 a\r\n# x\n3 be 2 b"))
	f.Add([]byte("1\n\n \nx\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		step := 1
		if len(data) > 0 {
			step = int(data[len(data)-1]%5) + 1
		}
		sameServersState(t, data, step)
	})
}
