// Command stacktui is a terminal operations console for SmartStack service
// discovery: it joins Nerve registrations (ZooKeeper or Serf) with what the
// host's HAProxy routes to, diagnoses the drift and drives actions.
package main

import (
	"os"

	"github.com/stacktui/stacktui/cmd"
)

func main() {
	os.Exit(cmd.Execute(os.Args[1:], os.Stdout, os.Stderr))
}
