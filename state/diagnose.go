package state

import (
	"sort"

	"github.com/stacktui/stacktui/sources"
	"strconv"
	"strings"
	"unsafe"
)

// finding is one socket's diagnosis of one instance, before the per-socket
// findings are merged into sentences.
type finding struct {
	sock int
	code Code
	text string
}

// diagnoseRegistered diagnoses an instance that has a registration.
func (j *joiner) diagnoseRegistered(b *svcBuild, in *Instance) []Diagnosis {
	r := in.Registration
	var ds []Diagnosis
	if r.Malformed != "" {
		t := "the registration " + regName(r) + " could not be decoded: " + r.Malformed + "; Synapse skips it, so fix or remove it"
		return append(ds, Diagnosis{CodeMalformed, sentence(t)})
	}
	addr := r.Host + ":" + strconv.Itoa(r.Port)
	switch {
	case len(j.socks) == 0:
		ds = append(ds, Diagnosis{CodeOK, "Registered; no HAProxy stats socket is configured to compare with."})
	case j.readable == 0:
		ds = append(ds, Diagnosis{CodeHAProxyStale, "Registered; no HAProxy socket could be read, so whether HAProxy routes to it is unknown."})
	default:
		ds = j.diagnoseState(in, func(si int) (Code, string) {
			row := in.HAProxy[si].Row
			if row != nil {
				if classify(row) == classUp && zeroWeight(row) {
					return CodeDrain, j.cfg.drainedText(b.name, row, r)
				}
				if ago := j.recent(in.RegChanged()); ago != "" && classify(row) == classMaint && maintVia(row) == "" {
					return CodeMaint, "registered " + ago + " and still in MAINT from before: Synapse enables it at its next reconfigure, usually within seconds"
				}
				if classify(row) == classUp && !addrInCheckText(row.CheckStatus()) {
					return j.memo(memoKey{kind: memoRegisteredUp, status: row.Status(), check: row.CheckStatus(), desc: row.CheckDesc(), code: row.CheckCode}, func() (Code, string) {
						return registeredFinding(row, addr)
					})
				}
				return registeredFinding(row, addr)
			}
			if !j.socks[si].hasProxy(b.backend) {
				return CodeMissingInHAProxy, "registered, but this HAProxy has no backend " + strconv.Quote(b.backend) +
					": Synapse on that host does not configure this service (not in its config, or it has not written and reloaded HAProxy yet)"
			}
			return CodeMissingInHAProxy, "registered, but HAProxy backend " + strconv.Quote(b.backend) + " has no server " + bothNames(r) +
				" (nor any at " + addr + "): Synapse is lagging, dead, or not watching this service; check that synapse runs and its log"
		})
	}
	ds = j.notes(b, in, addr, ds)
	return ds
}

// notes adds the findings that are not a socket's state: address matches,
// weights, duplicates and stale sessions.
func (j *joiner) notes(b *svcBuild, in *Instance, addr string, ds []Diagnosis) []Diagnosis {
	r := in.Registration
	multi := j.readable > 1
	for si, s := range in.HAProxy {
		if !s.ByAddr {
			continue
		}
		t := "HAProxy names it " + s.Row.Name() + ", not " + bothNames(r) + " as Synapse would from this registration; matched by address " + addr +
			" (the instance was renamed without a reload, or this backend is not Synapse's)"
		if multi {
			t = "from " + j.socks[si].label + ": " + t
		}
		ds = append(ds, Diagnosis{CodeMatchedByAddr, sentence(t)})
	}
	if want, from, ok := j.cfg.expectedWeight(b.name, r); ok {
		var at []string
		hw := -1
		for si, s := range in.HAProxy {
			if s.Row == nil || !j.socks[si].readable {
				continue
			}
			if w := rowWeight(s.Row); w != want {
				at = append(at, j.socks[si].label)
				hw = w
			}
		}
		if len(at) > 0 {
			t := from + " but HAProxy"
			if multi {
				t += " at " + listWords(at)
			}
			t += " uses weight " + strconv.Itoa(hw) + ": "
			if j.cfg.weightRule(b.name) == WeightsFromSerfTag {
				t += "Synapse applies the tag over the socket at its next reconfigure (within seconds of the member update); if this lasts, Synapse is not updating this HAProxy, or an operator set the weight over the socket"
			} else {
				t += "Synapse applies registry weights only when it rewrites and reloads HAProxy, or an operator set the weight over the socket (it lasts until the next reload)"
			}
			ds = append(ds, Diagnosis{CodeWeightMismatch, sentence(t)})
		}
	}
	dup := ""
	if b.dups != nil {
		if t, ok := b.dups[r]; ok {
			dup = t
		}
		for _, d := range in.Duplicates() {
			if t, ok := b.dups[d]; ok && dup == "" {
				dup = t
			}
		}
	}
	if dup != "" {
		ds = append(ds, Diagnosis{CodeDuplicate, sentence(dup)})
	} else if why, ok := j.suspects[r.Owner]; ok && r.Owner != 0 {
		ds = append(ds, Diagnosis{CodeStaleSession, sentence(staleSessionText(why))})
	}
	return ds
}

