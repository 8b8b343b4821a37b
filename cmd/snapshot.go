package cmd

import (
	"io"
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
end) exactly as a snapshot taken then would have.
With --fleet it prints the fleet instead: per service and instance, how many hosts route to it
and how, and which hosts disagree with the registry (schema: "Fleet document" in SCHEMA.md).
One read cannot tell since when a host disagrees: only the registration's own time makes a
finding overdue here; 'check --fleet' watches for the grace period first.`,
		Example: `  stacktui snapshot --haproxy /run/haproxy.sock
  stacktui snapshot --json --zk zk1:2181 --haproxy /run/haproxy.sock | jq '.services[] | select(.summary.worst != "ok")'
  stacktui snapshot --replay incident.jsonl.gz --at +12.5s
  stacktui snapshot --replay incident.jsonl.gz --after-note 2 --at +0s --json
  stacktui snapshot --fleet --json --zk zk1:2181 | jq '.hosts[] | select(.disagreements > 0)'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := loadConfig(c.Flags())
			if err != nil {
				return err
			}
			if err := rf.check(); err != nil {
				return err
			}
			if cfg.Fleet && rf.file != "" {
				return usagef("--fleet reads the hosts live: a trace does not record them (drop --replay or --fleet)")
			}
			print := func(f live.Frame) error {
				statuses := sourceStatuses(f)
				if cfg.Fleet && f.Fleet == nil {
					return exitCode{ExitFailed, termtext.Clean(strings.Join(f.Failures(), "; "))}
				}
				if cfg.Fleet {
					if err := printFleet(c.OutOrStdout(), f, statuses, asJSON); err != nil {
						return err
					}
				} else if asJSON {
					if err := report.WriteJSON(c.OutOrStdout(), f.View, statuses); err != nil {
						return err
					}
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
			cfg.oneShot = true
			oneShotGC()
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
	addFleetFlags(c.Flags())
	rf.add(c.Flags(), true)
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON (schema: report/SCHEMA.md)")
	c.Flags().DurationVar(&wait, "timeout", 10*time.Second, "how long to wait for the sources")
	return c
}

// printFleet prints the frame's fleet view as the fleet document or table.
func printFleet(w io.Writer, f live.Frame, statuses []report.SourceStatus, asJSON bool) error {
	if !asJSON {
		return report.FleetTable(w, f.Fleet, statuses)
	}
	b, err := report.FleetJSON(f.Fleet, statuses)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
