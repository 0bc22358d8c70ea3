// Package health serves scnetbot's operational endpoints: /healthz (the
// process is up), /readyz (Slack connected and, when watching, SCNet polled
// recently) and /metrics (Prometheus).
package health

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Checks are the facts readiness is judged on. They are plain functions,
// so this package knows nothing of the parts it judges.
type Checks struct {
	// Connected reports whether the Socket Mode connection is up.
	Connected func() bool
	// Watch reports the watcher's last successful poll (zero before the
	// first) and its poll interval, and an error saying why it cannot
	// watch at all (its store is unusable, or it did not answer within
	// ctx). Nil when the watcher is off.
	Watch func(ctx context.Context) (lastSuccess time.Time, interval time.Duration, err error)
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Report is the JSON body of /readyz.
type Report struct {
	Ready    bool     `json:"ready"`
	Problems []string `json:"problems,omitempty"`
	// LastPoll is the watcher's last successful poll, when watching.
	LastPoll *time.Time `json:"last_successful_poll,omitempty"`
}

// readyTimeout bounds how long /readyz waits for the watcher: a probe that
// hangs is worse than one that says "not ready" and why.
const readyTimeout = time.Second

// Ready judges readiness: the socket must be connected, and a watcher must
// be able to watch and have polled SCNet successfully within three
// intervals. A watcher that has not polled yet is not ready: an alerting
// bot that cannot see SCNet must not claim otherwise.
func (c Checks) Ready(ctx context.Context) Report {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	var r Report
	if c.Connected == nil || !c.Connected() {
		r.Problems = append(r.Problems, "not connected to Slack (Socket Mode)")
	}
	if c.Watch != nil {
		last, interval, err := c.Watch(ctx)
		switch {
		case err != nil:
			r.Problems = append(r.Problems, err.Error())
		case last.IsZero():
			r.Problems = append(r.Problems, "watcher has not polled SCNet successfully yet")
		case now().Sub(last) > 3*interval:
			r.Problems = append(r.Problems, "watcher's last successful SCNet poll is older than 3 intervals")
		}
		if !last.IsZero() {
			r.LastPoll = &last
		}
	}
	r.Ready = len(r.Problems) == 0
	return r
}

// Handler serves /healthz, /readyz and /metrics.
func Handler(reg *prometheus.Registry, c Checks) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		rep := c.Ready(ctx)
		w.Header().Set("Content-Type", "application/json")
		if !rep.Ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(rep)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return mux
}

// Server returns an http.Server with explicit timeouts, so a slow client
// cannot hold the health port.
func Server(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
}
