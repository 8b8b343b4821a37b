package zookeeper

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
)

// ParseAuth checks a digest credential "user:password" (surrounding
// whitespace and a trailing newline are dropped). Errors never contain the
// secret.
func ParseAuth(b []byte) ([]byte, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, errors.New("zookeeper auth: empty credential; the file must hold digest user:password")
	}
	if bytes.ContainsAny(b, "\r\n") {
		return nil, errors.New("zookeeper auth: more than one line; the file must hold one digest user:password")
	}
	i := bytes.IndexByte(b, ':')
	if i <= 0 {
		return nil, errors.New("zookeeper auth: no user before ':'; the file must hold digest user:password")
	}
	return bytes.Clone(b), nil
}

// ParseAuthFile reads a digest credential from a file (--zk-auth-file), so
// the secret never appears in argv. Errors name the file, never the secret.
func ParseAuthFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("zookeeper auth: %w", err)
	}
	a, err := ParseAuth(b)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return a, nil
}

// DigestID is the ACL id ZooKeeper derives from a digest credential,
// "user:base64(sha1(user:password))": what a node's ACL must name. It is
// safe to show; the password cannot be read back from it.
func DigestID(auth []byte) string {
	i := bytes.IndexByte(auth, ':')
	if i < 0 {
		return ""
	}
	sum := sha1.Sum(auth)
	return string(auth[:i]) + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

// AuthUser is the user part of a digest credential, for display.
func AuthUser(auth []byte) string {
	if i := bytes.IndexByte(auth, ':'); i >= 0 {
		return string(auth[:i])
	}
	return ""
}
