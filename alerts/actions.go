package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
	"scnetbot/watcher"
)

// Buttons answers alert buttons. Build it with NewButtons.
type Buttons struct {
	ws  Watchers
	cfg Config
}

// Watchers is the watchers whose alerts the buttons answer: one
// *watcher.Watcher, or every region's in a *watcher.Group.
type Watchers interface {
	// Load reads the watchers' state (watcher.Watcher.Load).
	Load(ctx context.Context) error
	// Owner is the watcher that raised an alert; found is false for an
	// alert none of them keeps.
	Owner(ctx context.Context, alertID string) (w *watcher.Watcher, found bool, err error)
}

// NewButtons builds the handler of the alert buttons of ws's messages, as
// r renders them.
func NewButtons(ws Watchers, r *Renderer) *Buttons { return &Buttons{ws: ws, cfg: r.cfg} }

// OwnsAction reports whether an action id belongs to an alert button.
func (b *Buttons) OwnsAction(actionID string) bool { return strings.HasPrefix(actionID, actionPrefix) }

// Action answers an alert button. The reply replaces the alert message
// through response_url at once; the same rendering is also queued as a
// chat.update so that an older queued update cannot overwrite it.
func (b *Buttons) Action(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) *slack.WebhookMessage {
	if a == nil {
		return nil
	}
	if err := b.ws.Load(ctx); err != nil {
		return stateTrouble(err, "The watcher cannot read its state right now; try again.")
	}
	user := cb.User.ID
	switch {
	case a.ActionID == actionAck:
		return b.ack(ctx, a.Value, user)
	case strings.HasPrefix(a.ActionID, actionSnooze):
		d, ok := snoozeChoice(strings.TrimPrefix(a.ActionID, actionSnooze))
		if !ok {
			return ephemeral(":grey_question: scnetbot offers no such snooze button (alerts offer " + snoozeOffer() + "). Use the buttons on the alert.")
		}
		w, al, refusal := b.buttonAlert(ctx, a.Value)
		if refusal != nil {
			return refusal
		}
		if _, err := w.Snooze(ctx, al.InstanceID, d, user); err != nil {
			if errors.Is(err, tracked.ErrUnknownInstance) {
				return ephemeral(":mag: The watcher no longer tracks this instance, so there is nothing to snooze.")
			}
			b.cfg.Logger.Error("snooze from alert", "alert", al.ID, "instance", al.InstanceID, "err", err)
			return stateTrouble(err, "Could not save the snooze; try again.")
		}
		return b.replace(ctx, w, al.ID)
	case a.ActionID == actionResolve:
		w, al, refusal := b.buttonAlert(ctx, a.Value)
		if refusal != nil {
			return refusal
		}
		text, blocks, found, err := w.Resolve(ctx, al.ID, user)
		switch {
		case err != nil:
			b.cfg.Logger.Error("resolve alert", "alert", al.ID, "instance", al.InstanceID, "err", err)
			return stateTrouble(err, "Could not save the resolution; try again.")
		case !found:
			return ephemeral("This alert is no longer known to the watcher.")
		}
		return replaceWith(text, blocks)
	case a.ActionID == actionDetails:
		w, al, refusal := b.buttonAlert(ctx, a.Value)
		if refusal != nil {
			return refusal
		}
		return b.details(ctx, w, al)
	}
	return ephemeral("This button is no longer supported.")
}

// buttonAlert reads the alert an instance button belongs to, or the reply
// refusing the click. The value must name an alert the watcher keeps and
// that alert's own instance, so a forged click can neither snooze another
// instance nor send SCNet an id scnetbot did not write.
func (b *Buttons) buttonAlert(ctx context.Context, value string) (*watcher.Watcher, state.Alert, *slack.WebhookMessage) {
	forged := ephemeral(":grey_question: That button does not belong to a scnetbot alert. Use the buttons on the alert itself.")
	alertID, instanceID, ok := strings.Cut(value, "|")
	if !ok || !scnet.ValidInstanceID(instanceID) {
		return nil, state.Alert{}, forged
	}
	unreadable := func(err error) (*watcher.Watcher, state.Alert, *slack.WebhookMessage) {
		b.cfg.Logger.Error("read alert for a button", "alert", alertID, "err", err)
		return nil, state.Alert{}, stateTrouble(err, "The watcher cannot read its state right now; try again.")
	}
	w, found, err := b.ws.Owner(ctx, alertID)
	if errors.Is(err, watcher.ErrNoRegions) {
		return nil, state.Alert{}, starting()
	}
	if err != nil {
		return unreadable(err)
	}
	if !found {
		return nil, state.Alert{}, ephemeral("This alert is no longer known to the watcher.")
	}
	al, found, err := w.Alert(ctx, alertID)
	switch {
	case err != nil:
		return unreadable(err)
	case !found:
		return nil, state.Alert{}, ephemeral("This alert is no longer known to the watcher.")
	case al.Storm || al.InstanceID != instanceID:
		return nil, state.Alert{}, forged
	}
	return w, al, nil
}

