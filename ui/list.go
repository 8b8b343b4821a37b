package ui

// list is the cursor, scroll offset, marks, filter and sort of one pane's
// rows. Rows are identified by key so the selection and the marks follow a
// row when a new snapshot moves it.
type list struct {
	n      int // rows after filtering
	cursor int
	offset int
	height int // body height at the last render or resize
	selKey string
	marks  map[string]bool
	filter filter
	sort   int // sort column index; -1 none
	desc   bool
}

func newList() list { return list{sort: -1, marks: map[string]bool{}, height: 10} }

// reselect puts the cursor back on selKey after the rows changed, or keeps
// the index (clamped) when that row is gone.
func (l *list) reselect(n int, keyAt func(int) string) {
	l.n = n
	if l.selKey != "" {
		// Fast path: same position.
		if l.cursor < n && keyAt(l.cursor) == l.selKey {
			l.clamp()
			return
		}
		for i := 0; i < n; i++ {
			if keyAt(i) == l.selKey {
				l.cursor = i
				l.clamp()
				return
			}
		}
	}
	l.clamp()
	if n > 0 {
		l.selKey = keyAt(l.cursor)
	} else {
		l.selKey = ""
	}
}

func (l *list) clamp() {
	if l.cursor >= l.n {
		l.cursor = l.n - 1
	}
	if l.cursor < 0 {
		l.cursor = 0
	}
	h := max(l.height, 1)
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+h {
		l.offset = l.cursor - h + 1
	}
	if l.offset > l.n-h {
		l.offset = max(l.n-h, 0)
	}
	if l.offset < 0 {
		l.offset = 0
	}
}

// move sets the cursor to i (clamped) and records the selected key.
func (l *list) move(i int, keyAt func(int) string) {
	l.cursor = i
	l.clamp()
	if l.n > 0 {
		l.selKey = keyAt(l.cursor)
	}
}

// visible returns the index range [from, to) of rows on screen.
func (l *list) visible() (int, int) {
	from := l.offset
	to := min(from+max(l.height, 0), l.n)
	return from, max(to, from)
}

// toggleMark marks or unmarks the selected row.
func (l *list) toggleMark() {
	if l.selKey == "" {
		return
	}
	if l.marks[l.selKey] {
		delete(l.marks, l.selKey)
	} else {
		l.marks[l.selKey] = true
	}
}

// moveTo moves the cursor to row i, clamped to the rows there are.
func (l *list) moveTo(i int, keyAt func(int) string) {
	if l.n == 0 {
		return
	}
	l.move(min(max(i, 0), l.n-1), keyAt)
}

// page is how far pgup/pgdown move: a screenful less one row of context.
func (l *list) page() int { return max(l.height-1, 1) }
