package hacheck

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// MaxFileSize is the most of a spool file List reads; spool files are tiny.
const MaxFileSize = 64 << 10

// FS is the file system a spool is listed on: this machine's (List), or a
// host's over SSH. Missing files must satisfy errors.Is(err, fs.ErrNotExist).
type FS interface {
	ReadDir(name string) ([]fs.DirEntry, error)
	ReadFile(name string) ([]byte, error)
}

// localFS is this machine's file system, reading at most MaxFileSize of a file.
type localFS struct{}

func (localFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }

func (localFS) ReadFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxFileSize))
}

// List reads every spool file in dir on this machine (ListFS).
func List(dir string) ([]Entry, error) { return ListFS(localFS{}, dir) }

// ListFS reads every spool file in dir on fsys, sorted by file name. A
// missing directory is no error (no spool files). Files whose names
// hacheck would not produce are skipped.
func ListFS(fsys FS, dir string) ([]Entry, error) {
	des, err := fsys.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("hacheck: read spool directory %s: %w (check --hacheck-spool)", dir, err)
	}
	var out []Entry
	for _, de := range des {
		if !de.Type().IsRegular() {
			continue
		}
		service, port, ok := ParseFileName(de.Name())
		if !ok {
			continue
		}
		path := filepath.Join(dir, de.Name())
		data, err := fsys.ReadFile(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed since ReadDir
			}
			return nil, fmt.Errorf("hacheck: read %s: %w", path, err)
		}
		e := Parse(data[:min(len(data), MaxFileSize)])
		e.Service, e.Port, e.File = service, port, de.Name()
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out, nil
}

// ReadFile reads and parses one spool file on this machine (at most
// MaxFileSize bytes).
func ReadFile(path string) (Entry, error) {
	data, err := localFS{}.ReadFile(path)
	if err != nil {
		return Entry{}, fmt.Errorf("hacheck: read %s: %w", path, err)
	}
	e := Parse(data)
	if service, port, ok := ParseFileName(filepath.Base(path)); ok {
		e.Service, e.Port = service, port
	}
	e.File = filepath.Base(path)
	return e, nil
}
