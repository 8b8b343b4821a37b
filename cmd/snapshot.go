package cmd

import (
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/stacktui/stacktui/internal/app"
	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/report"
)

func newSnapshotCmd() *cobra.Command {
	var asJSON bool
	var wait time.Duration
	c := &cobra.Command{
		Use:   "snapshot",
		Short: "Connect, load, join, print once and exit (exit 1 when a source could not be read)",
		Long: `snapshot reads every configured source once, joins registry and HAProxy and prints the
result: an aligned table, or with --json the stable schema documented in report/SCHEMA.md.
Exit code 0 when every source could be read, 1 when one failed (the reason on stderr).`,
		Example: `  stacktui snapshot --haproxy /run/haproxy.sock
  stacktui snapshot --json --zk zk1:2181 --haproxy /run/haproxy.sock | jq '.services[] | select(.summary.worst != "ok")'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := loadConfig(c.Flags())
			if err != nil {
				return err
			}
			log, closeLog := openLog(cfg.Debug)
			defer closeLog()
			return withSources(c.Context(), cfg, log, func(src *app.Sources) error {
				waitReady(c.Context(), src, wait)
				if err := c.Context().Err(); err != nil {
					return err // interrupted: print nothing half-read
				}
				v := src.View(time.Now())
				statuses := sourceStatuses(src)
				if asJSON {
					b, err := report.JSON(v, statuses)
					if err != nil {
						return err
					}
					c.OutOrStdout().Write(append(b, '\n'))
				} else if err := report.Table(c.OutOrStdout(), v, statuses); err != nil {
					return err
				}
				if f := src.Failures(); len(f) > 0 {
					return exitCode{ExitFailed, termtext.Clean(strings.Join(f, "; "))} // errors quote replies
				}
				return nil
			})
		},
	}
	addSourceFlags(c.Flags())
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON (schema: report/SCHEMA.md)")
	c.Flags().DurationVar(&wait, "timeout", 10*time.Second, "how long to wait for the sources")
	return c
}
