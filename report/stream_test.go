package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/state"
)

// WriteJSON, which encodes services in parallel and frames them by hand,
// writes what the standard library's MarshalIndent of the whole Document
// does (escaped for a terminal), for every case and for no service at all.
func TestWriteJSONIsMarshalIndent(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	all := cases(t)
	all["no_services"] = func() (*state.View, []SourceStatus) {
		return &state.View{At: at}, nil
	}
	all["no_services_with_socket"] = func() (*state.View, []SourceStatus) {
		return state.Join(nil, []*haproxy.Snapshot{{Label: "local", At: at, LastGood: at, Stats: &haproxy.Stats{}}}, state.Config{Now: at}), nil
	}
	all["two_pieces_of_servers"] = func() (*state.View, []SourceStatus) { return bigView(6), nil }
	for name, mk := range all {
		t.Run(name, func(t *testing.T) {
			v, src := mk()
			want, err := json.MarshalIndent(Build(v, src), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := WriteJSON(&got, v, src); err != nil {
				t.Fatal(err)
			}
			if want := append(termtext.JSON(want), '\n'); !bytes.Equal(got.Bytes(), want) {
				t.Errorf("WriteJSON =\n%s\nwant\n%s", got.Bytes(), want)
			}
		})
	}
}

// A writer that fails (a closed pipe) ends the encoding with its error,
// with no worker left behind to block.
func TestWriteJSONWriteError(t *testing.T) {
	v := bigView(200)
	boom := errors.New("broken pipe")
	for _, after := range []int{0, 1, 300 << 10} {
		err := WriteJSON(&failingWriter{left: after, err: boom}, v, nil)
		if !errors.Is(err, boom) {
			t.Errorf("after %d bytes: err = %v, want %v", after, err, boom)
		}
	}
}

type failingWriter struct {
	left int
	err  error
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		return 0, w.err
	}
	w.left -= len(p)
	return len(p), nil
}

// jsonBytes is what WriteJSON writes for v, without the final newline.
func jsonBytes(v *state.View, sources []SourceStatus) ([]byte, error) {
	var b bytes.Buffer
	if err := WriteJSON(&b, v, sources); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
