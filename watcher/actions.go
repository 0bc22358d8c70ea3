package watcher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
)

// OwnsAction reports whether an action id belongs to an alert button.
func (w *Watcher) OwnsAction(actionID string) bool { return strings.HasPrefix(actionID, actionPrefix) }

// render renders an alert's top-level message as it should look now. The
// caller holds w.mu (for the snoozes).
func (w *Watcher) render(a state.Alert, now time.Time) (string, json.RawMessage) {
	switch {
	case a.Storm:
		return w.renderStorm(a, stormIncidents(a.Snapshot))
	case a.InstanceID == "":
		return renderOutage(a)
	}
	var sn *state.Snooze
	if s, ok := w.snoozes[a.InstanceID]; ok && s.Until.After(now) {
		sn = &s
	}
	return w.renderAlert(a, unsnapshot(a.Snapshot), sn)
}

// Action answers an alert button. The reply replaces the alert message
// through response_url at once; the same rendering is also queued as a
// chat.update so that an older queued update cannot overwrite it.
func (w *Watcher) Action(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) *slack.WebhookMessage {
	if a == nil {
		return nil
	}
	if err := w.load(ctx); err != nil {
		return ephemeral("The watcher cannot read its state right now; try again.")
	}
	user := cb.User.ID
	switch {
	case a.ActionID == actionAck:
		return w.ack(ctx, a.Value, user)
	case strings.HasPrefix(a.ActionID, actionSnooze):
		d, ok := snoozeChoice(strings.TrimPrefix(a.ActionID, actionSnooze))
		if !ok {
			return ephemeral(":grey_question: scnetbot offers no such snooze button (alerts offer " + snoozeOffer() + "). Use the buttons on the alert.")
		}
		al, refusal := w.buttonAlert(ctx, a.Value)
		if refusal != nil {
			return refusal
		}
		if _, err := w.Snooze(ctx, al.InstanceID, d, user); err != nil {
			if errors.Is(err, tracked.ErrUnknownInstance) {
				return ephemeral(":mag: The watcher no longer tracks this instance, so there is nothing to snooze.")
			}
			w.cfg.Logger.Error("snooze from alert", "alert", al.ID, "instance", al.InstanceID, "err", err)
			return ephemeral("Could not save the snooze; try again.")
		}
		return w.replace(ctx, al.ID)
	case a.ActionID == actionDetails:
		al, refusal := w.buttonAlert(ctx, a.Value)
		if refusal != nil {
			return refusal
		}
		return w.details(ctx, al.InstanceID)
	}
	return ephemeral("This button is no longer supported.")
}

// buttonAlert reads the alert an instance button belongs to, or the reply
// refusing the click. The value must name an alert the watcher keeps and
// that alert's own instance, so a forged click can neither snooze another
// instance nor send SCNet an id scnetbot did not write.
func (w *Watcher) buttonAlert(ctx context.Context, value string) (state.Alert, *slack.WebhookMessage) {
	forged := ephemeral(":grey_question: That button does not belong to a scnetbot alert. Use the buttons on the alert itself.")
	alertID, instanceID, ok := strings.Cut(value, "|")
	if !ok || !scnet.ValidInstanceID(instanceID) {
		return state.Alert{}, forged
	}
	var al state.Alert
	var found bool
	if err := w.st.View(ctx, func(tx state.Tx) error {
		var err error
		al, found, err = tx.Alert(alertID)
		return err
	}); err != nil {
		w.cfg.Logger.Error("read alert for a button", "alert", alertID, "err", err)
		return state.Alert{}, ephemeral("The watcher cannot read its state right now; try again.")
	}
	switch {
	case !found:
		return state.Alert{}, ephemeral("This alert is no longer known to the watcher.")
	case al.Storm || al.InstanceID != instanceID:
		return state.Alert{}, forged
	}
	return al, nil
}

