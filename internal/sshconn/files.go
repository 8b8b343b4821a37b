package sshconn

import (
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/pkg/sftp"
)

// Files are read (and, for the actions that must run on the host, written)
// over SFTP rather than by running cat: no shell quoting of paths, errors
// that are os.ErrNotExist and os.ErrPermission as for local files, and
// directory listings for Synapse's and Nerve's conf dirs. OpenSSH enables
// its sftp-server subsystem by default.

// maxRemoteFile bounds one file read, as the local config reader does.
const maxRemoteFile = 64 << 20

// sftpClient returns the SFTP session of the current connection, opening
// it on first use after each (re)connect.
func (c *Conn) sftpClient() (*sftp.Client, error) {
	cl, gen, err := c.current()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.sftp != nil && c.sftpGen == gen {
		sc := c.sftp
		c.mu.Unlock()
		return sc, nil
	}
	c.mu.Unlock()
	sc, err := sftp.NewClient(cl)
	if err != nil {
		return nil, fmt.Errorf("ssh %s: SFTP: %w (is the sftp subsystem enabled in the host's sshd_config?)", c.s, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sftp != nil && c.sftpGen == gen { // another caller won the race
		sc.Close()
		return c.sftp, nil
	}
	if c.sftp != nil {
		c.sftp.Close()
	}
	c.sftp, c.sftpGen = sc, gen
	return sc, nil
}

// Stat returns a file's information on the host.
func (c *Conn) Stat(name string) (fs.FileInfo, error) {
	sc, err := c.sftpClient()
	if err != nil {
		return nil, err
	}
	return sc.Stat(name)
}

// ReadFile reads a whole file on the host (at most 64 MiB).
func (c *Conn) ReadFile(name string) ([]byte, error) {
	sc, err := c.sftpClient()
	if err != nil {
		return nil, err
	}
	f, err := sc.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxRemoteFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxRemoteFile {
		return nil, fmt.Errorf("%s on %s is larger than %d MiB", name, c.s, maxRemoteFile>>20)
	}
	return b, nil
}

// ReadDir lists a directory on the host.
func (c *Conn) ReadDir(name string) ([]fs.DirEntry, error) {
	sc, err := c.sftpClient()
	if err != nil {
		return nil, err
	}
	infos, err := sc.ReadDir(name)
	if err != nil {
		return nil, err
	}
	out := make([]fs.DirEntry, len(infos))
	for i, fi := range infos {
		out[i] = fs.FileInfoToDirEntry(fi)
	}
	return out, nil
}

// WriteFile writes data to name on the host through a temporary file in
// the same directory and a rename, so a reader never sees half a file.
func (c *Conn) WriteFile(name string, data []byte, perm os.FileMode) error {
	sc, err := c.sftpClient()
	if err != nil {
		return err
	}
	tmp := name + ".stacktui-tmp"
	f, err := sc.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		sc.Remove(tmp)
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		sc.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		sc.Remove(tmp)
		return err
	}
	if err := sc.PosixRename(tmp, name); err != nil {
		sc.Remove(tmp)
		return err
	}
	return nil
}

// Remove deletes a file on the host.
func (c *Conn) Remove(name string) error {
	sc, err := c.sftpClient()
	if err != nil {
		return err
	}
	return sc.Remove(name)
}

// Rename moves oldpath to newpath on the host, refusing to replace an
// existing newpath (as actions.FileWriter requires).
func (c *Conn) Rename(oldpath, newpath string) error {
	sc, err := c.sftpClient()
	if err != nil {
		return err
	}
	if _, err := sc.Lstat(newpath); err == nil {
		return fmt.Errorf("rename %s: %s already exists on %s: %w", oldpath, newpath, c.s, fs.ErrExist)
	}
	return sc.Rename(oldpath, newpath)
}
