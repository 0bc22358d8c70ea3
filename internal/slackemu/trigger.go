package slackemu

import (
	"fmt"
	"time"
)

// TriggerTTL is how long a trigger_id can open a view after Slack sent it:
// Slack asks apps to call views.open "within 3 seconds" of receiving one.
const TriggerTTL = 3 * time.Second

// trigger is one trigger_id handed to the bot; guarded by Server.mu.
type trigger struct {
	user string
	// sent is when the payload carrying it was first sent, on the
	// emulator's clock; zero until then.
	sent time.Time
	used bool
}

// newTriggerLocked issues a trigger_id shaped like Slack's
// ("12345.98765.abcd2358fdea") for an interaction by user.
func (s *Server) newTriggerLocked(user string) string {
	s.envelopeSeq++
	id := fmt.Sprintf("%d.%d.%s", s.cfg.now().Unix(), s.envelopeSeq, randomHex(16))
	s.triggers[id] = &trigger{user: user}
	return id
}

// triggerSentLocked starts a trigger's TTL when its payload first goes out;
// a redelivery carries the same trigger_id and does not renew it.
func (s *Server) triggerSentLocked(id string) {
	if t, ok := s.triggers[id]; ok && t.sent.IsZero() {
		t.sent = s.cfg.now()
	}
}

// exchangeTriggerLocked checks a trigger_id for views.open the way Slack
// does and answers its error code, or "" and the trigger when it is usable.
// A usable trigger is not spent here: the caller spends it once the view
// is accepted.
func (s *Server) exchangeTriggerLocked(id string) (*trigger, string) {
	t, ok := s.triggers[id]
	switch {
	case !ok || t.sent.IsZero():
		return nil, "invalid_trigger_id"
	case t.used:
		return nil, "exchanged_trigger_id"
	case s.cfg.now().Sub(t.sent) > TriggerTTL:
		return nil, "expired_trigger_id"
	}
	return t, ""
}
