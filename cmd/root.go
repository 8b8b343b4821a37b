// Package cmd is stacktui's command line: flags, environment and config file
// merged into one Config, the subcommands, and exit codes.
package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/stacktui/stacktui/internal/check"
	"github.com/stacktui/stacktui/internal/shutdown"
)

// Build information, set with -ldflags "-X github.com/stacktui/stacktui/cmd.version=..." by goreleaser.
var (
	version = "dev"
	commit  = ""
	date    = ""
)

// Exit codes of stacktui (check has its own, the Nagios convention). A
// command stopped by a signal exits 128+signal (130 for SIGINT, 143 for
// SIGTERM, 129 for SIGHUP), check excepted: it answers UNKNOWN.
const (
	ExitOK     = 0
	ExitFailed = 1 // a source could not be read, or an action failed
	ExitUsage  = 2 // a bad flag, value or argument
)

// Execute runs the command line and returns the process exit code. It owns
// SIGINT, SIGTERM and SIGHUP for the whole run (see internal/shutdown): the
// first one cancels the command's context, and a watchdog ends the process
// shortly after if the command does not return by itself.
func Execute(args []string, stdout, stderr io.Writer) int {
	sig := shutdown.Install(shutdown.Deadline)
	defer sig.Stop()
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(sig.Context())
	var us unknownStatus
	if errors.As(err, &us) {
		// check: the monitoring system reads the status line on stdout.
		us.print(stdout)
		return int(check.Unknown)
	}
	if s := sig.Signal(); s != nil {
		fmt.Fprintln(stderr, "stacktui: stopped by", shutdown.Name(s))
		return shutdown.ExitCode(s)
	}
	if err == nil {
		return ExitOK
	}
	var ec exitCode
	if errors.As(err, &ec) {
		if ec.msg != "" {
			fmt.Fprintln(stderr, "stacktui:", ec.msg)
		}
		return ec.code
	}
	fmt.Fprintln(stderr, "stacktui:", err)
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		return ExitUsage
	}
	return ExitFailed
}

// exitCode carries a specific exit status (check's Nagios codes, snapshot's 1).
type exitCode struct {
	code int
	msg  string
}

func (e exitCode) Error() string { return fmt.Sprintf("exit %d: %s", e.code, e.msg) }

// isCobraUsage tells cobra's own parse errors (unknown flag, bad int...) apart
// from runtime failures; cobra returns them before RunE ever runs.
func isCobraUsage(err error) bool {
	var fe flagError
	return errors.As(err, &fe) || strings.HasPrefix(err.Error(), "unknown command ") ||
		strings.Contains(err.Error(), "arg(s)") // cobra's Args validators
}

