package sshconn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// maxOutput bounds what is kept of a command's output.
const maxOutput = 1 << 20

// errStopped marks a command killed because its context ended.
var errStopped = errors.New("stopped")

// run runs command on the host with the given streams until it exits or
// ctx ends (then it is killed). The error is nil, an *ssh.ExitError, one
// wrapping errStopped and ctx's error, or why it could not run.
func (c *Conn) run(ctx context.Context, command string, stdin io.Reader, stdout, stderr io.Writer) error {
	cl, _, err := c.current()
	if err != nil {
		return err
	}
	sess, err := cl.NewSession()
	if err != nil {
		return fmt.Errorf("ssh %s: new session: %w", c.s, err)
	}
	defer sess.Close()
	sess.Stdin, sess.Stdout, sess.Stderr = stdin, stdout, stderr
	if err := sess.Start(command); err != nil {
		return fmt.Errorf("ssh %s: run %q: %w", c.s, command, err)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		// Kill it and close the channel. A child the command forked may
		// keep its output open (and so the session) after the kill; do
		// not wait for it.
		_ = sess.Signal(ssh.SIGKILL)
		sess.Close()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
		}
		return fmt.Errorf("%q on %s %w: %w", command, c.s, errStopped, ctx.Err())
	}
}

// Run runs command on the host (its login shell parses it: build it with
// Quote) and returns its output. A command that ran and failed returns its
// output and an error naming its exit status and first line of stderr.
func (c *Conn) Run(ctx context.Context, command string, stdin io.Reader) (stdout, stderr []byte, err error) {
	var out, errb limitedBuffer
	err = c.run(ctx, command, stdin, &out, &errb)
	var ee *ssh.ExitError
	if errors.As(err, &ee) {
		err = fmt.Errorf("%q on %s exited with status %d: %s", command, c.s, ee.ExitStatus(), firstLine(errb.String()))
	}
	return out.Bytes(), errb.Bytes(), err
}

// Exec runs command on the host the way an action runs a local `sh -c`:
// it returns the combined output and the exit status, and an error only
// when the command could not be run or was stopped (ctx).
func (c *Conn) Exec(ctx context.Context, command string) ([]byte, int, error) {
	var out limitedBuffer
	err := c.run(ctx, command, nil, &out, &out)
	var ee *ssh.ExitError
	switch {
	case err == nil:
		return out.Bytes(), 0, nil
	case errors.As(err, &ee):
		return out.Bytes(), ee.ExitStatus(), nil
	}
	return out.Bytes(), -1, err
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

// limitedBuffer keeps the first maxOutput bytes written to it. It is safe
// for the session's stdout and stderr copiers to share.
type limitedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := maxOutput - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// Bytes returns what was kept.
func (b *limitedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

func (b *limitedBuffer) String() string { return string(b.Bytes()) }

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
