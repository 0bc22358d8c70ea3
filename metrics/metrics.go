// Package metrics defines scnetbot's Prometheus metrics in one registry, so
// every component records into the same names and /metrics serves them all.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds every metric scnetbot exports. Build it with New; the zero
// value is not usable.
type Metrics struct {
	// Registry is what /metrics serves. It is private to this process so tests
	// can build as many as they like.
	Registry *prometheus.Registry

	// Commands counts slash commands, button clicks and Home tab opens by
	// kind (command, action, alert_action, triage_action, view_submission,
	// home) and result (ok,
	// denied, bad_input, not_found, scnet_error; busy and panic when the
	// bot could not run it).
	Commands *prometheus.CounterVec
	// Replies counts response_url posts by result (sent, failed).
	Replies *prometheus.CounterVec
	// AckLatency is the time from reading an envelope to writing its ack.
	AckLatency prometheus.Histogram
	// SCNetRequests counts requests to SCNet by endpoint and outcome: a
	// documented SCNet code ("0" for success), "other" for any undocumented
	// code, "http_<status>", "network", "decode" or "canceled" (the caller
	// gave up first). The scnet client keeps outcomes to this fixed set.
	SCNetRequests *prometheus.CounterVec
	// SCNetLatency is the time each SCNet request took, by endpoint.
	SCNetLatency *prometheus.HistogramVec
	// CacheLookups counts query-cache lookups by result (hit, miss, shared).
	CacheLookups *prometheus.CounterVec
	// Polls counts watcher polls by result (ok, error).
	Polls *prometheus.CounterVec
	// SkippedRecords counts listing records the watcher skipped because
	// their id cannot be an instance id (null, empty, too long).
	SkippedRecords prometheus.Counter
	// Alerts counts alert deliveries by outcome (sent, retried, deduplicated,
	// failed).
	Alerts *prometheus.CounterVec
	// SlackRetries counts Web API retries by method and reason (rate_limited,
	// server_error, network, unknown_outcome).
	SlackRetries *prometheus.CounterVec
	// Reconnects counts Socket Mode reconnects by reason.
	Reconnects *prometheus.CounterVec
	// Actions counts restart, stop and delete attempts by action and
	// outcome: done, failed, unknown (SCNet did not answer), refused (not
	// allowed, not confirmed, or the status rule) and cancelled.
	Actions *prometheus.CounterVec
	// Leader is 1 while this replica holds the lease (the one replica that
	// polls SCNet and delivers alerts) and 0 otherwise. Every replica serves
	// Slack, so this says nothing about readiness.
	Leader prometheus.Gauge
	// LeaderEpoch is the fencing epoch of the lease this replica holds, or
	// last held: it grows by one on every takeover by any replica.
	LeaderEpoch prometheus.Gauge
	// LeaderTakeovers counts the times this replica took the lease.
	LeaderTakeovers prometheus.Counter
	// LocaleLookups counts the bot's lookups of a user's language by
	// result: hit (cached), ok (users.info gave a locale scnetbot speaks),
	// unsupported (one it does not speak), missing_scope (no users:read),
	// not_found, error (timeouts, rate limits, Slack down). All but hit and
	// ok fall back to BOT_LANGUAGE.
	LocaleLookups *prometheus.CounterVec
}

// New builds the metrics and registers them, with Go runtime and process
// collectors, in a fresh registry.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scnetbot_commands_total",
			Help: "Slash commands and interactions handled, by kind and result.",
		}, []string{"kind", "result"}),
		Replies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scnetbot_replies_total",
			Help: "Replies posted through response_url, by result (sent, failed after retries).",
		}, []string{"result"}),
		AckLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "scnetbot_ack_latency_seconds",
			Help:    "Time from reading a Socket Mode envelope to acking it.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 3},
		}),
		SCNetRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scnetbot_scnet_requests_total",
			Help: "Requests to SCNet, by endpoint and outcome (documented SCNet code, other, http_<status>, network, decode, canceled).",
		}, []string{"endpoint", "outcome"}),
		SCNetLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "scnetbot_scnet_request_seconds",
			Help:    "Time SCNet requests took, by endpoint.",
			Buckets: prometheus.DefBuckets,
		}, []string{"endpoint"}),
		CacheLookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scnetbot_cache_lookups_total",
			Help: "Query cache lookups, by result (hit, miss, shared).",
		}, []string{"result"}),
		Polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scnetbot_watch_polls_total",
			Help: "Watcher polls of SCNet, by result.",
		}, []string{"result"}),
		SkippedRecords: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "scnetbot_watch_skipped_records_total",
			Help: "SCNet listing records the watcher skipped because their id cannot be an instance id.",
		}),
		Alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scnetbot_alerts_total",
			Help: "Alert deliveries to Slack, by outcome.",
		}, []string{"outcome"}),
		SlackRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scnetbot_slack_retries_total",
			Help: "Slack Web API retries, by method and reason.",
		}, []string{"method", "reason"}),
		Reconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scnetbot_socket_reconnects_total",
			Help: "Socket Mode reconnects, by reason.",
		}, []string{"reason"}),
		Actions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scnetbot_actions_total",
			Help: "Restart, stop and delete attempts from Slack, by action and outcome (done, failed, unknown, refused, cancelled).",
		}, []string{"action", "outcome"}),
		Leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "scnetbot_leader",
			Help: "1 while this replica holds the lease and polls and delivers, 0 otherwise.",
		}),
		LeaderEpoch: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "scnetbot_leader_epoch",
			Help: "Fencing epoch of the lease this replica holds or last held; it grows by one on every takeover.",
		}),
		LeaderTakeovers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "scnetbot_leader_takeovers_total",
			Help: "Times this replica took the lease.",
		}),
		LocaleLookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scnetbot_locale_lookups_total",
			Help: "Lookups of a Slack user's language, by result (hit, ok, unsupported, missing_scope, not_found, error).",
		}, []string{"result"}),
	}
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.Commands, m.Replies, m.AckLatency, m.SCNetRequests, m.SCNetLatency, m.CacheLookups,
		m.Polls, m.SkippedRecords, m.Alerts, m.SlackRetries, m.Reconnects, m.Actions,
		m.Leader, m.LeaderEpoch, m.LeaderTakeovers,
		m.LocaleLookups,
	)
	return m
}
