package sshconn

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyError is a refused host key: the host is not in known_hosts, or
// its key does not match the one recorded there. stacktui never asks
// whether to trust a key and never records one.
type HostKeyError struct {
	Host string // the name looked up, host:port
	// Changed: known_hosts has other keys for the host (Want).
	Changed bool
	Want    []xknownhosts.KnownKey
	Got     ssh.PublicKey
	Files   []string // the known_hosts files read
}

// Error says what was refused and what to do.
func (e *HostKeyError) Error() string {
	fp := ""
	if e.Got != nil {
		fp = " (" + e.Got.Type() + " " + ssh.FingerprintSHA256(e.Got) + ")"
	}
	if e.Changed {
		var where []string
		for _, w := range e.Want {
			where = append(where, fmt.Sprintf("%s:%d has a %s key", w.Filename, w.Line, w.Key.Type()))
		}
		return "REFUSED: the host key of " + e.Host + fp + " does not match known_hosts (" + strings.Join(where, "; ") +
			"): someone may be intercepting the connection, or the host was rebuilt; check with its owner, then fix known_hosts (ssh-keygen -R)"
	}
	return "REFUSED: " + e.Host + fp + " is not in known_hosts (" + strings.Join(e.Files, ", ") +
		"): stacktui never trusts a key on first use; connect once with ssh and check the fingerprint, then run stacktui again"
}

// hostKeys is the host key check for one target.
type hostKeys struct {
	db    *knownhosts.HostKeyDB
	files []string
	name  string // host:port looked up
}

// newHostKeys reads the known_hosts files that exist. None at all is an
// error: without them no host key can be checked.
func newHostKeys(s *Settings) (*hostKeys, error) {
	var files []string
	for _, f := range s.KnownHosts {
		if st, err := os.Stat(f); err == nil && !st.IsDir() {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return nil, &HostKeyError{Host: s.knownHostsName(), Files: s.KnownHosts}
	}
	db, err := knownhosts.NewDB(files...)
	if err != nil {
		return nil, fmt.Errorf("known_hosts: %w", err)
	}
	return &hostKeys{db: db, files: files, name: s.knownHostsName()}, nil
}

// algorithms are the host key types known_hosts holds for the host, so the
// server is asked for a key we can check (nil lets ssh choose: the check
// will then refuse).
func (h *hostKeys) algorithms() []string { return h.db.HostKeyAlgorithms(h.name) }

// callback checks the server's key under the resolved name, whatever
// address it was dialled at (HostKeyAlias).
func (h *hostKeys) callback() ssh.HostKeyCallback {
	cb := h.db.HostKeyCallback()
	return func(_ string, remote net.Addr, key ssh.PublicKey) error {
		err := cb(h.name, remote, key)
		var ke *xknownhosts.KeyError
		if errors.As(err, &ke) {
			return &HostKeyError{Host: h.name, Changed: len(ke.Want) > 0, Want: ke.Want, Got: key, Files: h.files}
		}
		var re *xknownhosts.RevokedError
		if errors.As(err, &re) {
			return fmt.Errorf("REFUSED: the host key of %s is marked @revoked in %s:%d", h.name, re.Revoked.Filename, re.Revoked.Line)
		}
		return err
	}
}