// diagnoseState asks f for each readable socket's finding on in and merges
// them into sentences: one per code, naming the sockets when not all agree
// ("from B only: ..."). ok is dropped when any socket has a problem.
func (j *joiner) diagnoseState(in *Instance, f func(sock int) (Code, string)) []Diagnosis {
	fs := j.scratch[:0]
	for si, k := range j.socks {
		if !k.readable {
			continue
		}
		if in.Registration == nil && in.HAProxy[si].Row == nil {
			continue // an unregistered server absent here: nothing to say
		}
		c, t := f(si)
		fs = append(fs, finding{si, c, t})
	}
	j.scratch = fs
	if len(fs) == 0 {
		return nil
	}
	if j.readable == 1 {
		return j.one(fs[0].code, j.sentence(fs[0].text))
	}
	var codes []Code
	for _, f := range fs {
		if !containsCode(codes, f.code) {
			codes = append(codes, f.code)
		}
	}
	ds := make([]Diagnosis, 0, len(codes))
	for _, c := range codes {
		if c == CodeOK && len(codes) > 1 {
			continue
		}
		var texts []string
		var socks [][]string
		n := 0
		for _, f := range fs {
			if f.code != c {
				continue
			}
			n++
			at := -1
			for i, t := range texts {
				if t == f.text {
					at = i
				}
			}
			if at < 0 {
				texts = append(texts, f.text)
				socks = append(socks, nil)
				at = len(texts) - 1
			}
			socks[at] = append(socks[at], j.socks[f.sock].label)
		}
		var t string
		switch {
		case n == j.readable && (len(texts) == 1 || c == CodeOK):
			t = texts[0] // ok everywhere: the check details need not be repeated
		case len(texts) == 1:
			t = "from " + listWords(socks[0]) + " only: " + texts[0]
		default:
			parts := make([]string, len(texts))
			for i := range texts {
				parts[i] = "from " + listWords(socks[i]) + ": " + texts[i]
			}
			t = strings.Join(parts, "; ")
		}
		ds = append(ds, Diagnosis{c, sentence(t)})
	}
	return ds
}

func containsCode(cs []Code, c Code) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

