package serf

import (
	"net"
	"sync"
	"testing"
)

// rpcProxy forwards a fixed loopback address to a Serf agent's RPC address
// that can change: it lets a test restart "the agent at the source's address"
// (testenv picks fresh ports for every agent) and bring that address up late.
// It is plumbing between two real parts, not a stand-in for either.
type rpcProxy struct {
	t      *testing.T
	addr   string
	mu     sync.Mutex
	target string
	ln     net.Listener
	conns  []net.Conn
	frozen bool // swallow traffic: the agent looks hung
}

// newProxy reserves a loopback port without listening on it yet.
func newProxy(t *testing.T) *rpcProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &rpcProxy{t: t, addr: ln.Addr().String()}
	ln.Close()
	t.Cleanup(p.stop)
	return p
}

// start listens on the reserved address and forwards to target.
func (p *rpcProxy) start(target string) {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy listen %s: %v", p.addr, err)
	}
	p.mu.Lock()
	p.ln, p.target = ln, target
	p.mu.Unlock()
	go p.serve(ln)
}

// retarget points new connections at another agent.
func (p *rpcProxy) retarget(target string) {
	p.mu.Lock()
	p.target = target
	p.mu.Unlock()
}

func (p *rpcProxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		target := p.target
		p.mu.Unlock()
		up, err := net.Dial("tcp", target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

// pipe copies until either side ends, then closes both (an agent that dies
// closes the client's connection, as it would without the proxy). While
// frozen, what arrives is dropped.
func (p *rpcProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.isFrozen() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *rpcProxy) freeze(on bool) {
	p.mu.Lock()
	p.frozen = on
	p.mu.Unlock()
}

func (p *rpcProxy) isFrozen() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.frozen
}

func (p *rpcProxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
