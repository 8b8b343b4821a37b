package ui

import (
	"testing"
	"time"

	"github.com/stacktui/stacktui/state"
)

func TestHistoryForgetsServicesGoneFromTheView(t *testing.T) {
	h := newHistory()
	at := fixedNow
	view := func(names ...string) *state.View {
		at = at.Add(time.Second)
		v := &state.View{At: at}
		for _, n := range names {
			v.Services = append(v.Services, state.Service{Name: n, Summary: state.Summary{ReqRate: 5}})
		}
		return v
	}
	h.observe(view("a", "b"))
	h.observe(view("a", "b"))
	if len(h.trend("a")) != 2 || len(h.trend("b")) != 2 {
		t.Fatalf("trends %v %v, want two samples each", h.trend("a"), h.trend("b"))
	}
	h.observe(view("a"))
	if h.trend("b") != nil || len(h.trend("a")) != 3 {
		t.Fatalf("after b left: a %v, b %v; want a with 3 samples, b forgotten", h.trend("a"), h.trend("b"))
	}
	h.observe(view("a", "b"))
	if len(h.trend("b")) != 1 {
		t.Fatalf("b back: %v, want a new trend of one sample", h.trend("b"))
	}
}
