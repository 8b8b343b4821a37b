package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/stacktui/stacktui/internal/app"
	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/state"
)

// watchLine is one JSON line of `stacktui watch`.
type watchLine struct {
	Time     time.Time `json:"time"`
	Source   string    `json:"source"`
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
	var rf replayFlags
	c := &cobra.Command{
		Use:   "watch",
		Short: "Stream registry and HAProxy changes as JSON lines until interrupted",
		Long: `watch prints one JSON object per line for every event, as the console's Events view shows
them: registrations and deregistrations, HAProxy state, weight and check changes, sources
reached, lost and regained, HAProxy reloads, Serf members and user events. Fields: time,
source, kind, service, instance, socket, from, to, text. With --replay FILE it prints every
event of a trace, with the trace's times, as fast as it can, and exits 0.`,
		Example: `  stacktui watch --zk zk1:2181 --haproxy /run/haproxy.sock --service svc_a | jq -c .
  stacktui watch --replay incident.jsonl.gz | jq -r 'select(.kind != "note") | .text'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := loadConfig(c.Flags())
			if err != nil {
				return err
			}
			if rf.file != "" {
				return replayEvents(rf.file, newEventWriter(c.OutOrStdout(), services))
			}
			log, closeLog := openLog(cfg.Debug)
			defer closeLog()
			return withSources(c.Context(), cfg, log, func(src *app.Sources) error {
				return streamEvents(c, src, services, log, c.OutOrStdout())
			})
		},
	}
	addSourceFlags(c.Flags())
	c.Flags().StringArrayVar(&services, "service", nil, "only this service (repeatable)")
	rf.add(c.Flags(), false)
	return c
}

// streamEvents prints every event the pipeline derives, as JSON lines,
// until ctx ends. Once every source has been read (or 10 s have passed) a
// "ready" line says from when on a change is reported.
func streamEvents(c *cobra.Command, src *app.Sources, services []string, log *slog.Logger, w io.Writer) error {
	p := newPipeline(src, log, live.Options{Pace: live.DefaultPace})
	sub := p.Subscribe()
	defer sub.Close()
	defer runPipeline(c.Context(), p)()
	out := newEventWriter(w, services)
	start, ready := time.Now(), false
	for {
		f, ok := sub.Next(c.Context())
		if !ok {
			return nil
		}
		if err := out.write(f.Events); err != nil {
			return err
		}
		if !ready && (f.Ready || time.Since(start) >= 10*time.Second) {
			ready = true
			if err := out.enc.Encode(watchLine{Time: time.Now(), Kind: "ready", Text: readyText(f.View, f.Failures())}); err != nil {
				return err
			}
		}
	}
}

// eventWriter writes events as watch's JSON lines.
type eventWriter struct {
	enc      *json.Encoder
	services []string
}

func newEventWriter(w io.Writer, services []string) *eventWriter {
	return &eventWriter{enc: json.NewEncoder(termtext.JSONWriter(w)), services: services} // C1 and bidi characters as \u escapes, like the controls
}

func (o *eventWriter) write(evs []state.Event) error {
	for _, e := range evs {
		if len(o.services) > 0 && e.Service != "" && !slices.Contains(o.services, e.Service) {
			continue
		}
		if err := o.enc.Encode(watchLine{Time: e.At, Source: e.Source, Kind: e.Kind, Service: e.Service, Instance: e.Instance,
			Socket: e.Socket, From: e.From, To: e.To, Text: e.Text}); err != nil {
			return err
		}
	}
	return nil
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
