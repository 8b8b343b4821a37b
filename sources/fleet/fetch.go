package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/haproxy/client"
)

// maxPage bounds one stats page: 50,000 servers make about 12 MB of CSV.
const maxPage = 64 << 20

// DialFunc opens a connection; the SSH transport passes one that tunnels.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// fetcher reads one host's `show stat`.
type fetcher interface {
	fetch(ctx context.Context) (*haproxy.Stats, error)
	close()
}

// newFetcher returns the fetcher for t.
func newFetcher(t Target, hc *http.Client, auth string, dial DialFunc, timeout time.Duration) fetcher {
	if t.Kind == KindSocket {
		return &socketFetch{opts: client.Options{Label: t.Host, Address: t.Endpoint, ReadOnly: true, Timeout: timeout, Dial: dial}}
	}
	return &pageFetch{url: t.Endpoint, hc: hc, auth: auth}
}

// pageFetch GETs the stats page's CSV. GET is all it ever sends: the stats
// page's admin actions are POSTs, and HAProxy only offers them with
// `stats admin` anyway.
type pageFetch struct {
	url  string
	hc   *http.Client
	auth string // "user:password" or ""
}

func (p *pageFetch) fetch(ctx context.Context) (*haproxy.Stats, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "stacktui-fleet")
	if user, pass, ok := strings.Cut(p.auth, ":"); ok {
		req.SetBasicAuth(user, pass)
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return nil, describe(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // keep the connection reusable
		return nil, statusError(resp.StatusCode, p.auth != "")
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPage+1))
	if err != nil {
		return nil, describe(ctx, err)
	}
	if len(body) > maxPage {
		return nil, fmt.Errorf("the stats page is larger than %d MB: check the URL", maxPage>>20)
	}
	st, err := haproxy.ParseStat(body)
	if err != nil {
		return nil, fmt.Errorf("not HAProxy's CSV export: check that the URL is the stats uri followed by ;csv (%v)", err)
	}
	return st, nil
}

func (p *pageFetch) close() {}

// statusError says what an HTTP status means for a stats page.
func statusError(code int, withAuth bool) error {
	switch code {
	case http.StatusUnauthorized:
		if withAuth {
			return errors.New("HTTP 401: the stats page refused the login in STACKTUI_FLEET_AUTH / --fleet-auth-file")
		}
		return errors.New("HTTP 401: the stats page wants a login (`stats auth`): give it with STACKTUI_FLEET_AUTH or --fleet-auth-file")
	case http.StatusNotFound:
		return errors.New("HTTP 404: no stats page at that path: check the `stats uri` in the template")
	case http.StatusServiceUnavailable:
		return errors.New("HTTP 503: HAProxy answered but served no stats page there: check the port and `stats uri` in the template")
	}
	return fmt.Errorf("HTTP %d %s from the stats page", code, http.StatusText(code))
}

// describe turns a transport error into words with what to check.
func describe(ctx context.Context, err error) error {
	var ne net.Error
	switch {
	case ctx.Err() != nil || (errors.As(err, &ne) && ne.Timeout()):
		return errors.New("no answer in time: the host is down, unreachable or overloaded")
	case errors.Is(err, syscall.ECONNREFUSED):
		return errors.New("connection refused: nothing listens there (HAProxy down, or no `listen stats` on that port)")
	}
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return errors.New("the host name does not resolve: check the host list or the registry's host field")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err // the URL is the row's already
	}
	return err
}

// socketFetch keeps one `user`-level session on a TCP stats socket.
type socketFetch struct {
	opts client.Options
	conn *client.Conn
}

func (s *socketFetch) fetch(ctx context.Context) (*haproxy.Stats, error) {
	if s.conn == nil {
		c, err := client.Dial(ctx, s.opts)
		if err != nil {
			return nil, err
		}
		s.conn = c
	}
	st, err := s.conn.ShowStat(ctx)
	if err != nil && !client.IsKind(err, client.KindRejected) {
		s.conn.Close()
		s.conn = nil
	}
	return st, err
}

func (s *socketFetch) close() {
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
}
