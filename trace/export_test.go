package trace

// SetMaxLine lowers the line length limit for a test; call the result to restore it.
func SetMaxLine(n int) func() {
	old := maxLine
	maxLine = n
	return func() { maxLine = old }
}
