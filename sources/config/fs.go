package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// FS is what the loaders read files through: the local file system, or a
// SmartStack host's over SSH (internal/sshconn), with absolute paths as on
// that host. Errors for missing or unreadable files must satisfy
// errors.Is(err, fs.ErrNotExist) and fs.ErrPermission.
type FS interface {
	Stat(name string) (fs.FileInfo, error)
	ReadFile(name string) ([]byte, error)
	ReadDir(name string) ([]fs.DirEntry, error)
}

// Local is this machine's file system.
var Local FS = localFS{}

type localFS struct{}

func (localFS) Stat(name string) (fs.FileInfo, error)      { return os.Stat(name) }
func (localFS) ReadFile(name string) ([]byte, error)       { return os.ReadFile(name) }
func (localFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }

// disabledFiles lists dir/*DisabledSuffix, sorted.
func disabledFiles(fsys FS, dir string) []string {
	entries, err := fsys.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), DisabledSuffix) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out
}

// FindIn returns the config to read on fsys: flag when set, else def when
// it exists there, else "". Unlike FindSynapse and FindNerve it reads no
// environment: a remote host's environment is not ours.
func FindIn(fsys FS, flag, def string) string {
	if flag != "" {
		return flag
	}
	if st, err := fsys.Stat(def); err == nil && !st.IsDir() {
		return def
	}
	return ""
}
