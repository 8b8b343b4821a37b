package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/haproxy/command"
)

// row reads the server's `show stat` row.
func row(t *testing.T, c *Conn, server string) *haproxy.Row {
	t.Helper()
	st, err := c.ShowStat(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range st.Rows {
		if r := &st.Rows[i]; r.Proxy == be && r.Name() == server {
			return r
		}
	}
	t.Fatalf("no row %s/%s", be, server)
	return nil
}

func state(t *testing.T, c *Conn, server string) haproxy.ServerState {
	t.Helper()
	ss, err := c.ShowServersState(context.Background(), be)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		if s.Server == server {
			return s
		}
	}
	t.Fatalf("no servers state for %s", server)
	return haproxy.ServerState{}
}

func exec(t *testing.T, c *Conn, cmd command.Command, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Exec(context.Background(), cmd); err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
}

func TestWriteStateReadBack(t *testing.T) {
	c := dialShared(t, false)
	steps := []struct {
		s          command.State
		wantStatus string
		drain      bool
		maint      bool
	}{
		{command.StateDrain, "DRAIN", true, false},
		{command.StateMaint, "MAINT", false, true},
		{command.StateReady, "no check", false, false},
	}
	for _, st := range steps {
		cmd, err := command.SetState(be, sPlain, st.s)
		exec(t, c, cmd, err)
		if r := row(t, c, sPlain); r.Status() != st.wantStatus {
			t.Errorf("after %q: status %q, want %q", cmd, r.Status(), st.wantStatus)
		}
		ss := state(t, c, sPlain)
		if ss.InDrain() != st.drain || ss.InMaint() != st.maint {
			t.Errorf("after %q: servers state admin %#x", cmd, ss.AdminState)
		}
	}
	// A server disabled in the config comes back with ready.
	cmd, err := command.SetState(be, sMaint, command.StateReady)
	exec(t, c, cmd, err)
	if got := row(t, c, sMaint).Status(); got != "no check" {
		t.Errorf("config-disabled server after ready: %q", got)
	}
	cmd, err = command.SetState(be, sMaint, command.StateMaint)
	exec(t, c, cmd, err)
}

