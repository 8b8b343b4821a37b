package cmd

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/stacktui/stacktui/demo"
	"github.com/stacktui/stacktui/internal/app"
	"github.com/stacktui/stacktui/internal/shutdown"
)

func newDemoCmd() *cobra.Command {
	var zk string
	c := &cobra.Command{
		Use:   "demo",
		Short: "Run stacktui on a built-in SmartStack: real HAProxy, Serf cluster, HTTP services, load and chaos",
		Long: `demo starts, on loopback, a small SmartStack: a Serf cluster tagged the Nerve way (or Nerve-style
registrations in the ZooKeeper given with --zk), HTTP services with different latencies and error
rates, a load generator, a real HAProxy driven through its socket as Synapse does, and now and then
an instance that fails or deregisters. Then it opens the console on it, read-write: every action works
against the demo's own HAProxy and agents, audited in the demo's temp dir. Everything stops and the
temp dir is removed on exit.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := loadConfig(c.Flags())
			if err != nil {
				return err
			}
			log, closeLog := openLog(cfg.Debug)
			defer closeLog()
			// The dir is made here, so that a signal during start-up, when
			// the watchdog may end the process before Start returns, still
			// removes it. HAProxy dies with the process (Pdeathsig).
			dir, err := os.MkdirTemp("", "stacktui-demo-")
			if err != nil {
				return fmt.Errorf("demo: making a temp dir: %w (check TMPDIR)", err)
			}
			defer shutdown.AtExit(c.Context(), func() { _ = os.RemoveAll(dir) })()
			d, err := demo.Start(c.Context(), demo.Options{ZK: zk, Logger: log, Dir: dir})
			if err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			defer d.Close()
			defer shutdown.AtExit(c.Context(), d.Abandon)()
			if d.NoHAProxy != "" {
				fmt.Fprintln(os.Stderr, d.NoHAProxy)
			}
			cfg.ZK, cfg.Serf, cfg.HAProxy = nil, d.SerfRPC, nil
			if zk != "" {
				cfg.ZK, cfg.ZKPath, cfg.Serf = []string{d.ZK}, d.ZKPath, ""
			}
			if d.HAProxySocket != "" {
				cfg.HAProxy = []string{"demo=" + d.HAProxySocket}
			}
			cfg.AuditLog, cfg.HacheckSpool, cfg.ReloadCmd = d.AuditLog, d.SpoolDir, d.ReloadCommand
			cfg.Synapse, cfg.Nerve, cfg.ignoreHostFiles = "", "", true
			return withSources(c.Context(), cfg, log, func(src *app.Sources) error {
				src.StateConfig.Backends = d.Backends
				return runConsole(c.Context(), cfg, src, d.Happening, log, nil)
			})
		},
	}
	c.Flags().StringVar(&zk, "zk", "", "register the demo's instances in this ZooKeeper (host:port) the Nerve way, instead of Serf")
	c.Flags().Bool(keyReadOnly, false, "open the demo console read-only")
	c.Flags().Duration(keyRefresh, time.Second, "HAProxy poll interval")
	return c
}
