package demo

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// loadTarget is one frontend the load generator calls.
type loadTarget struct {
	URL   string
	Share int
}

// runLoad sends about rate requests a second, spread over targets by share,
// from a few workers; when they are all busy a tick is skipped, so the rate
// is bounded whatever the latencies. It returns when ctx ends.
func runLoad(ctx context.Context, targets []loadTarget, rate, workers int, seed int64) {
	if rate <= 0 || len(targets) == 0 {
		return
	}
	total := 0
	for _, t := range targets {
		total += max(t.Share, 1)
	}
	client := &http.Client{
		Timeout: 3 * time.Second,
		// A new connection per request, so HAProxy's session counters move too.
		Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
	}
	jobs := make(chan string, workers)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for url := range jobs {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				if err != nil {
					continue
				}
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
				resp.Body.Close()
			}
		}()
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x10ad))
	t := time.NewTicker(time.Second / time.Duration(rate))
	defer func() {
		t.Stop()
		close(jobs)
		wg.Wait()
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n := rng.IntN(total)
		url := targets[len(targets)-1].URL
		for _, tg := range targets {
			n -= max(tg.Share, 1)
			if n < 0 {
				url = tg.URL
				break
			}
		}
		select {
		case jobs <- url:
		default: // every worker busy: skip rather than queue up
		}
	}
}
