package maint

import (
	"os"
	"syscall"
	"time"
)

// changed is when st's file was last changed or moved (its ctime): a rename
// keeps the modification time, so without a ctime (a file read over SFTP,
// which carries none) when it was moved aside is unknown: zero.
func changed(st os.FileInfo) time.Time {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return time.Unix(s.Ctim.Sec, s.Ctim.Nsec)
	}
	return time.Time{}
}
