package actions

import (
	"context"
	"log/slog"

	"scnetbot/state"
	"scnetbot/tracked"
)

// Outcomes as the metric and the log name them; a bounded set.
const (
	outcomeRefused   = "refused"
	outcomeCancelled = "cancelled"
)

// event is who tried what on which instance, for the audit line.
type event struct {
	kind                         tracked.ActionKind
	user, instance, name, region string
}

func eventOf(a state.Action) event {
	return event{kind: tracked.ActionKind(a.Kind), user: a.User, instance: a.InstanceID, name: a.InstanceName, region: a.Region}
}

// by is e as attempted by another user.
func (e event) by(user string) event { e.user = user; return e }

// audit writes one attempt's outcome in the log and the metric. outcome is
// done, failed, unknown, refused or cancelled.
func (s *Service) audit(e event, outcome, detail string) {
	kind := string(e.kind)
	switch e.kind {
	case tracked.ActionRestart, tracked.ActionStop, tracked.ActionDelete:
	default:
		kind = "unknown"
	}
	level := slog.LevelInfo
	if outcome != string(tracked.ActionDone) && outcome != outcomeCancelled {
		level = slog.LevelWarn
	}
	s.log.Log(context.Background(), level, "instance action",
		"user", e.user, "action", kind, "instance", e.instance, "instance_name", e.name,
		"region", e.region, "outcome", outcome, "detail", detail)
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.Actions.WithLabelValues(kind, outcome).Inc()
	}
}
