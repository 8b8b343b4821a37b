// Package config reads this host's own SmartStack files: the Synapse config
// (services, their discovery, HAProxy backend names, the global haproxy and
// file_output sections), Synapse's file_output JSON and state file ("what this
// host's Synapse believes"), and the Nerve config (the services this host
// registers). It only reads files; it never renders ERB templates and never
// talks to ZooKeeper, Serf or HAProxy.
//
// Every error names the file, the field (as a dotted path such as
// services.svc_a.haproxy.port, with its line) or the line and column when the
// syntax is broken, and what to do about it.
package config
