package report

import (
	"time"

	"github.com/stacktui/stacktui/sources"
)

// MaintenanceDoc is one durable maintenance in force on this host: a
// hacheck spool file or a Nerve service file moved aside.
type MaintenanceDoc struct {
	Kind    string     `json:"kind"` // "hacheck" or "nerve"
	File    string     `json:"file"`
	Service string     `json:"service"`           // "" for every service (hacheck's "all")
	Port    int        `json:"port"`              // 0: every port
	Addr    string     `json:"addr,omitempty"`    // the one instance, when the Nerve config names it
	Reason  string     `json:"reason"`            // as written, without "(by <user>)"
	By      string     `json:"by,omitempty"`      // who, when the reason says
	Since   *time.Time `json:"since"`             // null when unknown
	Until   *time.Time `json:"until"`             // null: no expiry
	Expired bool       `json:"expired"`           // past until, but the file is still there
	Problem string     `json:"problem,omitempty"` // why it may not take effect
}

// HostMaintenanceDoc is this host's durable maintenance as read with the view.
type HostMaintenanceDoc struct {
	Host       string           `json:"host"`
	InstanceID string           `json:"instance_id"` // Nerve's, "" without a Nerve config
	Entries    []MaintenanceDoc `json:"entries"`
	Error      string           `json:"error"`
}

func maintenanceDocs(es []sources.MaintenanceEntry, now time.Time) []MaintenanceDoc {
	if len(es) == 0 {
		return nil
	}
	out := make([]MaintenanceDoc, 0, len(es))
	for _, e := range es {
		d := MaintenanceDoc{Kind: e.Kind, File: e.File, Service: e.Service, Port: e.Port, Addr: e.Addr,
			Reason: e.Reason, By: e.By, Expired: e.Expired(now), Problem: e.Problem}
		if !e.Since.IsZero() {
			t := e.Since.UTC()
			d.Since = &t
		}
		if !e.Until.IsZero() {
			t := e.Until.UTC()
			d.Until = &t
		}
		out = append(out, d)
	}
	return out
}

func hostMaintenanceDoc(m *sources.Maintenance, now time.Time) *HostMaintenanceDoc {
	if m == nil {
		return nil
	}
	d := &HostMaintenanceDoc{Host: m.Host.Name, InstanceID: m.InstanceID, Entries: maintenanceDocs(m.Entries, now), Error: m.Err}
	if d.Entries == nil {
		d.Entries = []MaintenanceDoc{}
	}
	return d
}
