package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/i18n"
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
// chat.update so that an older queued update cannot overwrite it. The
// alert message stays in BOT_LANGUAGE, since the whole channel reads it;
// an answer only the clicker sees is in the clicker's language, the
// printer in ctx (i18n.NewContext).
func (b *Buttons) Action(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) *slack.WebhookMessage {
	if a == nil {
		return nil
	}
	p := i18n.FromContext(ctx, b.cfg.Printer)
	if err := b.ws.Load(ctx); err != nil {
		return stateTrouble(p, err, p.T("AlertButtonNoState"))
	}
	user := cb.User.ID
	switch {
	case a.ActionID == actionAck:
		return b.ack(ctx, p, a.Value, user)
	case strings.HasPrefix(a.ActionID, actionSnooze):
		d, ok := snoozeChoice(strings.TrimPrefix(a.ActionID, actionSnooze))
		if !ok {
			return ephemeral(p.T("AlertButtonNoSuchSnooze", "Offer", snoozeOffer(p)))
		}
		w, al, refusal := b.buttonAlert(ctx, p, a.Value)
		if refusal != nil {
			return refusal
		}
		if _, err := w.Snooze(ctx, al.InstanceID, d, user); err != nil {
			if errors.Is(err, tracked.ErrUnknownInstance) {
				return ephemeral(p.T("AlertButtonNotTracked"))
			}
			b.cfg.Logger.Error("snooze from alert", "alert", al.ID, "instance", al.InstanceID, "err", err)
			return stateTrouble(p, err, p.T("AlertButtonSnoozeFailed"))
		}
		return b.replace(ctx, w, al.ID)
	case a.ActionID == actionResolve:
		w, al, refusal := b.buttonAlert(ctx, p, a.Value)
		if refusal != nil {
			return refusal
		}
		text, blocks, found, err := w.Resolve(ctx, al.ID, user)
		switch {
		case err != nil:
			b.cfg.Logger.Error("resolve alert", "alert", al.ID, "instance", al.InstanceID, "err", err)
			return stateTrouble(p, err, p.T("AlertButtonResolveFailed"))
		case !found:
			return ephemeral(p.T("AlertButtonUnknown"))
		}
		return replaceWith(text, blocks)
	case a.ActionID == actionDetails:
		w, al, refusal := b.buttonAlert(ctx, p, a.Value)
		if refusal != nil {
			return refusal
		}
		return b.details(ctx, p, w, al)
	}
	return ephemeral(p.T("AlertButtonUnsupported"))
}

// buttonAlert reads the alert an instance button belongs to, or the reply
// refusing the click. The value must name an alert the watcher keeps and
// that alert's own instance, so a forged click can neither snooze another
// instance nor send SCNet an id scnetbot did not write.
func (b *Buttons) buttonAlert(ctx context.Context, p *i18n.Printer, value string) (*watcher.Watcher, state.Alert, *slack.WebhookMessage) {
	forged := ephemeral(p.T("AlertButtonForged"))
	alertID, instanceID, ok := strings.Cut(value, "|")
	if !ok || !scnet.ValidInstanceID(instanceID) {
		return nil, state.Alert{}, forged
	}
	unreadable := func(err error) (*watcher.Watcher, state.Alert, *slack.WebhookMessage) {
		b.cfg.Logger.Error("read alert for a button", "alert", alertID, "err", err)
		return nil, state.Alert{}, stateTrouble(p, err, p.T("AlertButtonNoState"))
	}
	w, found, err := b.ws.Owner(ctx, alertID)
	if errors.Is(err, watcher.ErrNoRegions) {
		return nil, state.Alert{}, starting(p)
	}
	if err != nil {
		return unreadable(err)
	}
	if !found {
		return nil, state.Alert{}, ephemeral(p.T("AlertButtonUnknown"))
	}
	al, found, err := w.Alert(ctx, alertID)
	switch {
	case err != nil:
		return unreadable(err)
	case !found:
		return nil, state.Alert{}, ephemeral(p.T("AlertButtonUnknown"))
	case al.Storm || al.InstanceID != instanceID:
		return nil, state.Alert{}, forged
	}
	return w, al, nil
}

// ack records who acknowledged an alert first; later clicks keep the first.
func (b *Buttons) ack(ctx context.Context, p *i18n.Printer, alertID, user string) *slack.WebhookMessage {
	w, found, err := b.ws.Owner(ctx, alertID)
	if errors.Is(err, watcher.ErrNoRegions) {
		return starting(p)
	}
	if err == nil && !found {
		return ephemeral(p.T("AlertButtonUnknown"))
	}
	var text string
	var blocks json.RawMessage
	if err == nil {
		text, blocks, found, err = w.Ack(ctx, alertID, user)
	}
	switch {
	case err != nil:
		b.cfg.Logger.Error("acknowledge alert", "alert", alertID, "err", err)
		return stateTrouble(p, err, p.T("AlertButtonAckFailed"))
	case !found:
		return ephemeral(p.T("AlertButtonUnknown"))
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
// details view as /instances <id>, in the clicker's language p.
func (b *Buttons) details(ctx context.Context, p *i18n.Printer, w *watcher.Watcher, al state.Alert) *slack.WebhookMessage {
	id := al.InstanceID
	in, err := w.Lookup(ctx, id)
	switch {
	case errors.Is(err, scnet.ErrNotFound):
		return ephemeral(p.T("AlertButtonGone", "ID", blockkit.EscapeTruncate(id, maxNameChars)))
	case errors.Is(err, watcher.ErrUnsettled):
		return ephemeral(p.T("AlertButtonUnsettled", "ID", blockkit.EscapeTruncate(id, maxNameChars)))
	case err != nil:
		b.cfg.Logger.Warn("details from alert", "instance", id, "err", err)
		return ephemeral(blockkit.ErrorText(p, err))
	}
	// Named as the alert itself names it, so an alert of one region does
	// not look like another's.
	d := blockkit.Details{Printer: p, Instance: in, Now: b.cfg.Now(), Location: b.cfg.Location, Region: w.RegionName()}
	// The instance as it is now, whatever became of the incident: what
	// can be done to it follows its current status.
	target := state.Alert{ID: al.ID, Region: al.Region, To: al.To}
	switch {
	case b.cfg.DetailsButtons != nil:
		d.Actions = b.cfg.DetailsButtons(p, target, *in)
	case b.cfg.ActionButtons != nil:
		d.Actions = b.cfg.ActionButtons(target, *in)
	}
	msg := ephemeral(d.Fallback())
	msg.Blocks = &slack.Blocks{BlockSet: d.Blocks()}
	return msg
}

// starting answers a click that comes before any region's watcher
// exists: the alert is not lost, only not reachable yet.
func starting(p *i18n.Printer) *slack.WebhookMessage {
	return ephemeral(p.T("AlertButtonStarting"))
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
func stateTrouble(p *i18n.Printer, err error, otherwise string) *slack.WebhookMessage {
	if errors.Is(err, state.ErrUnavailable) {
		return ephemeral(blockkit.StateUnavailableText(p))
	}
	return ephemeral(otherwise)
}
