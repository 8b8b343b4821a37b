package actions

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/stacktui/stacktui/actions/hacheck"
)

// NerveService is one service file in Nerve's service_conf_dir.
type NerveService struct {
	Service  string // the file name without extension (and without .disabled)
	File     string // the file name as found
	Disabled bool   // moved aside by the toggle (<file>.disabled)
}

// NerveServices lists the service files in confDir, enabled and disabled, so
// views can show a disabled service as in maintenance. It only reads. A
// missing directory is no error.
func NerveServices(confDir string) ([]NerveService, error) {
	des, err := os.ReadDir(confDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("nerve service_conf_dir %s: %w", confDir, err)
	}
	var out []NerveService
	for _, de := range des {
		if de.IsDir() {
			continue
		}
		name := de.Name()
		base, disabled := strings.CutSuffix(name, DisabledSuffix)
		for _, ext := range nerveExts {
			if svc, ok := strings.CutSuffix(base, ext); ok && hacheck.ValidService(svc) == nil {
				out = append(out, NerveService{Service: svc, File: name, Disabled: disabled})
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out, nil
}
