package cmd

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/internal/app"
	"github.com/stacktui/stacktui/internal/shutdown"
	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/ui"
)

// runTUI opens the sources and, in read-write mode only, the write handles,
// then runs the console until the user quits or a signal arrives.
func runTUI(ctx context.Context, c *Config) error {
	log, closeLog := openLog(c.Debug)
	defer closeLog()
	resumeGC, stopGC := deferGC()
	defer stopGC()
	defer resumeGC()
	return withSources(ctx, c, log, func(src *app.Sources) error {
		return runConsole(ctx, c, src, nil, log, resumeGC)
	})
}

// runConsole builds the executor (read-only, or with write handles and an
// audit log) and runs the UI on src.
// firstView, when not nil, is called at the first full screen.
func runConsole(ctx context.Context, c *Config, src *app.Sources, banner func() string, log *slog.Logger, firstView func()) (err error) {
	auditPath := c.AuditLog
	if auditPath == "" {
		auditPath = defaultAuditPath()
	}
	var exec *actions.Executor
	var audit *actions.AuditLog
	if c.ReadOnly {
		exec = actions.NewReadOnlyExecutor()
	} else {
		var err error
		audit, err = actions.OpenAudit(auditPath)
		if err != nil {
			return usagef("audit log %s: %v (every action is audited: fix the path, pass --audit-log, or use --read-only)", auditPath, err)
		}
		defer audit.Close()
		w, closeWriters := src.OpenWriters()
		defer closeWriters()
		exec = actions.NewExecutor(w, audit)
	}
	tap, finishRecording, err := recordConsole(c, src)
	if err != nil {
		return err
	}
	p := newPipeline(src, log, live.Options{Pace: live.DefaultPace, Tap: tap})
	stop := runPipeline(ctx, p)
	defer func() {
		stop()
		if ferr := finishRecording(); ferr != nil && err == nil {
			err = ferr
		}
	}()
	if banner == nil && src.SSH != nil {
		banner = func() string { return src.SSHBanner(time.Now()) }
	}
	opts := ui.Options{
		Feed:           p,
		Browser:        src.Browser,
		Executor:       exec,
		Audit:          audit,
		ReadOnly:       c.ReadOnly,
		Refresh:        c.Refresh,
		SpoolDir:       c.HacheckSpool,
		ReloadCommand:  src.ReloadCommand,
		RestartCommand: src.RestartCommand,
		Durable: actions.Durable{Where: src.Where, Nerve: src.Nerve, NervePath: src.Maintenance.NervePath, NerveNote: src.NerveNote,
			SpoolDir: c.HacheckSpool, NervePID: src.NervePID},
		Fleet:      src.Fleet != nil,
		SerfAgents: c.SerfMemberRPC,
		Banner:     banner,
		Logger:     log,
		FirstView:  firstView,
	}
	if len(src.ZKServers) > 0 {
		opts.Health = src.Health
	}
	// ui.Run restores the terminal when the console quits or is killed in time;
	// the watchdog (a wedged program) and a kill that raced the program's
	// start need the modes as they were before it.
	tty := shutdown.SaveTerminal(os.Stdin, os.Stdout)
	defer shutdown.AtExit(ctx, tty.Restore)()
	err = ui.Run(ctx, opts)
	if ctx.Err() != nil {
		tty.Restore()
	}
	return err
}