// ack records who acknowledged an alert first; later clicks keep the first.
func (w *Watcher) ack(ctx context.Context, alertID, user string) *slack.WebhookMessage {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.cfg.Now()
	var msg *slack.WebhookMessage
	err := w.st.Update(ctx, func(tx state.Tx) error {
		a, ok, err := tx.Alert(alertID)
		if err != nil {
			return err
		}
		if !ok {
			msg = ephemeral("This alert is no longer known to the watcher.")
			return nil
		}
		if a.AckedBy == "" {
			a.AckedBy, a.AckedAt = user, now
			if err := tx.PutAlert(a); err != nil {
				return err
			}
		}
		text, blocks, err := w.queueUpdate(tx, a, now)
		msg = replaceWith(text, blocks)
		return err
	})
	if err != nil {
		w.cfg.Logger.Error("acknowledge alert", "alert", alertID, "err", err)
		return ephemeral("Could not save the acknowledgement; try again.")
	}
	w.cfg.Notify()
	return msg
}

// queueUpdate renders an alert as it should look now and queues that as a
// chat.update, which replaces any older queued rendering. The caller holds
// w.mu (for the snoozes).
func (w *Watcher) queueUpdate(tx state.Tx, a state.Alert, now time.Time) (string, json.RawMessage, error) {
	text, blocks := w.render(a, now)
	_, err := tx.Enqueue(state.Message{Kind: state.KindUpdate, ID: "u" + a.ID + "-" + now.Format("150405.000"),
		Channel: a.Channel, AlertID: a.ID, Text: text, Blocks: blocks, Created: now})
	return text, blocks, err
}

// replace re-renders an alert for response_url.
func (w *Watcher) replace(ctx context.Context, alertID string) *slack.WebhookMessage {
	w.mu.Lock()
	defer w.mu.Unlock()
	var msg *slack.WebhookMessage
	_ = w.st.View(ctx, func(tx state.Tx) error {
		a, ok, err := tx.Alert(alertID)
		if err != nil || !ok {
			return err
		}
		text, blocks := w.render(a, w.cfg.Now())
		msg = replaceWith(text, blocks)
		return nil
	})
	return msg
}

// details looks the instance up now and answers privately with the same
// details view as /instances <id>.
func (w *Watcher) details(ctx context.Context, id string) *slack.WebhookMessage {
	in, err := w.lister.Instance(ctx, id)
	if invalidParams(err) {
		in, err = w.confirmGone(ctx, id, w.trackedName(id), err)
	}
	switch {
	case errors.Is(err, scnet.ErrNotFound):
		return ephemeral(fmt.Sprintf("Instance `%s` no longer exists.", blockkit.EscapeTruncate(id, maxNameChars)))
	case errors.Is(err, errUnsettled):
		return ephemeral(fmt.Sprintf(":mag: SCNet refused instance `%s` as an invalid parameter and could not confirm whether it still exists: it may have been deleted. `/instances` lists the ones that exist.",
			blockkit.EscapeTruncate(id, maxNameChars)))
	case err != nil:
		w.cfg.Logger.Warn("details from alert", "instance", id, "err", err)
		return ephemeral(blockkit.ErrorText(err))
	}
	d := blockkit.Details{Instance: in, Now: w.cfg.Now(), Location: w.cfg.Location}
	msg := ephemeral(d.Fallback())
	msg.Blocks = &slack.Blocks{BlockSet: d.Blocks()}
	return msg
}

// trackedName is the name the watcher knows an instance by, "" if none.
func (w *Watcher) trackedName(id string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if t, ok := w.tracked[id]; ok {
		return t.Name
	}
	return w.snoozes[id].InstanceName
}

func ephemeral(text string) *slack.WebhookMessage {
	return &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: text}
}

func replaceWith(text string, blocks json.RawMessage) *slack.WebhookMessage {
	return &slack.WebhookMessage{ReplaceOriginal: true, Text: text, Blocks: blocksOf(blocks)}
}

func blocksOf(raw json.RawMessage) *slack.Blocks {
	var b slack.Blocks
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil
	}
	return &b
}
