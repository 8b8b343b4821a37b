package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/state"
)

// FleetDocument is the stable JSON schema of `stacktui snapshot --fleet
// --json` (SCHEMA.md, "Fleet document"). Fields are only ever added:
//
//	{"schema": 1, "kind": "fleet", "generated_at", "grace_seconds",
//	 "sources": [{"kind", "address", "state", "error"}],
//	 "diagnoses": [{"code", "text"}],
//	 "hosts": [{"host", "endpoint", "reachable", "error", "last_good", "disagreements", "stuck"}],
//	 "services": [{"name", "backend", "registered", "hosts", "disagreeing", "kept_previous", "registry_changed",
//	   "instances": [{"server", "addr", "registered", "name",
//	     "counts": {"up", "down", "maint", "drain", "other", "absent", "unknown"},
//	     "hosts_by_state": {"UP": [host...], "MAINT": [...], "not at all": [...], ...},
//	     "findings": [{"host", "kind", "status", "routing", "since", "overdue", "stuck", "text"}]}]}]}
type FleetDocument struct {
	Schema       int               `json:"schema"`
	Kind         string            `json:"kind"` // "fleet"
	GeneratedAt  time.Time         `json:"generated_at"`
	GraceSeconds float64           `json:"grace_seconds"`
	Sources      []SourceStatus    `json:"sources"`
	Diagnoses    []state.Diagnosis `json:"diagnoses"`
	Hosts        []FleetHostDoc    `json:"hosts"`
	Services     []FleetServiceDoc `json:"services"`
}

// FleetHostDoc is one host's standing.
type FleetHostDoc struct {
	Host          string     `json:"host"`
	Endpoint      string     `json:"endpoint"`
	Reachable     bool       `json:"reachable"`
	Error         string     `json:"error"`
	LastGood      *time.Time `json:"last_good"` // null when never read
	Disagreements int        `json:"disagreements"`
	Stuck         []string   `json:"stuck"` // services for which its Synapse looks stuck
}

// FleetServiceDoc is one service across the fleet.
type FleetServiceDoc struct {
	Name            string             `json:"name"`
	Backend         string             `json:"backend"`
	Registered      int                `json:"registered"`
	Hosts           int                `json:"hosts"`
	Disagreeing     int                `json:"disagreeing"`
	KeptPrevious    bool               `json:"kept_previous"`
	RegistryChanged *time.Time         `json:"registry_changed"` // null when not known
	Instances       []FleetInstanceDoc `json:"instances"`
}

// FleetInstanceDoc is one instance as the fleet routes it.
type FleetInstanceDoc struct {
	Server       string               `json:"server"`
	Addr         string               `json:"addr"`
	Registered   bool                 `json:"registered"`
	Name         string               `json:"name"` // Nerve instance id or Serf member, "" when unregistered
	Counts       state.FleetCounts    `json:"counts"`
	HostsByState map[string][]string  `json:"hosts_by_state"`
	Findings     []state.FleetFinding `json:"findings"`
}

// BuildFleet turns a fleet view into the document.
func BuildFleet(v *state.FleetView, sources []SourceStatus) *FleetDocument {
	d := &FleetDocument{Schema: SchemaVersion, Kind: "fleet", GeneratedAt: v.At.UTC(), GraceSeconds: v.Grace.Seconds(),
		Sources: orEmpty(sources), Diagnoses: orEmpty(v.Diagnoses), Hosts: []FleetHostDoc{}, Services: []FleetServiceDoc{}}
	for _, h := range v.Hosts {
		hd := FleetHostDoc{Host: h.Name, Endpoint: h.Endpoint, Reachable: h.Reachable, Error: h.Err,
			Disagreements: h.Disagreements, Stuck: orEmpty(h.Stuck)}
		if !h.LastGood.IsZero() {
			t := h.LastGood.UTC()
			hd.LastGood = &t
		}
		d.Hosts = append(d.Hosts, hd)
	}
	for i := range v.Services {
		s := &v.Services[i]
		sd := FleetServiceDoc{Name: s.Name, Backend: s.Backend, Registered: s.Registered, Hosts: s.Hosts,
			Disagreeing: s.Disagreeing, KeptPrevious: s.KeptPrevious, Instances: []FleetInstanceDoc{}}
		if !s.RegistryChanged.IsZero() {
			t := s.RegistryChanged.UTC()
			sd.RegistryChanged = &t
		}
		for k := range s.Instances {
			in := &s.Instances[k]
			id := FleetInstanceDoc{Server: in.Server, Addr: in.Addr, Registered: in.Registration != nil,
				Counts: in.Counts, HostsByState: map[string][]string{}, Findings: orEmpty(in.Findings)}
			if r := in.Registration; r != nil {
				id.Name = r.Name
				if id.Name == "" {
					id.Name = r.Member
				}
			}
			for hi, st := range in.States {
				if st != state.HostNoBackend {
					id.HostsByState[st.String()] = append(id.HostsByState[st.String()], v.Hosts[hi].Name)
				}
			}
			sd.Instances = append(sd.Instances, id)
		}
		d.Services = append(d.Services, sd)
	}
	return d
}

