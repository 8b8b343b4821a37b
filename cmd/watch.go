package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/internal/app"
	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

// watchLine is one JSON line of `stacktui watch`.
type watchLine struct {
	Time     time.Time `json:"time"`
	Kind     string    `json:"kind"`
	Service  string    `json:"service,omitempty"`
	Instance string    `json:"instance,omitempty"`
	Socket   string    `json:"socket,omitempty"`
	From     string    `json:"from,omitempty"`
	To       string    `json:"to,omitempty"`
	Text     string    `json:"text"`
}

func newWatchCmd() *cobra.Command {
	var services []string
	c := &cobra.Command{
		Use:   "watch",
		Short: "Stream registry and HAProxy changes as JSON lines until interrupted",
		Long: `watch prints one JSON object per line for every change: registrations and deregistrations,
HAProxy state, weight and check changes, and source connection changes. Fields: time, kind,
service, instance, socket, from, to, text.`,
		Example: `  stacktui watch --zk zk1:2181 --haproxy /run/haproxy.sock --service svc_a | jq -c .`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := loadConfig(c.Flags())
			if err != nil {
				return err
			}
			log, closeLog := openLog(cfg.Debug)
			defer closeLog()
			return withSources(c.Context(), cfg, log, func(src *app.Sources) error {
				return streamEvents(c, src, services, c.OutOrStdout())
			})
		},
	}
	addSourceFlags(c.Flags())
	c.Flags().StringArrayVar(&services, "service", nil, "only this service (repeatable)")
	return c
}

func streamEvents(c *cobra.Command, src *app.Sources, services []string, w io.Writer) error {
	enc := json.NewEncoder(termtext.JSONWriter(w)) // C1 and bidi characters as \u escapes, like the controls
	emit := func(l watchLine) error {
		if len(services) > 0 && l.Service != "" && !slices.Contains(services, l.Service) {
			return nil
		}
		return enc.Encode(l)
	}
	var regC <-chan sources.Update
	if src.Registry != nil {
		regC = src.Registry.Updates()
	}
	var hapC <-chan haproxy.Snapshot
	if src.Poller != nil {
		hapC = src.Poller.Updates()
	}
	waitReady(c.Context(), src, 10*time.Second)
	if c.Context().Err() != nil {
		return nil
	}
	// Start from what is there now, so the stream carries only changes; say
	// so, so that a reader knows from when on a change is reported.
	prev := src.View(time.Now())
	if err := emit(watchLine{Time: time.Now(), Kind: "ready", Text: readyText(prev, src.Failures())}); err != nil {
		return err
	}
	for {
		select {
		case <-c.Context().Done():
			return nil
		case u, ok := <-regC:
			if !ok {
				regC = nil
				continue
			}
			for _, e := range u.Events {
				if e.Kind != sources.EventConnState && e.Kind != sources.EventMember && e.Kind != sources.EventUser && e.Kind != sources.EventResync {
					continue // registrations are reported from the join below, with HAProxy's view
				}
				if err := emit(watchLine{Time: e.At, Kind: string(e.Kind), Service: e.Service, Text: e.Message}); err != nil {
					return err
				}
			}
		case _, ok := <-hapC:
			if !ok {
				hapC = nil
				continue
			}
		}
		next := src.View(time.Now())
		for _, e := range state.Diff(prev, next) {
			if err := emit(watchLine{Time: e.At, Kind: e.Kind, Service: e.Service, Instance: e.Instance,
				Socket: e.Socket, From: e.From, To: e.To, Text: e.Text}); err != nil {
				return err
			}
		}
		prev = next
	}
}

// readyText says what the stream starts from.
func readyText(v *state.View, failures []string) string {
	s := fmt.Sprintf("watching %d services; changes from now on", len(v.Services))
	if len(failures) > 0 {
		s += "; not read yet: " + strings.Join(failures, "; ")
	}
	return s
}

func joinCodes(cs []state.Code) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ",")
}
