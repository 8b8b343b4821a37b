package config

import (
	"os"
	"testing"
)

func seed(f *testing.F, files ...string) {
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, name)
	}
}

// FuzzParseSynapse checks the Synapse parser never panics and that whatever it
// accepts is internally consistent.
func FuzzParseSynapse(f *testing.F) {
	seed(f, "testdata/synapse.conf.json", "testdata/synapse.conf.yaml", "testdata/synapse.conf.json.erb")
	f.Add([]byte(`{"services":{"a":{"discovery":{"hosts":"z:1"},"haproxy":{"port":"1e3"}}}}`), "x.json")
	f.Add([]byte("services:\n  ? [a]\n  : {}\n"), "x.yaml")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		syn, err := ParseSynapse(data, name)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		for k, svc := range syn.Services {
			if svc.Name != k || svc.Backend() == "" && k != "" {
				t.Fatalf("service %q = %+v", k, svc)
			}
		}
		_ = syn.ZKServers()
		_ = syn.ZKPaths()
	})
}

// FuzzParseNerve checks the Nerve parser never panics.
func FuzzParseNerve(f *testing.F) {
	seed(f, "testdata/nerve.conf.json", "testdata/nerve.conf.yaml", "testdata/nerve.d/svc_b_31003.json")
	f.Add([]byte(`{"instance_id":1,"services":{"a":{"port":"3000","weight":"2","checks":[{"timeout":"0.5"}]}}}`), "n.json")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		n, err := ParseNerve(data, name)
		if err != nil {
			return
		}
		for k, s := range n.Services {
			if s.Name != k || s.ReporterType == "" {
				t.Fatalf("service %q = %+v", k, s)
			}
			_ = s.RegistryService()
		}
	})
}

// FuzzParseStateFile covers the state file and file_output readers.
func FuzzParseStateFile(f *testing.F) {
	seed(f, "testdata/state-deregistered.json", "testdata/state-stale-session.json", "testdata/file_output/svc_a.json")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		if st, err := ParseStateFile(data, name); err == nil {
			for _, servers := range st {
				if _, ok := servers[generatorKey]; ok {
					t.Fatal("generator config kept as a server")
				}
			}
		}
		if list, err := ParseFileOutput(data, name); err == nil {
			for _, b := range list {
				_ = b.ServerName()
			}
		}
	})
}
