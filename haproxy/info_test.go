package haproxy

import (
	"errors"
	"testing"
	"time"
)

func TestParseInfoCapture(t *testing.T) {
	info, err := ParseInfo(readTestdata(t, "deregistered-show-info.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "HAProxy" || info.Version != "2.6.12-1+deb12u4" || info.PID != 22642 ||
		info.Uptime != 66*time.Second || info.Nbthread != 2 || info.MaxConn != 4096 ||
		info.CumConns != 67 || info.CumReq != 17 || info.Tasks != 16 || info.IdlePct != 100 ||
		info.Node != "vm" || info.Stopping {
		t.Errorf("info: %+v", info)
	}
	if got := info.Get("Unstoppable Jobs"); got != "0" {
		t.Errorf("Get(Unstoppable Jobs) = %q", got)
	}
	if got := info.Get("Build info"); got != "2.6.12-1+deb12u4" {
		t.Errorf("Get(Build info) = %q", got)
	}
	if info.Fields[0] != (InfoField{"Name", "HAProxy"}) {
		t.Errorf("first field %+v", info.Fields[0])
	}
}

func TestParseInfoRejects(t *testing.T) {
	for _, in := range []string{"", "\n\n", "Unknown command, but maybe one of the following ones is a better match\n"} {
		if _, err := ParseInfo([]byte(in)); !errors.Is(err, ErrNotInfo) {
			t.Errorf("ParseInfo(%q) err = %v", in, err)
		}
	}
}
