package report

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/state"
)

// Table writes v for humans: the sources, findings about them, one line per
// service (registered, up, worst), then per service one line per instance
// with its status on every socket and its diagnoses in words, and finally
// the HAProxy servers that belong to no service.
//
// Every name, address, status and text in it comes from the registry or
// HAProxy, where anyone who can register writes it, so each goes through
// safe (termtext.Clean) as it is put in a cell: a tab or line break in a
// name cannot add a column or a row, and an escape sequence is shown, not
// sent to the terminal of whoever runs the snapshot.
func Table(w io.Writer, v *state.View, sources []SourceStatus) error {
	if v == nil {
		return errors.New("report: no view to print (nothing was joined)")
	}
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "stacktui snapshot at %s\n\n", v.At.UTC().Format(time.RFC3339))
	tw := newTab(ew)
	fmt.Fprintf(tw, "SOURCE\tADDRESS\tSTATE\tERROR\n")
	for _, s := range sources {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", safe(s.Kind), safe(s.Address), safe(s.State), safe(s.Error))
	}
	if len(sources) == 0 {
		fmt.Fprintf(tw, "(none)\t\t\t\n")
	}
	tw.Flush()
	for _, d := range v.Diagnoses {
		fmt.Fprintf(ew, "! %s: %s\n", safe(d.Code), safe(d.Text))
	}

	fmt.Fprintln(ew)
	tw = newTab(ew)
	fmt.Fprintf(tw, "SERVICE\tBACKEND\tREGISTERED\tUP\tWORST\n")
	for i := range v.Services {
		s := &v.Services[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", safe(s.Name), safe(s.Backend), s.Summary.RegText(), safe(upCell(s, v.HAProxy)), safe(s.Summary.Worst))
	}
	if len(v.Services) == 0 {
		fmt.Fprintf(tw, "(no services)\t\t\t\t\n")
	}
	tw.Flush()

	for i := range v.Services {
		serviceTable(ew, &v.Services[i], v.HAProxy)
	}
	otherServers(ew, v)
	return ew.err
}

// upCell is "2" with one socket, "2 (A 2, B 1)" with several.
func upCell(s *state.Service, haps []*haproxy.Snapshot) string {
	up := fmt.Sprint(s.Summary.Up)
	if len(haps) < 2 {
		return up
	}
	parts := make([]string, 0, len(haps))
	for _, h := range haps {
		l := label(h)
		if n, ok := s.Summary.UpBySocket[l]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", l, n))
		} else {
			parts = append(parts, l+" ?")
		}
	}
	return up + " (" + strings.Join(parts, ", ") + ")"
}

func serviceTable(w io.Writer, s *state.Service, haps []*haproxy.Snapshot) {
	dups := ""
	if n := s.Summary.Duplicates; n > 0 {
		dups = fmt.Sprintf(" (+%d duplicate registrations)", n)
		if n == 1 {
			dups = " (+1 duplicate registration)"
		}
	}
	fmt.Fprintf(w, "\n%s (backend %s): %d registered%s, %d up, worst %s\n", safe(s.Name), safe(s.Backend), s.Summary.Registered, dups, s.Summary.Up, safe(s.Summary.Worst))
	for _, d := range s.Diagnoses {
		fmt.Fprintf(w, "  ! %s: %s\n", safe(d.Code), safe(d.Text))
	}
	if len(s.Instances) == 0 {
		return
	}
	tw := newTab(w)
	fmt.Fprintf(tw, "  INSTANCE\tADDRESS\tREG")
	for _, h := range haps {
		fmt.Fprintf(tw, "\t%s", safe(label(h))) // the socket's label as given, never upper-cased
	}
	fmt.Fprintf(tw, "\tDIAGNOSIS\n")
	for i := range s.Instances {
		in := &s.Instances[i]
		name, addr, reg := in.Server, "", "no"
		if r := in.Registration; r != nil {
			reg = "yes"
			if r.Malformed != "" {
				reg = "bad"
				if name == "" {
					name = r.ID()
				}
			}
			if r.Host != "" {
				addr = fmt.Sprintf("%s:%d", r.Host, r.Port)
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s", safe(name), safe(addrOf(addr, in)), reg)
		for _, seen := range in.HAProxy {
			fmt.Fprintf(tw, "\t%s", safe(statusCell(seen)))
		}
		for j, d := range in.Diagnoses {
			if j > 0 {
				fmt.Fprintf(tw, "  \t\t")
				for range in.HAProxy {
					fmt.Fprintf(tw, "\t")
				}
			}
			fmt.Fprintf(tw, "\t%s: %s\n", safe(d.Code), safe(d.Text))
		}
		if len(in.Diagnoses) == 0 {
			fmt.Fprintf(tw, "\t\n")
		}
	}
	tw.Flush()
}

// addrOf is the registration's address, else the first socket's server address.
func addrOf(addr string, in *state.Instance) string {
	if addr != "" {
		return addr
	}
	for _, s := range in.HAProxy {
		if s.Row != nil && s.Row.Addr() != "" {
			return s.Row.Addr()
		}
	}
	return "-"
}

// statusCell is "UP L7OK", "DOWN L7STS 503", or "-" when the socket has no
// such server; "~" marks a server matched by address.
func statusCell(s state.Seen) string {
	r := s.Row
	if r == nil {
		return "-"
	}
	c := r.Status()
	if r.CheckStatus() != "" {
		c += " " + r.CheckStatus()
		if r.CheckCode != 0 {
			c += fmt.Sprintf(" %d", r.CheckCode)
		}
	}
	if s.ByAddr {
		c += " ~"
	}
	return c
}

// otherServers lists the server rows of proxies that no service covers (with
// a registry configured, backends Synapse does not manage).
func otherServers(w io.Writer, v *state.View) {
	covered := make(map[string]bool, len(v.Services))
	for i := range v.Services {
		covered[v.Services[i].Backend] = true
	}
	type row struct {
		sock string
		r    *haproxy.Row
	}
	var rows []row
	for _, h := range v.HAProxy {
		if h == nil || h.Stats == nil {
			continue
		}
		for i := range h.Stats.Rows {
			r := &h.Stats.Rows[i]
			if r.IsServer() && !covered[r.Proxy] {
				rows = append(rows, row{label(h), r})
			}
		}
	}
	if len(rows) == 0 {
		return
	}
	sort.SliceStable(rows, func(a, b int) bool {
		if rows[a].r.Proxy != rows[b].r.Proxy {
			return rows[a].r.Proxy < rows[b].r.Proxy
		}
		return rows[a].r.Name() < rows[b].r.Name()
	})
	fmt.Fprintf(w, "\nHAProxy servers in no service\n")
	tw := newTab(w)
	fmt.Fprintf(tw, "  SOCKET\tBACKEND\tSERVER\tADDR\tSTATUS\tWEIGHT\tSCUR\n")
	for _, x := range rows {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%d\t%d\n", safe(x.sock), safe(x.r.Proxy), safe(x.r.Name()), safe(x.r.Addr()),
			safe(statusCell(state.Seen{Row: x.r})), x.r.Weight, x.r.SCur())
	}
	tw.Flush()
}

func label(h *haproxy.Snapshot) string {
	if h.Label != "" {
		return h.Label
	}
	return h.Address
}

// safe is a cell's text as it may be printed: see Table.
func safe[S ~string](s S) string { return termtext.Clean(string(s)) }

func newTab(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

// errWriter keeps the first write error so Table can return it.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	if err != nil {
		e.err = fmt.Errorf("report: writing the table: %w", err)
	}
	return n, err
}
