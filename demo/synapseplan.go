package demo

import (
	"sort"

	"github.com/stacktui/stacktui/haproxy/command"
)

// opKind is one kind of change the synapse loop makes over the socket.
type opKind int

const (
	opReady  opKind = iota // registered: set server b/s state ready
	opMaint                // deregistered: set server b/s state maint
	opWeight               // serverweight changed: set server b/s weight N
)

// op is one socket change for one server.
type op struct {
	Kind    opKind
	Backend string
	Server  string
	Weight  int
}

// command is the validated runtime-API command for the op; names that
// HAProxy could not take are refused here, before any socket.
func (o op) command() (command.Command, error) {
	switch o.Kind {
	case opReady:
		return command.SetState(o.Backend, o.Server, command.StateReady)
	case opMaint:
		return command.SetState(o.Backend, o.Server, command.StateMaint)
	default:
		w, err := command.Absolute(o.Weight)
		if err != nil {
			return command.Command{}, err
		}
		return command.SetWeight(o.Backend, o.Server, w)
	}
}

// String is the runtime-API command line for the op, or why there is none.
func (o op) String() string {
	c, err := o.command()
	if err != nil {
		return "invalid: " + err.Error()
	}
	return c.String()
}

// plan is what Synapse does on a registry change: servers that appeared are
// made ready, servers that went away are put in maintenance, weight changes
// are set, and servers HAProxy does not know yet need a reload. Only changes
// between prev and cur produce ops, so an operator's drain or maint of a
// server stays until that server's registration changes (as with Synapse).
// Ops come out sorted so the result is deterministic.
func plan(configured map[string]bool, prev, cur regSet) (ops []op, unknown []regServer) {
	for k, s := range cur {
		if !configured[k] {
			unknown = append(unknown, s)
			continue
		}
		p, was := prev[k]
		switch {
		case !was:
			ops = append(ops, op{Kind: opReady, Backend: s.Backend, Server: s.Name})
			if s.Weight != defaultWeight {
				ops = append(ops, op{Kind: opWeight, Backend: s.Backend, Server: s.Name, Weight: s.Weight})
			}
		case p.Weight != s.Weight:
			ops = append(ops, op{Kind: opWeight, Backend: s.Backend, Server: s.Name, Weight: s.Weight})
		}
	}
	for k, s := range prev {
		if _, still := cur[k]; !still && configured[k] {
			ops = append(ops, op{Kind: opMaint, Backend: s.Backend, Server: s.Name})
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		a, b := ops[i], ops[j]
		if a.Backend != b.Backend {
			return a.Backend < b.Backend
		}
		if a.Server != b.Server {
			return a.Server < b.Server
		}
		return a.Kind < b.Kind
	})
	sort.Slice(unknown, func(i, j int) bool { return unknown[i].key() < unknown[j].key() })
	return ops, unknown
}
