package zookeeper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stacktui/stacktui/sources"
)

// healthTimeout bounds each four-letter word when ctx has no deadline.
const healthTimeout = 3 * time.Second

// WhitelistHint is what to change when a server refuses four-letter words.
const WhitelistHint = "add 4lw.commands.whitelist=ruok,srvr,mntr (or *) to zoo.cfg and restart the server"

// Health asks one server ruok, srvr and mntr, each over its own plain TCP
// connection (four-letter words close the connection after answering).
func Health(ctx context.Context, server string) sources.ServerHealth {
	return HealthVia(ctx, server, nil)
}

// HealthVia is Health with the connections opened by dial (nil: directly),
// for a ZooKeeper reached through SSH.
func HealthVia(ctx context.Context, server string, dial func(context.Context, string, string) (net.Conn, error)) sources.ServerHealth {
	h := sources.ServerHealth{Address: server, At: time.Now()}
	var errs []string
	var refused []string

	ruok, err := fourLetter(ctx, dial, server, "ruok")
	switch {
	case err != nil:
		h.Err = fmt.Sprintf("cannot reach ZooKeeper at %s: %v; is it running and is the address right?", server, err)
		return h
	case notWhitelisted(ruok):
		refused = append(refused, "ruok")
	case strings.TrimSpace(ruok) == "imok":
		h.OK = true
	default:
		errs = append(errs, fmt.Sprintf("ruok answered %q instead of imok", clipText(ruok)))
	}

	if srvr, err := fourLetter(ctx, dial, server, "srvr"); err != nil {
		errs = append(errs, "srvr: "+err.Error())
	} else if notWhitelisted(srvr) {
		refused = append(refused, "srvr")
	} else if why := notServing(srvr); why != "" {
		errs = append(errs, why)
	} else {
		parseSrvr(srvr, &h)
	}

	if mntr, err := fourLetter(ctx, dial, server, "mntr"); err != nil {
		errs = append(errs, "mntr: "+err.Error())
	} else if notWhitelisted(mntr) {
		refused = append(refused, "mntr")
	} else if why := notServing(mntr); why != "" {
		if len(errs) == 0 {
			errs = append(errs, why)
		}
	} else {
		parseMntr(mntr, &h)
	}

	if len(refused) > 0 {
		errs = append([]string{fmt.Sprintf("ZooKeeper at %s does not allow the four-letter word(s) %s: %s",
			server, strings.Join(refused, ", "), WhitelistHint)}, errs...)
	}
	h.Err = strings.Join(errs, "; ")
	return h
}

// HealthAll asks every server in parallel; results keep the input order.
func HealthAll(ctx context.Context, servers []string) []sources.ServerHealth {
	return HealthAllVia(ctx, servers, nil)
}

// HealthAllVia is HealthAll with the connections opened by dial (nil: directly).
func HealthAllVia(ctx context.Context, servers []string, dial func(context.Context, string, string) (net.Conn, error)) []sources.ServerHealth {
	out := make([]sources.ServerHealth, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Go(func() { out[i] = HealthVia(ctx, s, dial) })
	}
	wg.Wait()
	return out
}

// fourLetter sends cmd and reads the whole answer.
func fourLetter(ctx context.Context, dial func(context.Context, string, string) (net.Conn, error), server, cmd string) (string, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, healthTimeout)
		defer cancel()
	}
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	c, err := dial(ctx, "tcp", server)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	if _, err := io.WriteString(c, cmd); err != nil {
		return "", err
	}
	b, err := io.ReadAll(io.LimitReader(c, 1<<20))
	if err != nil && len(b) == 0 && !errors.Is(err, io.EOF) {
		return "", err
	}
	return string(b), nil
}

// notWhitelisted recognises ZooKeeper 3.5+'s refusal:
// "<cmd> is not executed because it is not in the whitelist."
func notWhitelisted(reply string) bool {
	return strings.Contains(reply, "is not executed because it is not in the whitelist")
}

// notServing recognises a server outside a quorum.
func notServing(reply string) string {
	if strings.Contains(reply, "not currently serving requests") {
		return "server is not currently serving requests (no quorum?)"
	}
	return ""
}

// parseSrvr reads srvr's "Key: value" lines.
func parseSrvr(text string, h *sources.ServerHealth) {
	for line := range strings.Lines(text) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Zookeeper version":
			ver, _, _ := strings.Cut(v, ",")
			h.Version = ver
		case "Latency min/avg/max":
			parts := strings.Split(v, "/")
			if len(parts) == 3 {
				h.LatencyMin = atof(parts[0])
				h.LatencyAvg = atof(parts[1])
				h.LatencyMax = atof(parts[2])
			}
		case "Connections":
			h.Connections = atoi(v)
		case "Outstanding":
			h.Outstanding = atoi(v)
		case "Mode":
			h.Mode = v
		case "Node count":
			h.Znodes = atoi(v)
		}
	}
}

// parseMntr reads mntr's "key<TAB>value" lines into Raw and the typed fields.
func parseMntr(text string, h *sources.ServerHealth) {
	if h.Raw == nil {
		h.Raw = map[string]string{}
	}
	for line := range strings.Lines(text) {
		k, v, ok := strings.Cut(strings.TrimRight(line, "\r\n"), "\t")
		if !ok || !strings.HasPrefix(k, "zk_") {
			continue
		}
		v = strings.TrimSpace(v)
		h.Raw[k] = v
		switch k {
		case "zk_version":
			ver, _, _ := strings.Cut(v, ",")
			h.Version = ver
		case "zk_server_state":
			h.Mode = v
		case "zk_avg_latency":
			h.LatencyAvg = atof(v)
		case "zk_min_latency":
			h.LatencyMin = atof(v)
		case "zk_max_latency":
			h.LatencyMax = atof(v)
		case "zk_outstanding_requests":
			h.Outstanding = atoi(v)
		case "zk_znode_count":
			h.Znodes = atoi(v)
		case "zk_watch_count":
			h.Watches = atoi(v)
		case "zk_num_alive_connections":
			h.Connections = atoi(v)
		case "zk_ephemerals_count":
			h.EphemeralsCount = atoi(v)
		}
	}
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n
}

func atof(s string) float64 {
	f, _ := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f
}

func clipText(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
