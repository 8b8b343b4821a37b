package sshconn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/ssh"
)

// maxOutput bounds what Run keeps of each output stream.
const maxOutput = 1 << 20

// Run runs command on the host through the connection (the host's login
// shell parses it: build it with Quote) and returns its output. A command
// that ran and failed returns its output with an error naming its exit
// status; a cancelled ctx kills it.
func (c *Conn) Run(ctx context.Context, command string, stdin io.Reader) (stdout, stderr []byte, err error) {
	cl, _, err := c.current()
	if err != nil {
		return nil, nil, err
	}
	sess, err := cl.NewSession()
	if err != nil {
		return nil, nil, fmt.Errorf("ssh %s: new session: %w", c.s, err)
	}
	defer sess.Close()
	var out, errb limitedBuffer
	sess.Stdout, sess.Stderr, sess.Stdin = &out, &errb, stdin
	if err := sess.Start(command); err != nil {
		return nil, nil, fmt.Errorf("ssh %s: run %q: %w", c.s, command, err)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = sess.Signal(ssh.SIGKILL)
		sess.Close()
		<-done
		return out.Bytes(), errb.Bytes(), fmt.Errorf("ssh %s: %q: %w", c.s, command, ctx.Err())
	}
	if err != nil {
		var ee *ssh.ExitError
		if errors.As(err, &ee) {
			return out.Bytes(), errb.Bytes(), fmt.Errorf("%q on %s exited with status %d: %s", command, c.s, ee.ExitStatus(), firstLine(errb.String()))
		}
		return out.Bytes(), errb.Bytes(), fmt.Errorf("ssh %s: %q: %w", c.s, command, err)
	}
	return out.Bytes(), errb.Bytes(), nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return "no error output"
	}
	return s
}

// limitedBuffer keeps the first maxOutput bytes written to it.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxOutput - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// Quote makes a POSIX shell command line of args, each single-quoted
// unless it is plainly safe, so that no argument can start another command.
func Quote(args ...string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,@%+") == "" {
			out[i] = a
			continue
		}
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}
