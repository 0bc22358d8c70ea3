package metrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// Every component gets its own registry, so two bots (or two tests) in one
// process must not collide.
func TestNewTwice(t *testing.T) {
	a, b := New(), New()
	a.Commands.WithLabelValues("command", "ok").Inc()
	if got := testutil.ToFloat64(b.Commands.WithLabelValues("command", "ok")); got != 0 {
		t.Errorf("registries share state: %v", got)
	}
}

func TestEveryMetricIsServed(t *testing.T) {
	m := New()
	m.Commands.WithLabelValues("command", "ok").Inc()
	m.Replies.WithLabelValues("sent").Inc()
	m.AckLatency.Observe(0.001)
	m.SCNetRequests.WithLabelValues("list", "0").Inc()
	m.SCNetLatency.WithLabelValues("list").Observe(0.1)
	m.CacheLookups.WithLabelValues("hit").Inc()
	m.Polls.WithLabelValues("ok").Inc()
	m.SkippedRecords.Inc()
	m.Alerts.WithLabelValues("sent").Inc()
	m.SlackRetries.WithLabelValues("chat.postMessage", "rate_limited").Inc()
	m.Reconnects.WithLabelValues("reconnect").Inc()
	m.Actions.WithLabelValues("restart", "done").Inc()
	m.LeaderTakeovers.Inc()
	m.LocaleLookups.WithLabelValues("hit").Inc()
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	for _, want := range []string{
		"scnetbot_commands_total", "scnetbot_replies_total", "scnetbot_ack_latency_seconds", "scnetbot_scnet_requests_total",
		"scnetbot_scnet_request_seconds", "scnetbot_cache_lookups_total", "scnetbot_watch_polls_total",
		"scnetbot_watch_skipped_records_total",
		"scnetbot_alerts_total", "scnetbot_slack_retries_total", "scnetbot_socket_reconnects_total", "scnetbot_actions_total",
		"scnetbot_leader", "scnetbot_leader_epoch", "scnetbot_leader_takeovers_total",
		"scnetbot_locale_lookups_total",
		"go_goroutines",
	} {
		if !names[want] {
			t.Errorf("%s is not served", want)
		}
	}
	for n := range names {
		if !strings.HasPrefix(n, "scnetbot_") && !strings.HasPrefix(n, "go_") && !strings.HasPrefix(n, "process_") {
			t.Errorf("unexpected metric %s", n)
		}
	}
}
