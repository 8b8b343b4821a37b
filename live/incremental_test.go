package live

import (
	"errors"
	"io"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/stacktui/stacktui/state"
	"github.com/stacktui/stacktui/trace"
)

// TestIncrementalJoinOnTraces replays every recorded trace through an
// Engine (whose joins reuse the services that did not change) and checks
// each of its joins, and the events it derives, against a full state.Join
// of the same inputs with the same history.
func TestIncrementalJoinOnTraces(t *testing.T) {
	paths, err := filepath.Glob("../testdata/traces/*.jsonl.gz")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no traces in ../testdata/traces: %v", err)
	}
	reused, joins := 0, 0
	for _, path := range paths {
		r, err := trace.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		p := trace.NewPlayer(r)
		reg, haps := p.Baseline()
		e := NewEngine(EngineOptions{State: p.StateConfig(), Registry: reg, HAProxy: haps})
		for {
			ti, err := p.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			e.Apply(Input{At: ti.At, Line: ti.Line, Registry: ti.Registry, HAProxy: ti.HAProxy, Note: ti.Note})
			if !e.join {
				if e.change&ChangeTraffic != 0 {
					e.Retraffic(e.Last())
				}
				continue
			}
			at, before := e.Last(), e.view
			cfg := e.cfg
			cfg.Now, cfg.Maintenance = at, e.maint
			full := state.Join(e.reg, e.snapshots(), cfg)
			e.Join(at)
			joins++
			if !reflect.DeepEqual(e.view, full) {
				t.Fatalf("%s line %d: the engine's view differs from a full join's", filepath.Base(path), ti.Line)
			}
			if got, want := state.Events(before, e.view), state.Events(before, full); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s line %d: events differ:\n%v\n%v", filepath.Base(path), ti.Line, got, want)
			}
			if before != nil {
				for i := range e.view.Services {
					for k := range before.Services {
						if a, b := e.view.Services[i].Instances, before.Services[k].Instances; len(a) > 0 && len(a) == len(b) && &a[0] == &b[0] {
							reused++
						}
					}
				}
			}
			e.Observe()
		}
		r.Close()
	}
	t.Logf("%d joins over %d traces; %d services reused", joins, len(paths), reused)
	if reused == 0 {
		t.Fatal("no join reused a service: the traces did not exercise the incremental join")
	}
}
