//go:build !linux

package demo

import "syscall"

// childAttr has no parent-death signal outside Linux; Close still kills
// HAProxy.
func childAttr() *syscall.SysProcAttr { return nil }
