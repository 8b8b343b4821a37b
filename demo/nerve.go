package demo

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// registrar is how an instance is put into or taken out of the registry:
// a Serf tag or a ZooKeeper znode.
type registrar interface {
	// set registers or deregisters the instance.
	set(in *instance, registered bool) error
}

// verifier is a registrar that can check a registration is still there and
// restore it, as Nerve's ZooKeeper reporter does each cycle. The Serf
// reporter only writes on changes, so an operator's tag edit stays.
type verifier interface {
	verify(in *instance) error
}

// serfRegistrar is Nerve's Serf reporter: the instance's smart:<svc>_<port>
// tag on its node.
type serfRegistrar struct{ sc *serfCluster }

func (s serfRegistrar) set(in *instance, registered bool) error {
	v := ""
	if registered {
		v = in.addr()
	}
	return s.sc.setTag(in.Node, in.serfTag(), v)
}

// nerveState is one instance's Nerve check state.
type nerveState struct {
	registered bool
	ups, downs int
}

// nerveLoop is a small Nerve for every instance: it checks /health on an
// interval and registers after rise passes, deregisters after fall fails.
type nerveLoop struct {
	insts    []*liveInstance
	reg      registrar
	interval time.Duration
	rise     int
	fall     int
	logger   *slog.Logger
	client   *http.Client

	mu    sync.Mutex
	state map[string]*nerveState
}

// nerveDecision is the pure part of one check: the new state given the
// check's outcome and the chaos knobs.
func nerveDecision(s nerveState, healthy, off, blind bool, rise, fall int) nerveState {
	if healthy {
		s.ups, s.downs = s.ups+1, 0
	} else {
		s.ups, s.downs = 0, s.downs+1
	}
	switch {
	case off:
		s.registered = false
	case blind:
		// A stuck Nerve keeps whatever it had.
	case !s.registered && s.ups >= rise:
		s.registered = true
	case s.registered && s.downs >= fall:
		s.registered = false
	}
	return s
}

// run checks every instance each interval until ctx ends.
func (n *nerveLoop) run(ctx context.Context) {
	t := time.NewTicker(n.interval)
	defer t.Stop()
	for tick := 1; ; tick++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		verify := tick%4 == 0
		for _, li := range n.insts {
			if ctx.Err() != nil {
				return
			}
			n.checkOne(ctx, li, verify)
		}
	}
}

// checkOne runs one instance's check and applies the decision.
func (n *nerveLoop) checkOne(ctx context.Context, li *liveInstance, verify bool) {
	healthy := n.probe(ctx, li)
	n.mu.Lock()
	st := n.state[li.key()]
	if st == nil {
		st = &nerveState{registered: true}
		n.state[li.key()] = st
	}
	before := st.registered
	next := nerveDecision(*st, healthy, li.nerveOff.Load(), li.nerveBlind.Load(), n.rise, n.fall)
	n.mu.Unlock()
	if next.registered != before {
		if err := n.reg.set(li.instance, next.registered); err != nil {
			n.logger.Warn("nerve could not update the registry", "instance", li.key(), "err", err)
			next.registered = before // try again next cycle
		} else {
			n.logger.Debug("nerve", "instance", li.key(), "registered", next.registered)
		}
	} else if v, ok := n.reg.(verifier); ok && next.registered && verify {
		if err := v.verify(li.instance); err != nil {
			n.logger.Warn("nerve could not verify its registration", "instance", li.key(), "err", err)
		}
	}
	n.mu.Lock()
	*st = next
	n.mu.Unlock()
}

// probe is Nerve's http check of /health.
func (n *nerveLoop) probe(ctx context.Context, li *liveInstance) bool {
	// A generous timeout: on a busy machine a slow answer is not a failure.
	ctx, cancel := context.WithTimeout(ctx, max(n.interval, time.Second))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+li.addr()+"/health", nil)
	if err != nil {
		return false
	}
	resp, err := n.client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode/100 == 2
}

// isRegistered reports what this Nerve last registered for the instance.
func (n *nerveLoop) isRegistered(key string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	st := n.state[key]
	return st == nil || st.registered
}
