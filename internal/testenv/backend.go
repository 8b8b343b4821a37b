package testenv

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
)

// HTTPBackend is a Go HTTP server on loopback standing in for a service:
// GET /health answers 200 "OK" or 503 as switched by SetHealthy, every
// other path 200 with a small body naming the backend.
type HTTPBackend struct {
	// Addr is "127.0.0.1:port".
	Addr string
	// Host is "127.0.0.1".
	Host string
	// Port is the listening port.
	Port int

	srv     *http.Server
	healthy atomic.Bool
	hits    atomic.Int64
}

// Backend starts an HTTP backend for t (healthy), closed when t ends.
func Backend(t testing.TB) *HTTPBackend {
	t.Helper()
	b, err := StartBackend()
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(b.Stop)
	return b
}

// StartBackend starts a healthy HTTP backend; the caller must call Stop.
func StartBackend() (*HTTPBackend, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("testenv: listen for HTTP backend: %w", err)
	}
	b := &HTTPBackend{Addr: l.Addr().String(), Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port}
	b.healthy.Store(true)
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		if b.healthy.Load() {
			fmt.Fprintln(w, "OK")
			return
		}
		http.Error(w, "unhealthy", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		b.hits.Add(1)
		fmt.Fprintf(w, "backend %s\n", b.Addr)
	})
	b.srv = &http.Server{Handler: mux, ErrorLog: log.New(io.Discard, "", 0)} // no test-output spam
	go b.srv.Serve(l)
	return b, nil
}

// SetHealthy switches /health between 200 and 503.
func (b *HTTPBackend) SetHealthy(ok bool) { b.healthy.Store(ok) }

// Healthy reports what /health answers now.
func (b *HTTPBackend) Healthy() bool { return b.healthy.Load() }

// Hits counts requests to paths other than /health.
func (b *HTTPBackend) Hits() int64 { return b.hits.Load() }

// PortString is Port as text.
func (b *HTTPBackend) PortString() string { return strconv.Itoa(b.Port) }

// Stop closes the server and its connections.
func (b *HTTPBackend) Stop() { b.srv.Close() }
