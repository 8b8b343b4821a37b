// Package zookeeper is the live ZooKeeper registry source: Nerve
// registrations under <root>/<service>/services (or the exact paths a
// Synapse config names), read by watches into immutable sources.Snapshot
// values and sources.Event streams (or, with Options.Once, read once with
// no watch, over several sessions), plus ensemble health by four-letter
// words and a read-only tree browser. It never writes to ZooKeeper.
//
// The decoding rules follow airbnb/nerve and airbnb/synapse (see
// docs/smartstack.md sections 1, 3 and 7): compact JSON payloads with port
// and weight as numbers or strings, and base64_<len>_<b64>_<seq> names that
// Synapse decodes instead of the data.
package zookeeper