func TestWriteWeightReadBack(t *testing.T) {
	c := dialShared(t, false)
	for _, tc := range []struct {
		in   string
		want int
	}{{"5", 5}, {"50%", 5}, {"0", 0}, {"100%", 10}} {
		w, err := command.ParseWeight(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		cmd, err := command.SetWeight(be, sPlain, w)
		exec(t, c, cmd, err)
		r := row(t, c, sPlain)
		if int(r.UWeight) != tc.want || int(r.Weight) != tc.want {
			t.Errorf("after %q: weight %d uweight %d, want %d", cmd, r.Weight, r.UWeight, tc.want)
		}
		if s := state(t, c, sPlain); s.UWeight != tc.want || s.IWeight != 10 {
			t.Errorf("after %q: servers state uweight %d iweight %d", cmd, s.UWeight, s.IWeight)
		}
	}
}

func TestWriteHealthReadBack(t *testing.T) {
	c := dialShared(t, false)
	eventually(t, 10*time.Second, func() error {
		if s := row(t, c, checkServer).Status(); s != "UP" {
			return fmt.Errorf("checked server status %q, want UP before the test", s)
		}
		return nil
	})
	cmd, err := command.SetHealth(be, checkServer, command.HealthDown)
	exec(t, c, cmd, err)
	if s := row(t, c, checkServer).Status(); !strings.HasPrefix(s, "DOWN") {
		t.Errorf("after %q: status %q", cmd, s)
	}
	cmd, err = command.SetHealth(be, checkServer, command.HealthUp)
	exec(t, c, cmd, err)
	if s := row(t, c, checkServer).Status(); s != "UP" {
		t.Errorf("after %q: status %q", cmd, s)
	}
	cmd, err = command.SetHealth(be, checkServer, command.HealthStopping)
	exec(t, c, cmd, err)
	if s := row(t, c, checkServer).Status(); !strings.HasPrefix(s, "NOLB") {
		t.Errorf("after %q: status %q", cmd, s)
	}
	cmd, err = command.SetHealth(be, checkServer, command.HealthUp)
	exec(t, c, cmd, err)

	cmd, err = command.DisableHealth(be, checkServer)
	exec(t, c, cmd, err)
	if s := row(t, c, checkServer).Status(); s != "no check" {
		t.Errorf("after %q: status %q", cmd, s)
	}
	if st := state(t, c, checkServer).CheckState; st&chkEnabled != 0 {
		t.Errorf("after %q: check state %#x still enabled", cmd, st)
	}
	cmd, err = command.EnableHealth(be, checkServer)
	exec(t, c, cmd, err)
	if st := state(t, c, checkServer).CheckState; st&chkEnabled == 0 {
		t.Errorf("after %q: check state %#x not enabled", cmd, st)
	}
	eventually(t, 10*time.Second, func() error {
		if s := row(t, c, checkServer).Status(); s != "UP" {
			return fmt.Errorf("after %q: status %q", cmd, s)
		}
		return nil
	})
}

// chkEnabled is HAProxy's CHK_ST_ENABLED bit in srv_check_state/srv_agent_state.
const chkEnabled = 0x04

func TestWriteAgentReadBack(t *testing.T) {
	c := dialShared(t, false)
	cmd, err := command.SetAgent(be, sAgent, command.AgentDown)
	exec(t, c, cmd, err)
	if s := row(t, c, sAgent).Status(); s != "DOWN (agent)" {
		t.Errorf("after %q: status %q", cmd, s)
	}
	cmd, err = command.SetAgent(be, sAgent, command.AgentUp)
	exec(t, c, cmd, err)
	// Up again; with no health check HAProxy calls it "no check".
	if s := row(t, c, sAgent).Status(); s != "no check" {
		t.Errorf("after %q: status %q", cmd, s)
	}
	cmd, err = command.DisableAgent(be, sAgent)
	exec(t, c, cmd, err)
	if st := state(t, c, sAgent).AgentState; st&chkEnabled != 0 {
		t.Errorf("after %q: agent state %#x still enabled", cmd, st)
	}
	cmd, err = command.EnableAgent(be, sAgent)
	exec(t, c, cmd, err)
	if st := state(t, c, sAgent).AgentState; st&chkEnabled == 0 {
		t.Errorf("after %q: agent state %#x not enabled", cmd, st)
	}
}

func TestWriteMaxConnAndShutdown(t *testing.T) {
	c := dialShared(t, false)
	cmd, err := command.SetMaxConn(be, sBackup, 7)
	exec(t, c, cmd, err)
	if r := row(t, c, sBackup); r.SLim() != 7 {
		t.Errorf("after %q: slim %d", cmd, r.SLim())
	}
	cmd, err = command.ShutdownSessions(be, sBackup)
	exec(t, c, cmd, err)
}

func TestWriteErrors(t *testing.T) {
	c := dialShared(t, false)
	ctx := context.Background()
	cmd, _ := command.SetState(be, "no_such_server", command.StateDrain)
	err := c.Exec(ctx, cmd)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindRejected || e.Reply != "No such server." {
		t.Fatalf("missing server: %#v", err)
	}
	if !strings.Contains(e.Error(), "check the backend and server names") {
		t.Errorf("error text has no hint: %v", e)
	}
	cmd, _ = command.SetState("no_such_backend", sPlain, command.StateDrain)
	if err := c.Exec(ctx, cmd); !IsKind(err, KindRejected) || !strings.Contains(err.(*Error).Reply, "No such backend") {
		t.Fatalf("missing backend: %v", err)
	}
	if err := c.Exec(ctx, command.Command{}); !errors.Is(err, ErrZeroCommand) {
		t.Fatalf("zero command: %v", err)
	}
	// The session survives rejected commands.
	if _, err := c.Level(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestReadOnly(t *testing.T) {
	c := dialShared(t, true)
	ctx := context.Background()
	if !c.ReadOnly() {
		t.Fatal("not read-only")
	}
	lvl, err := c.Level(ctx)
	if err != nil || lvl != haproxy.LevelUser {
		t.Fatalf("read-only level %q, %v", lvl, err)
	}
	cmd, _ := command.SetState(be, sRO, command.StateMaint)
	if err := c.Exec(ctx, cmd); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Exec on read-only: %v", err)
	}
	// Even a raw write that bypassed Exec is refused by HAProxy itself.
	out, err := c.request(ctx, cmd.String())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != "Permission denied" {
		t.Errorf("raw write on a user session: %q", got)
	}
	if _, err := c.request(ctx, "operator"); err != nil {
		t.Fatal(err)
	}
	if lvl, _ := c.Level(ctx); lvl != haproxy.LevelUser {
		t.Errorf("session raised itself to %q", lvl)
	}
	// Reads still work, and the server was not touched.
	if s := row(t, c, sRO).Status(); s != "no check" {
		t.Errorf("read-only target status %q", s)
	}
}
