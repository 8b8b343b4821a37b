package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/live/replay"
	"github.com/stacktui/stacktui/trace"
	"github.com/stacktui/stacktui/ui"
)

func newReplayCmd() *cobra.Command {
	var speed float64
	var paused bool
	c := &cobra.Command{
		Use:   "replay FILE",
		Short: "The console on a recorded trace: same views, its clock; p pause, [ ] previous/next change, +/- speed",
		Long: `replay runs the console on a trace written by 'stacktui record' or 'stacktui --record'
(JSON lines, optionally gzip-compressed): the same pipeline and views as live, on the trace's own
clock. It can change nothing: no executor exists. A REPLAY badge and the line below the header show
the trace's time, the position, the speed and whether it plays. Keys: p pauses and resumes, ] and [
step to the next and the previous change (a line that brought events; a note is one), + and -
double and halve the speed. Notes appear in the Events view (5) as notes.`,
		Example: `  stacktui replay incident.jsonl.gz
  stacktui replay --paused --speed 4 incident.jsonl.gz`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cfg, err := loadConfig(c.Flags())
			if err != nil {
				return err
			}
			log, closeLog := openLog(cfg.Debug)
			defer closeLog()
			r, err := replay.NewConsole(args[0], replay.Options{Speed: speed, Paused: paused, Logger: log})
			if err != nil {
				return err
			}
			defer runReplay(c, r)()
			return ui.Run(c.Context(), ui.Options{Feed: r, Replay: r, Browser: r.Browser(), ReadOnly: true, Logger: log})
		},
	}
	c.Flags().Float64Var(&speed, "speed", 1, "replay speed: 1 as recorded, 4 four times faster, 0.5 half as fast")
	c.Flags().BoolVar(&paused, "paused", false, "start paused at the trace's start")
	return c
}

// runReplay plays r until the command ends; the returned stop waits for it.
func runReplay(c *cobra.Command, r *replay.Console) (stop func()) {
	ctx, cancel := context.WithCancel(c.Context())
	go r.Run(ctx)
	return func() { cancel(); <-r.Done() }
}

// replayFlags are the one-shot commands' --replay, --at and --after-note.
type replayFlags struct {
	file      string
	at        string
	afterNote int
	withAt    bool
}

func (r *replayFlags) add(fs *pflag.FlagSet, withAt bool) {
	r.withAt = withAt
	fs.StringVar(&r.file, "replay", "", "read a trace (stacktui record) instead of the live sources")
	if withAt {
		fs.StringVar(&r.at, "at", "", "with --replay: the instant, RFC 3339 or +DURATION from the trace's start (default: its end)")
		fs.IntVar(&r.afterNote, "after-note", 0, "with --replay: --at counts from the trace's Nth note (1 is the first)")
	}
}

// check rejects --at and --after-note without --replay.
func (r *replayFlags) check() error {
	if r.file == "" && (r.at != "" || r.afterNote != 0) {
		return usagef("--at and --after-note need --replay FILE")
	}
	if r.afterNote < 0 {
		return usagef("--after-note %d: notes count from 1", r.afterNote)
	}
	return nil
}

// frame replays the trace to the instant the flags name and returns the
// frame there. A trace that cannot be read is an error naming the line; an
// instant outside it is a usage error.
func (r *replayFlags) frame() (live.Frame, error) {
	a, err := replay.ParseAt(r.at, r.afterNote)
	if err != nil {
		return live.Frame{}, usagef("--at: %v", err)
	}
	rp, err := replay.Open(r.file)
	if err != nil {
		return live.Frame{}, err
	}
	defer rp.Close()
	f, err := rp.Until(a)
	warn(rp)
	var te *trace.Error
	if err != nil && !errors.As(err, &te) {
		what := "--at " + r.at
		if r.afterNote > 0 {
			what += " --after-note " + strconv.Itoa(r.afterNote)
		}
		return f, usagef("%s: %v", what, err)
	}
	return f, err
}

// replayEvents writes every event of the trace, as fast as it can.
func replayEvents(file string, out *eventWriter) error {
	rp, err := replay.Open(file)
	if err != nil {
		return err
	}
	defer rp.Close()
	defer warn(rp)
	return rp.Events(out.write)
}

// warn says on standard error what the trace reader skipped (unknown
// kinds, data it could not use), each with its line.
func warn(rp *replay.Replayer) {
	for _, w := range rp.Warnings() {
		fmt.Fprintln(os.Stderr, "stacktui: warning:", termtext.Clean(w.Error()))
	}
}
