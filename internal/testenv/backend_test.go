package testenv

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestBackendHealthToggles(t *testing.T) {
	b := Backend(t)
	if code, _ := get(t, "http://"+b.Addr+"/health"); code != 200 {
		t.Fatalf("/health = %d, want 200", code)
	}
	b.SetHealthy(false)
	if code, _ := get(t, "http://"+b.Addr+"/health"); code != 503 {
		t.Fatalf("/health = %d after SetHealthy(false), want 503", code)
	}
	b.SetHealthy(true)
	if code, _ := get(t, "http://"+b.Addr+"/health"); code != 200 {
		t.Fatalf("/health = %d after SetHealthy(true), want 200", code)
	}
	if code, body := get(t, "http://"+b.Addr+"/"); code != 200 || !strings.Contains(body, b.Addr) {
		t.Fatalf("/ = %d %q", code, body)
	}
	if b.Hits() != 1 {
		t.Fatalf("hits = %d, want 1", b.Hits())
	}
}
