// Command stacktui is a terminal operations console for SmartStack service
// discovery: it joins Nerve registrations (ZooKeeper or Serf) with what the
// host's HAProxy routes to, diagnoses the drift and drives actions.
package main

func main() {}
