package demo

import "syscall"

// childAttr makes HAProxy die with us even when stacktui is killed hard, so
// the demo never leaves a process behind.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
