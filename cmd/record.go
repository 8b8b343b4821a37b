package cmd

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stacktui/stacktui/internal/app"
	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/state"
	"github.com/stacktui/stacktui/trace"
)

const keyRecord = "record"

// addRecordFlag registers the console's --record.
func addRecordFlag(fs *pflag.FlagSet) {
	fs.String(keyRecord, "", "also record what the console sees as a trace to FILE (gzip when it ends in .gz); replay it with 'stacktui replay FILE'")
}

func newRecordCmd() *cobra.Command {
	var out string
	var duration, interval time.Duration
	c := &cobra.Command{
		Use:   "record -o FILE[.gz]",
		Short: "Record what the sources show as a trace, for 'stacktui replay' and the --replay of snapshot, watch and check",
		Long: `record reads the sources the console would read (same flags and config) and writes what they
show as a trace: every registry snapshot that changed, each HAProxy socket's raw replies, and each
kind at least every 10 s (docs/trace-format.md). No secret is written. It runs until --duration has
passed or it is interrupted, printing the events it sees on standard error; each line typed on
standard input is recorded as a note (what was done, by whom), shown in a replay's Events view.`,
		Example: `  stacktui record -o incident.jsonl.gz --zk zk1:2181 --haproxy /run/haproxy.sock --duration 30m
  echo "drained web3 for the deploy" | stacktui record -o deploy.jsonl.gz --duration 5m`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := loadConfig(c.Flags())
			if err != nil {
				return err
			}
			if out == "" {
				return usagef("record needs -o FILE (gzip-compressed when it ends in .gz)")
			}
			if duration < 0 {
				return usagef("--duration %s: must be positive (0 records until interrupted)", duration)
			}
			if c.Flags().Changed("interval") {
				if interval < 100*time.Millisecond || interval > time.Hour {
					return usagef("--interval %s: must be between 100ms and 1h", interval)
				}
				cfg.Refresh = interval
			}
			// Recording is reading: no write handle, the HAProxy session at user level.
			cfg.ReadOnly = true
			log, closeLog := openLog(cfg.Debug)
			defer closeLog()
			ctx := c.Context()
			if duration > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, duration)
				defer cancel()
			}
			return withSources(ctx, cfg, log, func(src *app.Sources) error {
				rec, err := startRecording(out, cfg, src)
				if err != nil {
					return err
				}
				p := newPipeline(src, log, live.Options{Pace: live.DefaultPace, Tap: rec.tap})
				sub := p.Subscribe()
				stop := runPipeline(ctx, p)
				go readNotes(ctx, c.InOrStdin(), p)
				w := c.ErrOrStderr()
				fmt.Fprintf(w, "recording to %s; type a line and enter to add a note; interrupt to stop\n", out)
				for {
					f, ok := sub.Next(ctx)
					if !ok {
						break
					}
					printEvents(w, f.Events)
				}
				stop()
				return rec.close(w)
			})
		},
	}
	addSourceFlags(c.Flags())
	f := c.Flags()
	f.StringVarP(&out, "output", "o", "", "the trace file to write (gzip-compressed when it ends in .gz)")
	f.DurationVar(&duration, "duration", 0, "stop after this long (default: until interrupted)")
	f.DurationVar(&interval, "interval", time.Second, "HAProxy poll interval: how often the sockets are sampled (as --refresh)")
	return c
}

// recording is a trace being written from a pipeline's inputs.
type recording struct {
	path string
	rec  *trace.Recorder
}

// startRecording writes the trace's header (this host's sources and
// SmartStack configs, no secret) and asks the poller for raw replies.
func startRecording(path string, cfg *Config, src *app.Sources) (*recording, error) {
	hc := trace.HeaderConfig{ZKPath: cfg.ZKPath, Sockets: map[string]string{}, SynapseConfig: src.SynapsePath,
		NerveConfig: src.NervePath, Version: versionString()}
	switch {
	case len(src.ZKServers) > 0:
		hc.Flavour, hc.Registry = trace.FlavourZooKeeper, strings.Join(src.ZKServers, ",")
	case src.Registry != nil:
		hc.Flavour, hc.Registry = trace.FlavourSerf, cfg.Serf
	}
	for _, o := range src.HAProxyOpts {
		hc.Sockets[o.Label] = o.Address
	}
	h, err := trace.NewHeader(hc)
	if err != nil {
		return nil, err
	}
	w, err := trace.Create(path, h)
	if err != nil {
		return nil, fmt.Errorf("recording to %s: %w", path, err)
	}
	if src.Poller != nil {
		src.Poller.KeepRaw(true)
	}
	return &recording{path: path, rec: trace.NewRecorder(w, trace.RecorderOptions{ZKPath: cfg.ZKPath})}, nil
}

// tap hands one pipeline input to the recorder, which never blocks: it
// queues and writes on a goroutine of its own.
func (r *recording) tap(in live.Input) {
	switch {
	case in.Registry != nil:
		r.rec.Registry(*in.Registry)
	case in.HAProxy != nil:
		r.rec.HAProxy(in.HAProxy)
	case in.Note != "":
		r.rec.Note(in.At, in.Note)
	}
}

// close finishes the trace and says what it holds.
func (r *recording) close(w io.Writer) error {
	err := r.rec.Close()
	st := r.rec.Stats()
	lines := int64(0)
	var kinds []string
	for _, k := range []trace.Kind{trace.KindZK, trace.KindSerf, trace.KindHAProxy, trace.KindNote} {
		if n := st.Lines[k]; n > 0 {
			lines += n
			kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		}
	}
	fmt.Fprintf(w, "recorded %d lines (%s), %d bytes before compression, to %s\n", lines, strings.Join(kinds, ", "), st.Bytes, r.path)
	if st.NoRaw > 0 {
		fmt.Fprintf(w, "warning: %d HAProxy snapshots had no raw replies and were not recorded\n", st.NoRaw)
	}
	if err != nil {
		return fmt.Errorf("the trace %s is incomplete: %w", r.path, err)
	}
	return nil
}

// readNotes adds each line of in as a note until in ends or ctx does.
func readNotes(ctx context.Context, in io.Reader, p *live.Pipeline) {
	sc := bufio.NewScanner(in)
	for sc.Scan() && ctx.Err() == nil {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			p.Note(t)
		}
	}
}

// printEvents writes events for a person: time, source and sentence.
func printEvents(w io.Writer, evs []state.Event) {
	for _, e := range evs {
		src := e.Source
		if e.Socket != "" {
			src += " " + e.Socket
		}
		// Server names, errors and notes are outside text: cleaned for the terminal.
		fmt.Fprintf(w, "%s %-14s %s\n", e.At.Local().Format("15:04:05"), termtext.Clean(src), termtext.Clean(e.Text))
	}
}

// recordConsole starts the console's --record, when given: its tap, and
// what to do when the console ends.
func recordConsole(cfg *Config, src *app.Sources) (tap func(live.Input), finish func() error, err error) {
	if cfg.Record == "" {
		return nil, func() error { return nil }, nil
	}
	rec, err := startRecording(cfg.Record, cfg, src)
	if err != nil {
		return nil, nil, usagef("--record: %v", err)
	}
	return rec.tap, func() error { return rec.close(os.Stderr) }, nil
}
