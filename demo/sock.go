package demo

import (
	"fmt"
	"io"
	"net"
	"time"
)

// socketCommand sends one line to HAProxy's admin socket in non-interactive
// mode and returns the whole reply (HAProxy closes after answering).
func socketCommand(path, line string, timeout time.Duration) (string, error) {
	c, err := net.DialTimeout("unix", path, timeout)
	if err != nil {
		return "", fmt.Errorf("demo: dialing haproxy socket %s: %w", path, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", fmt.Errorf("demo: writing %q to %s: %w", line, path, err)
	}
	b, err := io.ReadAll(c)
	if err != nil {
		return string(b), fmt.Errorf("demo: reading reply to %q from %s: %w", line, path, err)
	}
	return string(b), nil
}
