package demo

import (
	"errors"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
)

// zkWatch is the synapse loop's ZooKeeper watcher: a children watch on each
// service's registrations, re-armed after every change, with the decoded
// servers kept per service.
type zkWatch struct {
	conn   *zk.Conn
	prefix string
	logger *slog.Logger
	nudge  chan struct{}
	stopCh chan struct{}
	wg     sync.WaitGroup

	services int
	mu       sync.Mutex
	cur      map[string]regSet // by service
}

// startZKWatch opens the watcher's own session and starts one watch loop per
// service.
func startZKWatch(addr, prefix string, services []string, logger *slog.Logger) (*zkWatch, error) {
	conn, err := dialZK(addr, logger, 5*time.Second)
	if err != nil {
		return nil, err
	}
	w := &zkWatch{conn: conn, prefix: prefix, logger: logger, nudge: make(chan struct{}, 1),
		stopCh: make(chan struct{}), cur: map[string]regSet{}, services: len(services)}
	for _, s := range services {
		w.wg.Add(1)
		go w.watch(s)
	}
	return w, nil
}

// watch keeps one service's registrations current until stop.
func (w *zkWatch) watch(service string) {
	defer w.wg.Done()
	p := servicesPath(w.prefix, service)
	for {
		children, _, ch, err := w.conn.ChildrenW(p)
		if errors.Is(err, zk.ErrNoNode) {
			w.store(service, regSet{})
			_, _, ch, err = w.conn.ExistsW(p)
		} else if err == nil {
			set := regSet{}
			for _, c := range children {
				data, _, gerr := w.conn.Get(p + "/" + c)
				if gerr != nil {
					continue // gone between the listing and the read
				}
				rec, perr := parseNerve(data)
				if perr != nil {
					w.logger.Debug("skipping malformed registration", "znode", p+"/"+c, "err", perr)
					continue
				}
				s := serverFromNerve(service, rec)
				set[s.key()] = s
			}
			w.store(service, set)
		}
		if err != nil {
			select {
			case <-w.stopCh:
				return
			case <-time.After(500 * time.Millisecond):
				continue
			}
		}
		select {
		case <-w.stopCh:
			return
		case <-ch:
		}
	}
}

func (w *zkWatch) store(service string, set regSet) {
	w.mu.Lock()
	w.cur[service] = set
	w.mu.Unlock()
	select {
	case w.nudge <- struct{}{}:
	default:
	}
}

// registered is the union of every service's current servers, and whether
// every service has been read at least once.
func (w *zkWatch) registered() (regSet, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := regSet{}
	for _, s := range w.cur {
		maps.Copy(out, s)
	}
	return out, len(w.cur) == w.services
}

// stop ends the watch loops and the session.
func (w *zkWatch) stop() {
	if w == nil {
		return
	}
	close(w.stopCh)
	w.conn.Close() // wakes the loops blocked on a watch channel
	w.wg.Wait()
}
