package config

import (
	"errors"
	"fmt"
	"io/fs"
)

// maxFile bounds what we read: SmartStack configs are kilobytes; a huge file
// is a mistake (a log or a binary) and must not eat the terminal's memory.
const maxFile = 64 << 20

// readFile reads path with errors that say what to check.
func readFile(fsys FS, path, what, hint string) ([]byte, error) {
	if path == "" {
		return nil, fmt.Errorf("no %s path given: %s", what, hint)
	}
	st, err := fsys.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%s %s does not exist: %s", what, path, hint)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("%s %s cannot be read (permission denied): run as a user that can read it, e.g. with sudo", what, path)
	case err != nil:
		return nil, fmt.Errorf("%s %s: %v", what, path, err)
	case st.IsDir():
		return nil, fmt.Errorf("%s %s is a directory, not a file: %s", what, path, hint)
	case st.Size() > maxFile:
		return nil, fmt.Errorf("%s %s is %d bytes, far too big for a config: check the path", what, path, st.Size())
	}
	data, err := fsys.ReadFile(path)
	if errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("%s %s cannot be read (permission denied): run as a user that can read it, e.g. with sudo", what, path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v", what, path, err)
	}
	return data, nil
}
