package actions

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"
)

// ErrReadOnly is returned (in Result.Err) for every action given to a
// read-only Executor. Nothing was touched.
var ErrReadOnly = errors.New("read-only mode: stacktui was started with --read-only, so it changes nothing")

// ErrAudit wraps an audit-log failure that made Run refuse an action: no
// change is made that is not audited first.
var ErrAudit = errors.New("audit log not writable, action refused (no unaudited change)")

// ErrAlreadyRun is returned when an Action is given to Run a second time:
// a confirmed plan is executed once; build a new one to repeat it.
var ErrAlreadyRun = errors.New("this action was already executed; plan it again to repeat it")

// Executor applies Actions. Run is the only way to apply one.
type Executor struct {
	mu    sync.Mutex // one action at a time: plans are confirmed and applied in order
	w     *Writers   // nil in read-only mode
	audit *AuditLog
	now   func() time.Time
}

// NewExecutor returns a read-write Executor that applies actions with w and
// records every one in audit. A nil audit makes Run refuse every action.
func NewExecutor(w Writers, audit *AuditLog) *Executor {
	w.HAProxy = maps.Clone(w.HAProxy)
	w.SerfMembers = maps.Clone(w.SerfMembers)
	return &Executor{w: &w, audit: audit, now: time.Now}
}

// NewReadOnlyExecutor returns an Executor that holds no writer at all; its
// Run refuses every action with ErrReadOnly before touching anything.
func NewReadOnlyExecutor() *Executor {
	return &Executor{now: time.Now}
}

// ReadOnly reports whether the Executor refuses every action.
func (e *Executor) ReadOnly() bool { return e == nil || e.w == nil }

// Run applies a, once, and returns what happened. It refuses (Result.Err set,
// no Steps, nothing touched) in read-only mode, when the writer the action
// needs is missing, when the action already ran, or when the audit log cannot
// be written. The audit "result" line is written before Run returns.
func (e *Executor) Run(ctx context.Context, a Action) Result {
	if a == nil {
		return Result{Err: errors.New("no action given")}
	}
	now := time.Now
	if e != nil && e.now != nil {
		now = e.now
	}
	res := Result{Plan: a.Plan(), Started: now()}
	refuse := func(err error) Result {
		res.Err = err
		res.Finished = now()
		return res
	}
	if e.ReadOnly() {
		return refuse(ErrReadOnly)
	}
	if e.audit == nil {
		return refuse(fmt.Errorf("%w: no audit log is open", ErrAudit))
	}
	if err := a.check(e.w); err != nil {
		return refuse(err)
	}
	if err := ctx.Err(); err != nil {
		return refuse(fmt.Errorf("not executed: %w", err))
	}
	if !a.claim() {
		return refuse(ErrAlreadyRun)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	id, err := e.audit.intent(res.Plan, e.w.Where, res.Started)
	if err != nil {
		a.release() // nothing changed: the user may try again once the log is fixed
		return refuse(fmt.Errorf("%w: %v", ErrAudit, err))
	}
	res.Steps, res.Err = a.apply(ctx, e.w)
	res.Finished = now()
	if aerr := e.audit.result(id, e.w.Where, res); aerr != nil {
		res.Err = errors.Join(res.Err, fmt.Errorf("the action was applied but its result could not be written to the audit log %s: %w", e.audit.Path(), aerr))
	}
	return res
}
