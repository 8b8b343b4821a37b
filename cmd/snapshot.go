package cmd

import (
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/stacktui/stacktui/internal/app"
	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/report"
)

func newSnapshotCmd() *cobra.Command {
	var asJSON bool
	var wait time.Duration
	var rf replayFlags
	c := &cobra.Command{
		Use:   "snapshot",
		Short: "Connect, load, join, print once and exit (exit 1 when a source could not be read)",
		Long: `snapshot reads every configured source once, joins registry and HAProxy and prints the
result: an aligned table, or with --json the stable schema documented in report/SCHEMA.md.
Exit code 0 when every source could be read, 1 when one failed (the reason on stderr).
With --replay FILE it reads a trace instead and prints the view at --at (default: the trace's
end) exactly as a snapshot taken then would have.`,
		Example: `  stacktui snapshot --haproxy /run/haproxy.sock
  stacktui snapshot --json --zk zk1:2181 --haproxy /run/haproxy.sock | jq '.services[] | select(.summary.worst != "ok")'
  stacktui snapshot --replay incident.jsonl.gz --at +12.5s
  stacktui snapshot --replay incident.jsonl.gz --after-note 2 --at +0s --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := loadConfig(c.Flags())
			if err != nil {
				return err
			}
			if err := rf.check(); err != nil {
				return err
			}
			print := func(f live.Frame) error {
				statuses := sourceStatuses(f)
				if asJSON {
					b, err := report.JSON(f.View, statuses)
					if err != nil {
						return err
					}
					c.OutOrStdout().Write(append(b, '\n'))
				} else if err := report.Table(c.OutOrStdout(), f.View, statuses); err != nil {
					return err
				}
				if failed := f.Failures(); len(failed) > 0 {
					return exitCode{ExitFailed, termtext.Clean(strings.Join(failed, "; "))} // errors quote replies
				}
				return nil
			}
			if rf.file != "" {
				f, err := rf.frame()
				if err != nil {
					return err
				}
				return print(f)
			}
			log, closeLog := openLog(cfg.Debug)
			defer closeLog()
			return withSources(c.Context(), cfg, log, func(src *app.Sources) error {
				f := readyFrame(c.Context(), src, wait, log)
				if err := c.Context().Err(); err != nil {
					return err // interrupted: print nothing half-read
				}
				return print(f)
			})
		},
	}
	addSourceFlags(c.Flags())
	rf.add(c.Flags(), true)
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON (schema: report/SCHEMA.md)")
	c.Flags().DurationVar(&wait, "timeout", 10*time.Second, "how long to wait for the sources")
	return c
}
