package ui

import (
	"time"

	"github.com/stacktui/stacktui/state"
)

// trendLen is how many samples a service's sparkline keeps.
const trendLen = 40

// history keeps, per service, the request-rate samples behind the
// sparkline and the 5xx rate derived from successive totals. It is bounded:
// services gone from the view are forgotten.
type history struct {
	svc map[string]*svcHist
	gen uint64 // observe's count: a service not seen in the latest is gone
}

type svcHist struct {
	gen     uint64 // the observe that last saw it
	req     []float64
	lastAt  time.Time
	last5xx int64
	rate5xx float64
}

func newHistory() *history { return &history{svc: map[string]*svcHist{}} }

// observe records one joined view. Samples closer than 500ms are merged so
// registry bursts do not compress the time axis.
func (h *history) observe(v *state.View) {
	if v == nil {
		return
	}
	h.gen++ // marks the services seen, without a set of them per frame
	for i := range v.Services {
		s := &v.Services[i]
		sh := h.svc[s.Name]
		if sh != nil {
			sh.gen = h.gen
		}
		if sh == nil {
			sh = &svcHist{gen: h.gen, lastAt: v.At, last5xx: s.Summary.Hrsp5xx}
			h.svc[s.Name] = sh
			sh.req = append(sh.req, float64(s.Summary.ReqRate))
			continue
		}
		if s.Summary.TrafficStale {
			continue // a failed read's figures are old: no sample, a gap
		}
		dt := v.At.Sub(sh.lastAt)
		if dt < 500*time.Millisecond {
			if len(sh.req) > 0 {
				sh.req[len(sh.req)-1] = float64(s.Summary.ReqRate)
			}
			continue
		}
		if d := s.Summary.Hrsp5xx - sh.last5xx; d >= 0 {
			sh.rate5xx = float64(d) / dt.Seconds()
		} else {
			sh.rate5xx = 0 // counters reset by a reload
		}
		sh.last5xx = s.Summary.Hrsp5xx
		sh.lastAt = v.At
		sh.req = append(sh.req, float64(s.Summary.ReqRate))
		if len(sh.req) > trendLen {
			sh.req = append(sh.req[:0], sh.req[len(sh.req)-trendLen:]...)
		}
	}
	for k, sh := range h.svc {
		if sh.gen != h.gen {
			delete(h.svc, k)
		}
	}
}

func (h *history) trend(svc string) []float64 {
	if s := h.svc[svc]; s != nil {
		return s.req
	}
	return nil
}

func (h *history) rate5xx(svc string) float64 {
	if s := h.svc[svc]; s != nil {
		return s.rate5xx
	}
	return 0
}
