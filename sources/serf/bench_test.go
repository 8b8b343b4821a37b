package serf

import (
	"fmt"
	"testing"

	"github.com/stacktui/stacktui/sources"
)

// BenchmarkDecode decodes a 2,000-member cluster with 5 services per member,
// the work done on every member event.
func BenchmarkDecode(b *testing.B) {
	ms := make([]sources.Member, 2000)
	for i := range ms {
		tags := map[string]string{"smart:serverweight": "50", "role": "web"}
		for s := range 5 {
			tags[fmt.Sprintf("smart:svc_%d_%d", s, 31000+s)] = fmt.Sprintf("10.0.%d.%d:%d", i/250, i%250, 31000+s)
		}
		ms[i] = sources.Member{Name: fmt.Sprintf("host-%04d", i), Addr: "10.0.0.1:7946", Status: "alive", Tags: tags}
	}
	b.ReportAllocs()
	for b.Loop() {
		if n := len(Decode(ms)); n != 5 {
			b.Fatal(n)
		}
	}
}