// orEmpty makes an empty JSON list of a nil slice.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// FleetJSON renders v as the FleetDocument, indented, without a trailing newline.
func FleetJSON(v *state.FleetView, sources []SourceStatus) ([]byte, error) {
	if v == nil {
		return nil, errors.New("report: no fleet view to print (nothing was read)")
	}
	b, err := json.MarshalIndent(BuildFleet(v, sources), "", "  ")
	return termtext.JSON(b), err // host and server names come from outside
}

// FleetTable writes v for humans: the sources, the hosts that could not be
// read or disagree, then per service one line per instance with how many
// hosts do what with it, and the disagreements in words. Host, service and
// server names, errors and findings come from host lists, the registry and
// HAProxy: each is cleaned as Table's cells are (safe).
func FleetTable(w io.Writer, v *state.FleetView, sources []SourceStatus) error {
	if v == nil {
		return errors.New("report: no fleet view to print (nothing was read)")
	}
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "stacktui fleet snapshot at %s: %d of %d hosts read, grace %v\n\n", v.At.UTC().Format(time.RFC3339), v.Reachable, len(v.Hosts), v.Grace)
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

	var bad []state.FleetHost
	for _, h := range v.Hosts {
		if !h.Reachable || h.Disagreements > 0 {
			bad = append(bad, h)
		}
	}
	fmt.Fprintln(ew)
	if len(bad) == 0 {
		fmt.Fprintf(ew, "Every host read agrees with the registry.\n")
	} else {
		tw = newTab(ew)
		fmt.Fprintf(tw, "HOST\tREAD\tDISAGREES\tSTUCK\tERROR\n")
		for _, h := range bad {
			read := "yes"
			if !h.Reachable {
				read = "no"
				if !h.LastGood.IsZero() {
					read += " (last " + v.At.Sub(h.LastGood).Round(time.Second).String() + " ago)"
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", safe(h.Name), read, h.Disagreements, safe(strings.Join(h.Stuck, ",")), safe(h.Err))
		}
		tw.Flush()
	}

	for i := range v.Services {
		s := &v.Services[i]
		fmt.Fprintf(ew, "\n%s (backend %s): %d registered, on %d hosts", safe(s.Name), safe(s.Backend), s.Registered, s.Hosts)
		if s.Disagreeing > 0 {
			fmt.Fprintf(ew, ", %d disagreeing", s.Disagreeing)
		}
		fmt.Fprintln(ew)
		if s.KeptPrevious {
			fmt.Fprintf(ew, "  ! nothing is registered: every host keeps its previous servers (use_previous_backends)\n")
		}
		tw = newTab(ew)
		fmt.Fprintf(tw, "  SERVER\tREGISTERED\tUP\tDRAIN\tDOWN\tMAINT\tOTHER\tNOT AT ALL\tUNKNOWN\n")
		for k := range s.Instances {
			in := &s.Instances[k]
			reg := "yes"
			if in.Registration == nil {
				reg = "no"
			}
			c := in.Counts
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", safe(in.Server), reg, c.Up, c.Drain, c.Down, c.Maint, c.Other, c.Absent, c.Unknown)
		}
		tw.Flush()
		for k := range s.Instances {
			for _, f := range s.Instances[k].Findings {
				mark := "-"
				if f.Overdue || f.Stuck {
					mark = "!"
				}
				fmt.Fprintf(ew, "  %s %s\n", mark, safe(f.Text))
			}
		}
	}
	return ew.err
}
