package config

import (
	"os"
)

// Default locations of the host's SmartStack configs.
const (
	DefaultSynapsePath = "/etc/synapse.conf.json"
	DefaultNervePath   = "/etc/nerve.conf.json"
)

// FindSynapse returns the Synapse config to read: flag (--synapse-config) when
// set, else $SYNAPSE_CONFIG (what Synapse itself reads), else
// /etc/synapse.conf.json when it exists, else "" (no Synapse config).
func FindSynapse(flag string) (path string) {
	return find(flag, "SYNAPSE_CONFIG", DefaultSynapsePath)
}

// FindNerve returns the Nerve config to read: flag (--nerve-config) when set,
// else $NERVE_CONFIG, else /etc/nerve.conf.json when it exists, else "".
func FindNerve(flag string) string {
	return find(flag, "NERVE_CONFIG", DefaultNervePath)
}

// find applies the precedence flag > env > default-if-present. An explicit
// flag or env value is returned even when the file is missing, so the load
// reports that clearly instead of silently running without it.
func find(flag, env, def string) string {
	if flag != "" {
		return flag
	}
	if v := os.Getenv(env); v != "" {
		return v
	}
	if _, err := os.Stat(def); err == nil {
		return def
	}
	return ""
}
