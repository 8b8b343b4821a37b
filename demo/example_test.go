package demo_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/stacktui/stacktui/demo"
)

// Example shows how `stacktui demo` wires the sandbox: start it, point the
// sources at its Serf RPC (or ZooKeeper) and HAProxy socket, show
// Happening in the help line, and Close on every way out.
func Example() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	d, err := demo.Start(ctx, demo.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer d.Close()
	if d.NoHAProxy != "" {
		fmt.Fprintln(os.Stderr, d.NoHAProxy)
	}
	fmt.Println("serf:", d.SerfRPC, "haproxy:", d.HAProxySocket, "audit:", d.AuditLog)
	fmt.Println(d.Happening())
	// ... run the TUI until ctx is done ...
}
