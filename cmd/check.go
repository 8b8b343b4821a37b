package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/stacktui/stacktui/internal/app"
	"github.com/stacktui/stacktui/internal/check"
	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/state"
)

func newCheckCmd() *cobra.Command {
	var (
		services           []string
		warnBelow, critBel string
		warnOn, critOn     string
		asJSON             bool
		wait               time.Duration
		rf                 replayFlags
		fleetT             [5]string // stale warn/crit, missing warn/crit, unreadable warn
	)
	c := &cobra.Command{
		Use:   "check",
		Short: "Monitoring plugin: one line, perfdata, exit 0 OK / 1 WARNING / 2 CRITICAL / 3 UNKNOWN",
		Long: `check connects, loads, joins and evaluates, for cron, Nagios/Icinga/Sensu and CI.
A service is CRITICAL when its instances UP fall below --crit-up-below or it shows a diagnosis
listed in --crit-on; WARNING likewise with --warn-up-below and --warn-on. A source that cannot be
read makes the result UNKNOWN (3).
With --fleet it rates the fleet instead: a service is CRITICAL when more than --fleet-stale-crit
of the hosts that have its backend still route new traffic to a deregistered instance, or more than
--fleet-missing-crit do not route to a registered one, for longer than --fleet-grace (WARNING
likewise). One read cannot tell since when a host has been routing to a deregistered instance:
check --fleet first watches the fleet for the grace period (so it takes that long, plus a refresh).`,
		Example: `  stacktui check --haproxy /run/haproxy.sock --zk zk1:2181 --service svc_a --crit-up-below 1 --warn-up-below 50%
  stacktui check --json --warn-on down,duplicate --crit-on missing_in_haproxy
  stacktui check --replay incident.jsonl.gz --after-note 1 --at +5s --service svc_a
  stacktui check --fleet --zk zk1:2181 --fleet-grace 30s --fleet-stale-crit 10%`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownStatus{reason: fmt.Sprintf("unexpected argument %q (check takes flags only; see stacktui check --help)", args[0])}
			}
			return nil
		},
		RunE: func(c *cobra.Command, _ []string) error {
			err := runCheck(c, &rf, services, warnBelow, critBel, warnOn, critOn, fleetT, asJSON, wait)
			if err == nil {
				return nil
			}
			var ec exitCode
			var us unknownStatus
			if errors.As(err, &ec) || errors.As(err, &us) {
				return err
			}
			// A bad value, a source that cannot even be set up, an interrupt:
			// Nagios reads all of these as UNKNOWN, with the reason.
			if cause := context.Cause(c.Context()); cause != nil {
				err = cause
			}
			return unknownStatus{reason: oneLine(err.Error()), json: asJSON}
		},
	}
	// Usage errors (an unknown flag, a value that does not parse) are UNKNOWN
	// too, never 2, which Nagios would read as CRITICAL.
	c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return unknownStatus{reason: oneLine(err.Error()) + " (see stacktui check --help)"}
	})
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
	addFleetFlags(f)
	def := []string{check.DefaultStaleWarn.String(), check.DefaultStaleCrit.String(), check.DefaultMissingWarn.String(),
		check.DefaultMissingCrit.String(), check.DefaultUnreadableWarn.String()}
	help := []string{
		"with --fleet: WARNING when more than this count or percentage of hosts still route to a deregistered instance past the grace period",
		"with --fleet: CRITICAL when more than this count or percentage of hosts still route to a deregistered instance past the grace period",
		"with --fleet: WARNING when more than this count or percentage of hosts do not route to a registered instance past the grace period",
		"with --fleet: CRITICAL when more than this count or percentage of hosts do not route to a registered instance past the grace period",
		"with --fleet: WARNING when more than this count or percentage of the fleet could not be read",
	}
	for i, name := range fleetThresholdFlags {
		f.StringVar(&fleetT[i], name, def[i], help[i])
	}
	return c
}

// fleetThresholdFlags are check --fleet's thresholds, in FleetOptions order.
var fleetThresholdFlags = [5]string{"fleet-stale-warn", "fleet-stale-crit", "fleet-missing-warn", "fleet-missing-crit", "fleet-unreadable-warn"}

// runCheck evaluates and prints the result; a status other than OK comes
// back as an exitCode.
func runCheck(c *cobra.Command, rf *replayFlags, services []string, warnBelow, critBel, warnOn, critOn string, fleetT [5]string, asJSON bool, wait time.Duration) error {
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
	var fo check.FleetOptions
	if cfg.Fleet {
		if rf.file != "" {
			return usagef("--fleet reads the hosts live: a trace does not record them (drop --replay or --fleet)")
		}
		fo.Services = services
		for i, t := range []*check.Threshold{&fo.StaleWarn, &fo.StaleCrit, &fo.MissingWarn, &fo.MissingCrit, &fo.UnreadableWarn} {
			if *t, err = check.ParseThreshold(fleetT[i]); err != nil {
				return usagef("--%s: %v", fleetThresholdFlags[i], err)
			}
		}
	}
	evaluate := func(f live.Frame) error {
		var r *check.Result
		switch {
		case !cfg.Fleet:
			r = check.Evaluate(f.View, f.Failures(), opts)
		case f.Fleet == nil:
			r = check.EvaluateFleet(&state.FleetView{}, f.Failures(), fo)
		default:
			r = check.EvaluateFleet(f.Fleet, f.Failures(), fo)
		}
		printCheck(c.OutOrStdout(), r, asJSON)
		if r.Status != check.OK {
			return exitCode{code: r.Code}
		}
		return nil
	}
	if err := rf.check(); err != nil {
		return err
	}
	if rf.file != "" {
		f, err := rf.frame()
		if err != nil {
			return err // a trace that cannot be read is as UNKNOWN as a source
		}
		return evaluate(f)
	}
	log, closeLog := openLog(cfg.Debug)
	defer closeLog()
	cfg.oneShot = true
	oneShotGC()
	return withSources(c.Context(), cfg, log, func(src *app.Sources) error {
		watch := time.Duration(0)
		if cfg.Fleet {
			watch = cfg.FleetGrace // see watchFrames
		}
		f := watchFrames(c.Context(), src, wait, watch, log)
		if err := c.Context().Err(); err != nil {
			return err // interrupted: no verdict on half-read sources
		}
		return evaluate(f)
	})
}

func printCheck(w io.Writer, r *check.Result, asJSON bool) {
	if asJSON {
		b, _ := json.MarshalIndent(r, "", "  ")
		fmt.Fprintln(w, string(termtext.JSON(b)))
		return
	}
	fmt.Fprintln(w, r.Line())
}

// unknownStatus is check's answer when it could not evaluate: Execute prints
// it on stdout, where a monitoring system reads the status line, and exits 3.
type unknownStatus struct {
	reason string
	json   bool
}

func (u unknownStatus) result() *check.Result {
	return &check.Result{Status: check.Unknown, Word: check.Unknown.String(), Code: int(check.Unknown), Summary: u.reason}
}

func (u unknownStatus) Error() string { return u.result().Line() }

// print writes the status line, or the JSON result with --json.
func (u unknownStatus) print(w io.Writer) { printCheck(w, u.result(), u.json) }

// oneLine folds s onto one line: a status line is one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
