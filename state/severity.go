package state

// severity ranks codes for on-call attention: what breaks traffic or hides the
// truth first, operator states and notes next, ok last. A switch, not a map:
// it runs for every instance of every join.
func severity(c Code) (int, bool) {
	switch c {
	case CodeOK:
		return 0, true
	case CodeMatchedByAddr, CodeDeregistered, CodeMaintenance:
		return 1, true
	case CodeWeightMismatch:
		return 2, true
	case CodeDrain:
		return 3, true
	case CodeMaint:
		return 4, true
	case CodeDuplicate, CodeStaleSession:
		return 5, true
	case CodeFlapping:
		return 6, true
	case CodeHAProxyStale:
		return 7, true
	case CodeRegistryStale:
		return 8, true
	case CodeNoRegistrations:
		return 9, true
	case CodeMalformed:
		return 10, true
	case CodeStaleInHAProxy:
		return 11, true
	case CodeMissingInHAProxy:
		return 12, true
	case CodeDown:
		return 13, true
	}
	return 1, false
}

// AllCodes lists every diagnosis code, most severe first.
var AllCodes = []Code{CodeDown, CodeMissingInHAProxy, CodeStaleInHAProxy, CodeMalformed, CodeNoRegistrations,
	CodeRegistryStale, CodeHAProxyStale, CodeFlapping, CodeDuplicate, CodeStaleSession, CodeMaint, CodeDrain,
	CodeWeightMismatch, CodeMaintenance, CodeDeregistered, CodeMatchedByAddr, CodeOK}

// Severity ranks a code for worst-of roll-ups: higher is worse. The empty
// code ranks below ok; a code this version does not know ranks just above ok,
// so that it is never hidden behind "ok".
func Severity(c Code) int {
	if c == "" {
		return -1
	}
	s, _ := severity(c)
	return s
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
