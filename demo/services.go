package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// liveInstance is a running HTTP service instance plus the knobs the chaos
// loop and the Nerve loop turn.
type liveInstance struct {
	*instance
	spoolDir string
	srv      *http.Server
	ln       net.Listener

	failing    atomic.Bool  // /health answers 503 (chaos)
	extraDelay atomic.Int64 // nanoseconds added to `/` (chaos)
	nerveOff   atomic.Bool  // its Nerve stopped: deregistered whatever the health
	nerveBlind atomic.Bool  // its Nerve is stuck: keeps the registration whatever the health
}

// listenInstances opens one loopback listener per instance, so the ports are
// known before the registry and HAProxy are configured.
func listenInstances(n int) ([]net.Listener, error) {
	lns := make([]net.Listener, 0, n)
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, fmt.Errorf("demo: listening for service instance %d on 127.0.0.1: %w", i, err)
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// healthy is what /health answers: up unless chaos fails it or a hacheck
// spool file takes it down.
func (li *liveInstance) healthy(now time.Time) (bool, string) {
	if li.failing.Load() {
		return false, "failing (demo chaos)"
	}
	if down, reason := spooledDown(li.spoolDir, li.Service, li.Port, now); down {
		return false, "spooled down: " + reason
	}
	return true, ""
}

// handler serves /health and / with the instance's latency and error rate.
func (li *liveInstance) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		if ok, why := li.healthy(time.Now()); !ok {
			http.Error(w, li.Service+" "+li.Node+": "+why, http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "%s %s: ok\n", li.Service, li.Node)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// Latency jitters between 0.5x and 1.5x the typical value.
		d := time.Duration(float64(li.Latency)*(0.5+rand.Float64())) + time.Duration(li.extraDelay.Load())
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
		if rand.Float64() < li.ErrRate {
			http.Error(w, li.Service+" "+li.Node+": simulated failure", http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%s %s: hello from %s\n", li.Service, li.Node, li.addr())
	})
	return mux
}

// serve starts the instance's HTTP server on its listener.
func (li *liveInstance) serve(wg *sync.WaitGroup) {
	li.srv = &http.Server{Handler: li.handler(), ReadHeaderTimeout: 5 * time.Second}
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Serve only returns when Close shuts the server down: nothing to report.
		_ = li.srv.Serve(li.ln)
	}()
}

// stop closes the server at once; in-flight demo requests do not matter.
func (li *liveInstance) stop() {
	if li.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if li.srv.Shutdown(ctx) != nil {
			li.srv.Close()
		}
		return
	}
	if li.ln != nil {
		li.ln.Close()
	}
}
