package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/stacktui/stacktui/internal/app"
	"github.com/stacktui/stacktui/internal/check"
	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/live"
)

func newCheckCmd() *cobra.Command {
	var (
		services           []string
		warnBelow, critBel string
		warnOn, critOn     string
		asJSON             bool
		wait               time.Duration
		rf                 replayFlags
	)
	c := &cobra.Command{
		Use:   "check",
		Short: "Monitoring plugin: one line, perfdata, exit 0 OK / 1 WARNING / 2 CRITICAL / 3 UNKNOWN",
		Long: `check connects, loads, joins and evaluates, for cron, Nagios/Icinga/Sensu and CI.
A service is CRITICAL when its instances UP fall below --crit-up-below or it shows a diagnosis
listed in --crit-on; WARNING likewise with --warn-up-below and --warn-on. A source that cannot be
read makes the result UNKNOWN (3).`,
		Example: `  stacktui check --haproxy /run/haproxy.sock --zk zk1:2181 --service svc_a --crit-up-below 1 --warn-up-below 50%
  stacktui check --json --warn-on down,duplicate --crit-on missing_in_haproxy
  stacktui check --replay incident.jsonl.gz --after-note 1 --at +5s --service svc_a`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := loadConfig(c.Flags())
			if err != nil {
				return err
			}
			opts := check.Options{Services: services}
			if opts.WarnBelow, err = check.ParseThreshold(warnBelow); err != nil {
				return usagef("--warn-up-below: %v", err)
			}
			if opts.CritBelow, err = check.ParseThreshold(critBel); err != nil {
				return usagef("--crit-up-below: %v", err)
			}
			if c.Flags().Changed("warn-on") {
				if opts.WarnOn, err = check.ParseCodes(warnOn); err != nil {
					return usagef("--warn-on: %v", err)
				}
			}
			if c.Flags().Changed("crit-on") {
				if opts.CritOn, err = check.ParseCodes(critOn); err != nil {
					return usagef("--crit-on: %v", err)
				}
			}
			evaluate := func(f live.Frame) error {
				r := check.Evaluate(f.View, f.Failures(), opts)
				if asJSON {
					b, _ := json.MarshalIndent(r, "", "  ")
					fmt.Fprintln(c.OutOrStdout(), string(termtext.JSON(b)))
				} else {
					fmt.Fprintln(c.OutOrStdout(), r.Line())
				}
				if r.Status != check.OK {
					return exitCode{code: r.Code}
				}
				return nil
			}
			if err = rf.check(); err == nil && rf.file != "" {
				var f live.Frame
				if f, err = rf.frame(); err == nil {
					return evaluate(f)
				}
				// A trace that cannot be read is as UNKNOWN as a source.
				return exitCode{int(check.Unknown), "STACKTUI UNKNOWN - " + err.Error()}
			} else if err == nil {
				log, closeLog := openLog(cfg.Debug)
				defer closeLog()
				err = withSources(c.Context(), cfg, log, func(src *app.Sources) error {
					return evaluate(readyFrame(c.Context(), src, wait, log))
				})
			}
			var ue usageError
			if errors.As(err, &ue) {
				// Nagios reads a source that cannot even be set up as UNKNOWN.
				return exitCode{int(check.Unknown), "STACKTUI UNKNOWN - " + err.Error()}
			}
			return err
		},
	}
	addSourceFlags(c.Flags())
	rf.add(c.Flags(), true)
	f := c.Flags()
	f.StringArrayVar(&services, "service", nil, "service to check (repeatable; default all)")
	f.StringVar(&warnBelow, "warn-up-below", "", "WARNING when instances UP fall below this count or percentage (e.g. 2 or 50%)")
	f.StringVar(&critBel, "crit-up-below", "1", "CRITICAL when instances UP fall below this count or percentage")
	f.StringVar(&warnOn, "warn-on", joinCodes(check.DefaultWarnOn), "diagnoses that make a service WARNING (comma-separated)")
	f.StringVar(&critOn, "crit-on", joinCodes(check.DefaultCritOn), "diagnoses that make a service CRITICAL (comma-separated)")
	f.BoolVar(&asJSON, "json", false, "print the evaluation as JSON")
	f.DurationVar(&wait, "timeout", 10*time.Second, "how long to wait for the sources")
	return c
}