// listWords renders "A", "A and B", "A, B and C".
func listWords(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// sortDiagnoses puts the most severe first, keeping the order of equals.
func sortDiagnoses(ds []Diagnosis) {
	if len(ds) < 2 {
		return
	}
	sort.SliceStable(ds, func(a, b int) bool { return Severity(ds[a].Code) > Severity(ds[b].Code) })
}

// one returns a one-diagnosis slice, the same one for every instance with
// the same finding (at 50,000 servers most share a handful): it has no room
// to append into, and code that edits a finding in place clones first
// (asOfLastRead, maintenance). Past maxSentences findings, the rest are
// carved from a shared slab.
func (j *joiner) one(c Code, text string) []Diagnosis {
	d := Diagnosis{c, text}
	// Neighbouring servers mostly share their finding (the same string, so
	// comparing is cheaper than hashing it).
	if len(j.lastOne) == 1 && j.lastOne[0] == d {
		return j.lastOne
	}
	if s, ok := j.ones[d]; ok {
		j.lastOne = s
		return s
	}
	if len(j.slab) == 0 {
		j.slab = make([]Diagnosis, 1024)
	}
	s := j.slab[:1:1]
	j.slab = j.slab[1:]
	s[0] = d
	if len(j.ones) < maxSentences {
		if j.ones == nil {
			j.ones = map[Diagnosis][]Diagnosis{}
		}
		j.ones[d] = s
	}
	j.lastOne = s
	return s
}

// sentence is sentence(t), made once per join for the texts servers
// share: at 50,000 servers HAProxy alone, each server's own copy of "UP
// without a health check..." was a fifth of a joined view's memory. Texts
// that name an address are each their own; past maxSentences texts, new
// ones are no longer remembered.
func (j *joiner) sentence(t string) string {
	if t == j.lastText && t != "" {
		return j.lastSentence
	}
	if s, ok := j.sentences[t]; ok {
		j.lastText, j.lastSentence = t, s
		return s
	}
	s := sentence(t)
	j.lastText, j.lastSentence = t, s
	if len(j.sentences) < maxSentences {
		if j.sentences == nil {
			j.sentences = map[string]string{}
		}
		j.sentences[t] = s
	}
	return s
}

const maxSentences = 512

// memoKey identifies a finding whose sentence depends only on these fields.
type memoKey struct {
	kind                int
	status, check, desc string
	code                int32 // check_code: an L7STS sentence names it
	flag, serf          bool
}

const (
	memoUnregistered = iota + 1
	memoRegisteredUp
	memoHAProxyUp // no registry: up, its sentence without its address
)

// memoize is false only in the test that holds the memo's keys to the
// findings computed anew.
var memoize = true

// memo returns f's finding for k, computed once per join: most servers of a
// big HAProxy share a handful of sentences.
func (j *joiner) memo(k memoKey, f func() (Code, string)) (Code, string) {
	if !memoize {
		c, t := f()
		return c, sentence(t)
	}
	// Neighbouring servers mostly share a state: try the last key before
	// hashing three strings.
	if j.lastOK && k == j.lastKey {
		return j.lastVal.code, j.lastVal.text
	}
	if r, ok := j.memos[k]; ok {
		j.lastKey, j.lastVal, j.lastOK = k, r, true
		return r.code, r.text
	}
	c, t := f()
	t = sentence(t) // stored final, so sentence() later is a no-op
	if j.memos == nil {
		j.memos = map[memoKey]finding{}
	}
	j.memos[k] = finding{code: c, text: t}
	j.lastKey, j.lastVal, j.lastOK = k, finding{code: c, text: t}, true
	return c, t
}

// serverName is ServerName(r) built in the key buffer.
func (j *joiner) serverName(r *sources.Registration) string {
	name := r.Name
	if name == "" {
		name = r.Member
	}
	if len(name)+len(r.Host) > 4000 {
		return ServerName(r)
	}
	if cap(j.keys)-len(j.keys) < len(name)+len(r.Host)+24 {
		j.keys = make([]byte, 0, 64<<10)
	}
	start := len(j.keys)
	if name != "" {
		j.keys = append(j.keys, name...)
		j.keys = append(j.keys, '_')
	}
	j.keys = append(j.keys, r.Host...)
	j.keys = append(j.keys, ':')
	j.keys = strconv.AppendInt(j.keys, int64(r.Port), 10)
	b := j.keys[start:len(j.keys):len(j.keys)]
	return unsafe.String(&b[0], len(b))
}

// keyer hands out the instances' keys of one service, taking them from the
// same service in the last view when they are there: successive views then
// share their keys (2 MB at 50,000 servers), and so does the history, which
// keys its records by them. Instances mostly come in the same order join
// after join (registered by name, then the rest by name), so a cursor finds
// them; when it misses, a map of the last keys does.
type keyer struct {
	j     *joiner
	last  []Instance // the service's instances in the last view; nil for none
	next  int
	byKey map[string]string // the last keys, made at the cursor's first miss
}

// keyer returns the keyer of the service named name.
func (j *joiner) keyer(name string) keyer {
	k := keyer{j: j}
	if m := j.prev; m != nil {
		if sm, ok := m.svcs[name]; ok {
			k.last = m.view.Services[sm.at].Instances
		}
	}
	return k
}

// key returns backend + "/" + server, the last view's string when it has it.
func (k *keyer) key(backend, server string) string {
	if len(k.last) == 0 {
		return k.j.key(backend, server)
	}
	if k.next < len(k.last) && isKey(k.last[k.next].Key, backend, server) {
		k.next++
		return k.last[k.next-1].Key
	}
	if k.byKey == nil {
		k.byKey = make(map[string]string, len(k.last))
		for i := range k.last {
			k.byKey[k.last[i].Key] = k.last[i].Key
		}
	}
	b := append(append(append(k.j.keyBuf[:0], backend...), '/'), server...)
	k.j.keyBuf = b
	if key, ok := k.byKey[string(b)]; ok { // no allocation for the lookup
		return key
	}
	return k.j.key(backend, server)
}

// isKey reports whether key is backend + "/" + server.
func isKey(key, backend, server string) bool {
	return len(key) == len(backend)+1+len(server) && key[len(backend)] == '/' &&
		key[:len(backend)] == backend && key[len(backend)+1:] == server
}

// key is backend + "/" + server, built in a shared buffer: one allocation per
// 64 KiB of keys instead of one per instance. Bytes once written are never
// changed, so the strings stay valid.
func (j *joiner) key(backend, server string) string {
	n := len(backend) + 1 + len(server)
	if n > 4096 {
		return backend + "/" + server
	}
	if cap(j.keys)-len(j.keys) < n {
		j.keys = make([]byte, 0, 64<<10)
	}
	start := len(j.keys)
	j.keys = append(j.keys, backend...)
	j.keys = append(j.keys, '/')
	j.keys = append(j.keys, server...)
	b := j.keys[start:len(j.keys):len(j.keys)]
	return unsafe.String(&b[0], len(b))
}
