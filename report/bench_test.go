package report

import (
	"fmt"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/state"
)

// bigView joins backends x 100 HAProxy servers, no registry.
func bigView(backends int) *state.View {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var rows []haproxy.Row
	for be := range backends {
		name := "svc" + strconv.Itoa(be)
		rows = append(rows, haproxy.Row{Proxy: name, Type: haproxy.TypeFrontend}.WithString(haproxy.ColName, "FRONTEND").WithString(haproxy.ColStatus, "OPEN"))
		for s := range 100 {
			addr := fmt.Sprintf("10.%d.%d.%d:80", be/256, be%256, s)
			rows = append(rows, haproxy.Row{Proxy: name, Type: haproxy.TypeServer, SID: int32(s + 1), Weight: 1}.WithString(haproxy.ColName, "s"+strconv.Itoa(s)).WithString(haproxy.ColStatus, "UP").WithString(haproxy.ColAddr, addr))
		}
		rows = append(rows, haproxy.Row{Proxy: name, Type: haproxy.TypeBackend}.WithString(haproxy.ColName, "BACKEND").WithString(haproxy.ColStatus, "UP"))
	}
	return state.Join(nil, []*haproxy.Snapshot{{Label: "local", At: at, LastGood: at, Stats: &haproxy.Stats{Rows: rows}}}, state.Config{Now: at})
}

// BenchmarkJSON50k renders `snapshot --json` of 50,000 HAProxy servers
// (500 backends x 100, no registry) to a writer that discards it.
func BenchmarkJSON50k(b *testing.B) {
	v := bigView(500)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteJSON(io.Discard, v, nil); err != nil {
			b.Fatal(err)
		}
	}
}
