package state

// severity ranks codes for on-call attention: what breaks traffic or hides the
// truth first, operator states and notes next, ok last.
var severity = map[Code]int{
	CodeOK:               0,
	CodeMatchedByAddr:    1,
	CodeDeregistered:     1,
	CodeWeightMismatch:   2,
	CodeDrain:            3,
	CodeMaint:            4,
	CodeDuplicate:        5,
	CodeStaleSession:     5,
	CodeFlapping:         6,
	CodeHAProxyStale:     7,
	CodeRegistryStale:    8,
	CodeNoRegistrations:  9,
	CodeMalformed:        10,
	CodeStaleInHAProxy:   11,
	CodeMissingInHAProxy: 12,
	CodeDown:             13,
}

// Severity ranks a code for worst-of roll-ups: higher is worse. The empty
// code ranks below ok; a code this version does not know ranks just above ok,
// so that it is never hidden behind "ok".
func Severity(c Code) int {
	if c == "" {
		return -1
	}
	if s, ok := severity[c]; ok {
		return s
	}
	return 1
}

// Worse returns the more severe of a and b; a on a tie.
func Worse(a, b Code) Code {
	if Severity(b) > Severity(a) {
		return b
	}
	return a
}

// worstOf is the most severe code among ds, or "" when ds is empty.
func worstOf(ds []Diagnosis) Code {
	var w Code
	for _, d := range ds {
		w = Worse(w, d.Code)
	}
	return w
}
