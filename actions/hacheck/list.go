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

// List reads every spool file in dir, sorted by file name. A missing
// directory is no error (no spool files). Files whose names hacheck would not
// produce are skipped.
func List(dir string) ([]Entry, error) {
	des, err := os.ReadDir(dir)
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
		e, err := ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed since ReadDir
			}
			return nil, err
		}
		e.Service, e.Port, e.File = service, port, de.Name()
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out, nil
}

// ReadFile reads and parses one spool file (at most MaxFileSize bytes).
func ReadFile(path string) (Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return Entry{}, fmt.Errorf("hacheck: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize))
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
