package sshconn

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// keyring is what one connection attempt offers: the agent's keys and the
// identity files', and what could not be used, for the error message.
type keyring struct {
	signers []ssh.Signer
	agent   net.Conn // open while the handshake may ask the agent to sign
	notes   []string
}

func (k *keyring) close() {
	if k.agent != nil {
		k.agent.Close()
	}
}

// loadKeys gathers the signers as ssh does: the agent's keys (only those
// of the identity files with IdentitiesOnly), then each identity file that
// exists and needs no passphrase, with its certificate (FILE-cert.pub) when
// there is one.
func loadKeys(s *Settings) *keyring {
	k := &keyring{}
	var filePubs [][]byte
	var files []ssh.Signer
	for _, path := range s.IdentityFiles {
		data, err := os.ReadFile(path)
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				k.notes = append(k.notes, fmt.Sprintf("%s: %v", path, err))
			}
			continue
		}
		if pub, err := os.ReadFile(path + ".pub"); err == nil {
			if pk, _, _, _, err := ssh.ParseAuthorizedKey(pub); err == nil {
				filePubs = append(filePubs, pk.Marshal())
			}
		}
		signer, err := ssh.ParsePrivateKey(data)
		var pme *ssh.PassphraseMissingError
		switch {
		case errors.As(err, &pme):
			k.notes = append(k.notes, path+" is passphrase-protected: load it into ssh-agent (ssh-add "+path+")")
			continue
		case err != nil:
			k.notes = append(k.notes, fmt.Sprintf("%s: %v", path, err))
			continue
		}
		filePubs = append(filePubs, signer.PublicKey().Marshal())
		if cert, err := os.ReadFile(path + "-cert.pub"); err == nil {
			if pk, _, _, _, err := ssh.ParseAuthorizedKey(cert); err == nil {
				if c, ok := pk.(*ssh.Certificate); ok {
					if cs, err := ssh.NewCertSigner(c, signer); err == nil {
						files = append(files, cs)
					}
				}
			}
		}
		files = append(files, signer)
	}
	if s.IdentityAgent != "" {
		c, err := net.Dial("unix", s.IdentityAgent)
		if err != nil {
			k.notes = append(k.notes, "ssh-agent at "+s.IdentityAgent+": "+err.Error())
		} else {
			k.agent = c
			signers, err := agent.NewClient(c).Signers()
			if err != nil {
				k.notes = append(k.notes, "ssh-agent: "+err.Error())
			}
			for _, sg := range signers {
				if s.IdentitiesOnly && !containsKey(filePubs, sg.PublicKey().Marshal()) {
					continue
				}
				k.signers = append(k.signers, sg)
			}
		}
	}
	k.signers = append(k.signers, files...)
	return k
}

func containsKey(keys [][]byte, k []byte) bool {
	for _, x := range keys {
		if bytes.Equal(x, k) {
			return true
		}
	}
	return false
}

// describe says what was offered, for an authentication failure.
func (k *keyring) describe(s *Settings) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d key(s) offered", len(k.signers))
	if s.IdentityAgent == "" {
		b.WriteString(", no ssh-agent (SSH_AUTH_SOCK is not set)")
	}
	for _, n := range k.notes {
		b.WriteString("; " + n)
	}
	return b.String()
}
