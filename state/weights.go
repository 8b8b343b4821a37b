package state

import (
	"strconv"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/sources/config"
)

// WeightRule says where a service's Synapse takes each HAProxy server's
// weight from.
type WeightRule uint8

// Weight rules.
const (
	// WeightsIgnored: Synapse sets no weight from the registry (HAProxy's
	// default 1, or the config's), so there is nothing to compare.
	WeightsIgnored WeightRule = iota
	// WeightsFromNerve is Airbnb Synapse's use_nerve_weights: a
	// registration's weight, when it has one, is the server's weight.
	WeightsFromNerve
	// WeightsFromSerfTag is the getyourguide Serf fork's add_server_weight:
	// the member's smart:serverweight tag, DefaultSerfWeight without one.
	WeightsFromSerfTag
)

// DefaultSerfWeight is the weight the getyourguide Serf fork gives a member
// without a smart:serverweight tag when add_server_weight is on.
const DefaultSerfWeight = 50

// serfWeightTag is the member tag behind WeightsFromSerfTag.
const serfWeightTag = "smart:serverweight"

// FromSynapse is the join's Config for a host's Synapse config: the
// backend of every service and where each service's weights come from.
// Now and History are left for the caller.
func FromSynapse(syn *config.Synapse) Config {
	cfg := Config{Backends: map[string]string{}}
	if syn == nil {
		return cfg
	}
	cfg.Backends = syn.Backends()
	cfg.WeightsApplied = syn.HAProxy.UseNerveWeights
	for name, s := range syn.Services {
		rule := WeightsIgnored
		switch {
		case s.AddServerWeight:
			rule = WeightsFromSerfTag
		case s.UseNerveWeights:
			rule = WeightsFromNerve
		}
		if cfg.Weights == nil {
			cfg.Weights = map[string]WeightRule{}
		}
		cfg.Weights[name] = rule
	}
	return cfg
}

// weightRule is the rule for service svc: its own, else WeightsApplied's.
func (c *Config) weightRule(svc string) WeightRule {
	if r, ok := c.Weights[svc]; ok {
		return r
	}
	if c.WeightsApplied {
		return WeightsFromNerve
	}
	return WeightsIgnored
}

// expectedWeight is the weight service svc's Synapse gives r's server, and
// where it comes from in words; ok is false when the registry says nothing.
func (c *Config) expectedWeight(svc string, r *sources.Registration) (w int, from string, ok bool) {
	switch c.weightRule(svc) {
	case WeightsFromNerve:
		if r.HasWeight {
			return r.Weight, "registered with weight " + strconv.Itoa(r.Weight), true
		}
	case WeightsFromSerfTag:
		if r.Member == "" {
			return 0, "", false
		}
		if r.HasWeight {
			return r.Weight, "member " + r.Member + " has " + serfWeightTag + "=" + strconv.Itoa(r.Weight), true
		}
		return DefaultSerfWeight, "member " + r.Member + " has no " + serfWeightTag + " tag (weight " + strconv.Itoa(DefaultSerfWeight) + ")", true
	}
	return 0, "", false
}

// rowWeight is the weight a server row was given (uweight when HAProxy
// reports it), as Synapse and operators set it.
func rowWeight(r *haproxy.Row) int {
	if r.UWeight != 0 {
		return int(r.UWeight)
	}
	return int(r.Weight)
}

// zeroWeight reports whether an UP server takes no new traffic because its
// weight is 0.
func zeroWeight(r *haproxy.Row) bool { return r.Weight == 0 && r.UWeight == 0 }

// drainedText says why a server is UP with weight 0, from what the registry
// says of it (r nil when unregistered or unknown).
func (c *Config) drainedText(svc string, row *haproxy.Row, r *sources.Registration) string {
	t := "UP but weight 0: HAProxy sends it no new traffic (drained), so it is not capacity"
	if r != nil {
		if w, from, ok := c.expectedWeight(svc, r); ok && w == 0 {
			if c.weightRule(svc) == WeightsFromSerfTag {
				return t + "; " + from + ", the Serf drain, which Synapse applied; it lasts until " + r.Member +
					"'s agent reloads its tags (any SIGHUP, e.g. Nerve's on a service going up or down, or a restart)"
			}
			return t + "; " + from + " in the registry, which Synapse applied"
		}
	}
	return t + "; weight 0 was set over the socket (it lasts until the next reload) or in haproxy.cfg"
}