// ack records who acknowledged an alert first; later clicks keep the first.
func (b *Buttons) ack(ctx context.Context, alertID, user string) *slack.WebhookMessage {
	w, found, err := b.ws.Owner(ctx, alertID)
	if errors.Is(err, watcher.ErrNoRegions) {
		return starting()
	}
	if err == nil && !found {
		return ephemeral("This alert is no longer known to the watcher.")
	}
	var text string
	var blocks json.RawMessage
	if err == nil {
		text, blocks, found, err = w.Ack(ctx, alertID, user)
	}
	switch {
	case err != nil:
		b.cfg.Logger.Error("acknowledge alert", "alert", alertID, "err", err)
		return stateTrouble(err, "Could not save the acknowledgement; try again.")
	case !found:
		return ephemeral("This alert is no longer known to the watcher.")
	}
	return replaceWith(text, blocks)
}

// replace re-renders an alert for response_url.
func (b *Buttons) replace(ctx context.Context, w *watcher.Watcher, alertID string) *slack.WebhookMessage {
	text, blocks, ok := w.Current(ctx, alertID)
	if !ok {
		return nil
	}
	return replaceWith(text, blocks)
}

// details looks the instance up now and answers privately with the same
// details view as /instances <id>.
func (b *Buttons) details(ctx context.Context, w *watcher.Watcher, al state.Alert) *slack.WebhookMessage {
	id := al.InstanceID
	in, err := w.Lookup(ctx, id)
	switch {
	case errors.Is(err, scnet.ErrNotFound):
		return ephemeral(fmt.Sprintf("Instance `%s` no longer exists.", blockkit.EscapeTruncate(id, maxNameChars)))
	case errors.Is(err, watcher.ErrUnsettled):
		return ephemeral(fmt.Sprintf(":mag: SCNet refused instance `%s` as an invalid parameter and could not confirm whether it still exists: it may have been deleted. `/instances` lists the ones that exist.",
			blockkit.EscapeTruncate(id, maxNameChars)))
	case err != nil:
		b.cfg.Logger.Warn("details from alert", "instance", id, "err", err)
		return ephemeral(blockkit.ErrorText(english(), err))
	}
	// Named as the alert itself names it, so an alert of one region does
	// not look like another's.
	d := blockkit.Details{Printer: english(), Instance: in, Now: b.cfg.Now(), Location: b.cfg.Location, Region: w.RegionName()}
	if b.cfg.ActionButtons != nil {
		// The instance as it is now, whatever became of the incident:
		// what can be done to it follows its current status.
		d.Actions = b.cfg.ActionButtons(state.Alert{ID: al.ID, Region: al.Region, To: al.To}, *in)
	}
	msg := ephemeral(d.Fallback())
	msg.Blocks = &slack.Blocks{BlockSet: d.Blocks()}
	return msg
}

// starting answers a click that comes before any region's watcher
// exists: the alert is not lost, only not reachable yet.
func starting() *slack.WebhookMessage {
	return ephemeral(":hourglass_flowing_sand: The watcher is still starting (SCNet's regions are not known yet); try again in a minute.")
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

// stateTrouble is the reply to a button whose state could not be read or
// written: that the database cannot be reached when it is an outage of
// STATE_URL's database (the click may work in a minute), else otherwise.
func stateTrouble(err error, otherwise string) *slack.WebhookMessage {
	if errors.Is(err, state.ErrUnavailable) {
		return ephemeral(blockkit.StateUnavailableText(english()))
	}
	return ephemeral(otherwise)
}