type flagError struct{ error }

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "stacktui",
		Short: "Live console for SmartStack: Nerve registrations joined with HAProxy, drift diagnosed, actions audited",
		Long: `stacktui shows, live, what is registered for each service (Nerve in ZooKeeper, or Serf
member tags), what this host's HAProxy actually routes to, where the two disagree and why,
and lets you drain, maintain, re-weight and reload — each action shown as a plan, confirmed,
executed and audited.

On a SmartStack host with /etc/synapse.conf.json it needs no flags: the ZooKeeper hosts,
paths, HAProxy socket and backend names come from the Synapse config.`,
		Example: `  stacktui --zk zk1:2181,zk2:2181 --haproxy /run/haproxy.sock
  stacktui --serf 127.0.0.1:7373 --haproxy main=/run/haproxy.sock --haproxy edge=10.0.0.5:9999
  stacktui --read-only --haproxy /run/haproxy.sock
  stacktui --ssh deploy@web-3                    # work on web-3 through SSH, with its Synapse config
  stacktui --zk zk1:2181 --fleet                 # also every registering host's HAProxy stats page
  stacktui snapshot --json --haproxy /run/haproxy.sock
  stacktui demo`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := loadConfig(c.Flags())
			if err != nil {
				return err
			}
			return runTUI(c.Context(), cfg)
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return flagError{err} })
	addGlobalFlags(root.PersistentFlags())
	// A CPU profile of a whole run, and a heap profile at its end (what is
	// live then and all it allocated: -sample_index=alloc_space), for the
	// bench harness and for bug reports; a Go execution trace of a whole
	// run, for latency (where a key's frame waited, and on what).
	var cpuProfile, memProfile, goTrace string
	var stopCPU, stopTrace func()
	var memFile *os.File
	root.PersistentFlags().StringVar(&cpuProfile, "cpu-profile", "", "write a CPU profile of this run to FILE")
	root.PersistentFlags().StringVar(&memProfile, "mem-profile", "", "write a heap profile to FILE at exit")
	_ = root.PersistentFlags().MarkHidden("cpu-profile")
	root.PersistentFlags().StringVar(&goTrace, "go-trace", "", "write a Go execution trace of this run to FILE (go tool trace)")
	_ = root.PersistentFlags().MarkHidden("mem-profile")
	_ = root.PersistentFlags().MarkHidden("go-trace")
	root.PersistentPreRunE = func(*cobra.Command, []string) (err error) {
		if goTrace != "" {
			if stopTrace, err = startProfile("go-trace", goTrace, trace.Start, trace.Stop); err != nil {
				return err
			}
		}
		if memProfile != "" {
			f, err := os.Create(memProfile)
			if err != nil {
				return usagef("--mem-profile: %v", err)
			}
			memFile = f
		}
		if cpuProfile != "" {
			stopCPU, err = startProfile("cpu-profile", cpuProfile, pprof.StartCPUProfile, pprof.StopCPUProfile)
		}
		return err
	}
	root.PersistentPostRun = func(*cobra.Command, []string) {
		if stopTrace != nil {
			stopTrace()
		}
		if stopCPU != nil {
			stopCPU()
		}
		if memFile != nil {
			runtime.GC() // in-use figures are as of the last collection
			_ = pprof.Lookup("heap").WriteTo(memFile, 0)
			memFile.Close()
		}
	}
	addSourceFlags(root.Flags())
	addFleetFlags(root.Flags())
	addRecordFlag(root.Flags())
	addActionFlags(root.Flags())
	root.CompletionOptions.HiddenDefaultCmd = false
	root.AddCommand(newSnapshotCmd(), newCheckCmd(), newWatchCmd(), newRecordCmd(), newReplayCmd(), newDemoCmd(), newVersionCmd(), newManCmd(root))
	root.InitDefaultCompletionCmd()
	return root
}

// startProfile creates path and starts a profile (or trace) writing to it;
// the returned func stops it and closes the file.
func startProfile(flag, path string, start func(io.Writer) error, stop func()) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, usagef("--%s: %v", flag, err)
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, usagef("--%s: %v", flag, err)
	}
	return func() { stop(); f.Close() }, nil
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version and the config, log and audit paths in use",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			v, file, err := newViper(c.Flags())
			if err != nil {
				return err
			}
			audit := v.GetString(keyAuditLog)
			if audit == "" {
				audit = defaultAuditPath()
			}
			if file == "" {
				file = configDirFile() + " (not present)"
			}
			w := c.OutOrStdout()
			fmt.Fprintf(w, "stacktui %s\n", versionString())
			fmt.Fprintf(w, "config:    %s\n", file)
			fmt.Fprintf(w, "log:       %s\n", defaultLogPath())
			fmt.Fprintf(w, "audit log: %s\n", audit)
			return nil
		},
	}
}

func configDirFile() string { return configDir() + "/config.yaml" }

// versionString is the version, commit and build date, falling back to the
// module build info for `go install` builds.
func versionString() string {
	v, c, d := version, commit, date
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && c == "":
				c = s.Value
			case s.Key == "vcs.time" && d == "":
				d = s.Value
			}
		}
		s := v
		if c != "" {
			if len(c) > 12 {
				c = c[:12]
			}
			s += " (" + c
			if d != "" {
				s += ", " + d
			}
			s += ")"
		}
		return s + " " + bi.GoVersion
	}
	return v
}

// newManCmd writes man pages; goreleaser puts them in the deb and rpm packages.
func newManCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:    "man DIR",
		Short:  "Write man pages to DIR",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if err := os.MkdirAll(args[0], 0o755); err != nil {
				return err
			}
			root.DisableAutoGenTag = true
			return doc.GenManTree(root, &doc.GenManHeader{Title: "STACKTUI", Section: "1"}, args[0])
		},
	}
}
