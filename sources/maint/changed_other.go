//go:build !linux

package maint

import (
	"os"
	"time"
)

// changed is the file's modification time where ctime is not at hand.
func changed(st os.FileInfo) time.Time { return st.ModTime() }
