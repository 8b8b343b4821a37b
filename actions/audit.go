package actions

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Audit phases: an intent line is written before an action changes anything,
// a result line after.
const (
	PhaseIntent = "intent"
	PhaseResult = "result"
)

// AuditRecord is one JSON line of the audit log.
type AuditRecord struct {
	Time      time.Time `json:"time"`
	Phase     string    `json:"phase"` // PhaseIntent or PhaseResult
	ID        string    `json:"id"`    // the same for an action's intent and result lines
	User      string    `json:"user"`  // who acted: SUDO_USER, else the OS user
	OSUser    string    `json:"os_user"`
	SudoUser  string    `json:"sudo_user,omitempty"`
	SSHClient string    `json:"ssh_client,omitempty"` // the SSH client's address, when run over SSH
	Host      string    `json:"host"`                 // where stacktui ran
	// TargetHost and Via, with --ssh: the host the action changed and how
	// it was reached ("SSH user@host (addr)"). Empty: Host itself.
	TargetHost string   `json:"target_host,omitempty"`
	Via        string   `json:"via,omitempty"`
	Action     Kind     `json:"action"`
	Title      string   `json:"title"`
	Scope      Scope    `json:"scope,omitempty"`
	Targets    []string `json:"targets"`
	Commands   []string `json:"commands"`
	Durable    bool     `json:"durable"`
	// Result lines only.
	Started  *time.Time `json:"started,omitempty"`
	Finished *time.Time `json:"finished,omitempty"`
	Steps    []Step     `json:"steps,omitempty"`
	OK       bool       `json:"ok"`
	Error    string     `json:"error,omitempty"`
}

// syncWriter is what the audit log appends to: an *os.File in production.
type syncWriter interface {
	io.Writer
	Sync() error
	Close() error
}

// AuditLog appends JSON lines to a file and fsyncs each before returning.
type AuditLog struct {
	path string
	mu   sync.Mutex
	f    syncWriter
	seq  int64
	who  identity
}

// DefaultAuditPath is the audit log's default location:
// $XDG_STATE_HOME/stacktui/audit.log, else ~/.local/state/stacktui/audit.log.
func DefaultAuditPath() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "stacktui", "audit.log")
}

// OpenAudit opens (creating it and its directory, mode 0600/0700) the audit
// log at path for appending.
func OpenAudit(path string) (*AuditLog, error) {
	if path == "" {
		return nil, errors.New("audit log: empty path: pass --audit-log")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("audit log: create directory %s: %w (check --audit-log and permissions)", dir, err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: open %s: %w (check --audit-log and permissions)", path, err)
	}
	// A new log's directory entry must survive a crash like its lines do.
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		_ = syncDir(filepath.Dir(path))
	}
	return &AuditLog{path: path, f: f, who: whoAmI()}, nil
}

// Path is the audit log's file name.
func (a *AuditLog) Path() string { return a.path }

// Close closes the log; later actions are refused.
func (a *AuditLog) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.f.Close()
}

func (a *AuditLog) record(p Plan, w Where, phase, id string, at time.Time) AuditRecord {
	r := AuditRecord{
		Time: at, Phase: phase, ID: id,
		User: a.who.user, OSUser: a.who.osUser, SudoUser: a.who.sudoUser, SSHClient: a.who.sshClient, Host: a.who.host,
		Action: p.Kind, Title: p.Title, Scope: p.Scope,
		Targets: p.Targets, Commands: p.Commands, Durable: p.Durable,
	}
	if w.Remote() {
		r.TargetHost, r.Via = w.Name(), w.Via
	}
	return r
}

// intent writes the line that must be on disk before anything changes on
// the host w.
func (a *AuditLog) intent(p Plan, w Where, at time.Time) (string, error) {
	a.mu.Lock()
	a.seq++
	id := strconv.FormatInt(at.UnixNano(), 36) + "-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(a.seq, 10)
	a.mu.Unlock()
	return id, a.append(a.record(p, w, PhaseIntent, id, at))
}

// result writes the outcome of the action intent id announced.
func (a *AuditLog) result(id string, w Where, r Result) error {
	rec := a.record(r.Plan, w, PhaseResult, id, r.Finished)
	rec.Started, rec.Finished = &r.Started, &r.Finished
	rec.Steps = r.Steps
	rec.OK = r.Err == nil
	if r.Err != nil {
		rec.Error = r.Err.Error()
	}
	return a.append(rec)
}

// append writes one line with a single write and fsyncs it.
func (a *AuditLog) append(rec AuditRecord) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode audit record: %w", err)
	}
	line = append(line, '\n')
	a.mu.Lock()
	defer a.mu.Unlock()
	// A write that fails part-way (a full disk) must not leave half a record
	// for the next one to be glued to: note the size, and on failure cut the
	// file back to it.
	f, canTruncate := a.f.(truncatable)
	var size int64 = -1
	if canTruncate {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
	}
	fail := func(err error) error {
		if size >= 0 {
			if terr := f.Truncate(size); terr != nil {
				return fmt.Errorf("%w; and cutting the partial record off failed: %v (the last line of %s may be torn)", err, terr, a.path)
			}
			_ = a.f.Sync()
		}
		return err
	}
	if _, err := a.f.Write(line); err != nil {
		return fail(fmt.Errorf("write %s: %w", a.path, err))
	}
	if err := a.f.Sync(); err != nil {
		// Not on disk for sure: the action is refused, so the log must not
		// claim it either.
		return fail(fmt.Errorf("fsync %s: %w", a.path, err))
	}
	return nil
}

// truncatable is the part of *os.File that undoes a failed append.
type truncatable interface {
	Stat() (os.FileInfo, error)
	Truncate(size int64) error
}

// Recent returns up to n of the last records in the log, oldest first. Lines
// that are not valid records (a line torn by a crash) are skipped.
func (a *AuditLog) Recent(n int) ([]AuditRecord, error) {
	if n <= 0 {
		return nil, nil
	}
	return ReadAudit(a.path, n)
}

// ReadAudit returns up to n of the last records of the audit log at path,
// oldest first (n <= 0: all of them).
func ReadAudit(path string, n int) ([]AuditRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	// Read a growing tail until it holds n records, so the Events view
	// does not parse a year of history to show the last fifty actions.
	for chunk := int64(32 << 10); ; chunk *= 4 {
		start := max(st.Size()-chunk, 0)
		if n <= 0 {
			start = 0
		}
		r := io.NewSectionReader(f, start, st.Size()-start)
		br := bufio.NewReader(r)
		if start > 0 {
			if _, err := br.ReadBytes('\n'); err != nil { // a partial first line
				continue
			}
		}
		out, err := parseAudit(br, n)
		if err != nil {
			return nil, fmt.Errorf("audit log: read %s: %w", path, err)
		}
		if start == 0 || len(out) >= n {
			return out, nil
		}
	}
}

// parseAudit reads JSON lines from r and keeps the last n records (n <= 0:
// all). Lines that are not records are skipped.
func parseAudit(r io.Reader, n int) ([]AuditRecord, error) {
	var out []AuditRecord
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadBytes('\n')
		if line = bytes.TrimSpace(line); len(line) > 0 {
			var rec AuditRecord
			if json.Unmarshal(line, &rec) == nil && rec.Phase != "" {
				out = append(out, rec)
				if n > 0 && len(out) > 2*n {
					out = append(out[:0], out[len(out)-n:]...)
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if n > 0 && len(out) > n {
		out = out[len(out)-n:]
	}
	return out, nil
}
