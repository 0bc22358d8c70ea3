package actions

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/i18n"
	"scnetbot/regions"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
)

// buttons are the first-click buttons for an instance in st.
func (s *Service) buttons(p *i18n.Printer, t Target, st scnet.Status) []slack.BlockElement {
	if !s.Enabled() || !scnet.ValidInstanceID(t.InstanceID) ||
		t.Region != "" && !regions.ValidID(t.Region) ||
		t.AlertID != "" && (len(t.AlertID) > maxAlertID || !validAlertID(t.AlertID)) {
		return nil
	}
	v := targetValue{R: t.Region, I: t.InstanceID, A: t.AlertID}
	var out []slack.BlockElement
	if allowedIn(tracked.ActionRestart, st) {
		out = append(out, button(actionRestart, v.encode(), verb(p, tracked.ActionRestart)))
	}
	if allowedIn(tracked.ActionStop, st) {
		out = append(out, button(actionStop, v.encode(), verb(p, tracked.ActionStop)))
	}
	if utf8.ValidString(t.Name) && utf8.RuneCountInString(t.Name) <= maxValueName {
		v.N = t.Name
	}
	return append(out, button(actionDelete, v.encode(), verb(p, tracked.ActionDelete)))
}

// action routes a click.
func (s *Service) action(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) *slack.WebhookMessage {
	user, p := cb.User.ID, s.printer(ctx)
	if a.ActionID == actionStatus {
		// Reading is as open as /instances <id>.
		return s.status(ctx, a.Value)
	}
	if !s.Enabled() {
		return ephemeral(offText(p))
	}
	if k, ok := kindOf(a.ActionID); ok {
		t, err := decodeTarget(a.Value)
		if err != nil {
			s.audit(event{kind: k, user: user}, outcomeRefused, "forged button value")
			return ephemeral(forgedText(p))
		}
		if k == tracked.ActionDelete {
			return s.openDelete(ctx, t, user, cb.Channel.ID, cb.ResponseURL, cb.TriggerID)
		}
		return s.first(ctx, k, t, user, cb.Channel.ID, cb.ResponseURL)
	}
	switch a.ActionID {
	case actionConfirm:
		return s.confirm(ctx, user, a.Value)
	case actionCancel:
		return s.cancel(ctx, user, a.Value)
	}
	return ephemeral(p.T("ActUnsupported"))
}

// first answers the first click on Restart or Stop: permission, the
// instance as SCNet shows it now, the status rule, then the prompt.
func (s *Service) first(ctx context.Context, k tracked.ActionKind, t Target, user, channel, responseURL string) *slack.WebhookMessage {
	p := s.printer(ctx)
	ev := event{kind: k, user: user, instance: t.InstanceID, region: t.Region}
	if ok, why := s.access.allowed(ctx, p, user); !ok {
		s.audit(ev, outcomeRefused, "not allowed")
		return ephemeral(why)
	}
	r, msg := s.region(ctx, t.Region, true)
	if msg != nil {
		s.audit(ev, outcomeRefused, "region")
		return msg
	}
	in, err := s.lookup(ctx, r, t.InstanceID)
	if err != nil {
		s.audit(ev, outcomeRefused, "lookup: "+blockkit.ErrorSummary(s.en, err))
		return ephemeral(lookupFailed(p, t.InstanceID, r.Name, err))
	}
	return s.ask(ctx, k, r, in, user, channel, t.AlertID, responseURL)
}

// ask checks the status rule and stores the pending confirmation behind
// the prompt.
func (s *Service) ask(ctx context.Context, k tracked.ActionKind, r *regions.Region, in *scnet.Instance, user, channel, alertID, responseURL string) *slack.WebhookMessage {
	p := s.printer(ctx)
	ev := event{kind: k, user: user, instance: in.ID, name: in.Name, region: r.ID}
	if why := refuseStatus(p, k, in.Name, in.ID, in.Status); why != "" {
		s.audit(ev, outcomeRefused, "status "+string(in.Status))
		return ephemeral(why)
	}
	a, err := s.newPending(ctx, state.Action{Kind: string(k), InstanceID: in.ID, InstanceName: in.Name, Region: r.ID, RegionName: r.Name,
		User: user, Channel: channel, AlertID: alertID, ResponseURL: responseURL})
	if err != nil {
		s.log.Error("store action confirmation", "action", string(k), "instance", in.ID, "err", err)
		return storeTrouble(p, err)
	}
	return prompt(p, a, in, s.cfg.Location)
}

// openDelete answers the first click on Delete: the modal opens at once,
// before any SCNet call, because Slack's trigger_id lasts 3 seconds. The
// region must already be known for the same reason.
func (s *Service) openDelete(ctx context.Context, t Target, user, channel, responseURL, triggerID string) *slack.WebhookMessage {
	p := s.printer(ctx)
	ev := event{kind: tracked.ActionDelete, user: user, instance: t.InstanceID, name: t.Name, region: t.Region}
	if ok, why := s.access.allowed(ctx, p, user); !ok {
		s.audit(ev, outcomeRefused, "not allowed")
		return ephemeral(why)
	}
	if s.cfg.Regions == nil {
		return ephemeral(startingText(p))
	}
	rs, _, known := s.cfg.Regions.Known()
	if !known {
		return ephemeral(startingText(p))
	}
	r, msg := pick(p, rs, t.Region, true)
	if msg != nil {
		s.audit(ev, outcomeRefused, "region")
		return msg
	}
	a := state.Action{Kind: string(tracked.ActionDelete), InstanceID: t.InstanceID, InstanceName: t.Name, Region: r.ID, RegionName: r.Name,
		User: user, Channel: channel, AlertID: t.AlertID, ResponseURL: responseURL}
	m := viewMeta{Word: strings.TrimSpace(t.Name)}
	if m.Word == "" {
		m = viewMeta{Word: t.InstanceID, ByID: true}
	}
	return s.openModal(ctx, a, m, triggerID)
}

// openModal stores the pending delete and opens its modal; nil when the
// modal is open.
func (s *Service) openModal(ctx context.Context, a state.Action, m viewMeta, triggerID string) *slack.WebhookMessage {
	p := s.printer(ctx)
	if s.cfg.Views == nil || triggerID == "" {
		s.log.Error("cannot open the delete modal", "views", s.cfg.Views != nil, "trigger", triggerID != "")
		return ephemeral(p.T("ActNoDialog"))
	}
	a, err := s.newPending(ctx, a)
	if err != nil {
		s.log.Error("store delete confirmation", "instance", a.InstanceID, "err", err)
		return storeTrouble(p, err)
	}
	m.Nonce = a.ID
	vctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if _, err := s.cfg.Views.OpenViewContext(vctx, triggerID, deleteModal(p, a, m)); err != nil {
		s.log.Warn("open delete modal", "user", a.User, "instance", a.InstanceID, "err", err)
		s.finish(context.WithoutCancel(ctx), a.ID, state.ActionCancelled, "the dialog did not open")
		return ephemeral(p.T("ActDialogNotOpened"))
	}
	return nil
}

// command answers /instances restart|stop|delete <name|id>.
func (s *Service) command(ctx context.Context, k tracked.ActionKind, target string, cmd slack.SlashCommand) *slack.WebhookMessage {
	p := s.printer(ctx)
	if !s.Enabled() {
		return ephemeral(offText(p))
	}
	if k != tracked.ActionRestart && k != tracked.ActionStop && k != tracked.ActionDelete {
		return ephemeral(p.T("ActCanDo"))
	}
	target = strings.TrimSpace(target)
	if target == "" {
		return ephemeral(p.T("ActNameIt", "Kind", commandWord(p, k)))
	}
	if utf8.RuneCountInString(target) > maxValueName {
		return ephemeral(p.T("ActNameTooLong", "Max", maxValueName))
	}
	ev := event{kind: k, user: cmd.UserID, name: target}
	if ok, why := s.access.allowed(ctx, p, cmd.UserID); !ok {
		s.audit(ev, outcomeRefused, "not allowed")
		return ephemeral(why)
	}
	if k == tracked.ActionDelete {
		a := state.Action{Kind: string(k), User: cmd.UserID, Channel: cmd.ChannelID, ResponseURL: cmd.ResponseURL}
		m := viewMeta{Word: target}
		if looksLikeID(target) {
			a.InstanceID, m.ByID = target, true
		} else {
			a.InstanceName = target
		}
		if msg := s.openModal(ctx, a, m, cmd.TriggerID); msg != nil {
			return msg
		}
		who := instancePhrase(a.InstanceName, a.InstanceID)
		if m.ByID {
			return ephemeral(p.T("ActDialogOpenedID", "Who", who))
		}
		return ephemeral(p.T("ActDialogOpenedName", "Who", who))
	}
	h, msg := s.resolve(ctx, k, target)
	if msg != nil {
		s.audit(ev, outcomeRefused, "not resolved")
		return msg
	}
	if h.r.Operator == nil {
		return ephemeral(noOperatorText(p, h.r.Name))
	}
	return s.ask(ctx, k, h.r, h.in, cmd.UserID, cmd.ChannelID, "", cmd.ResponseURL)
}

// confirm carries out a confirmed restart or stop.
func (s *Service) confirm(ctx context.Context, user, nonce string) *slack.WebhookMessage {
	// The answer is in the language of the person confirming now, not of
	// the one who asked: the confirmation is theirs alone, but their
	// Slack locale may have changed since.
	p := s.printer(ctx)
	a, msg := s.claim(ctx, nonce, user)
	if msg != nil {
		return msg
	}
	k := tracked.ActionKind(a.Kind)
	if k == tracked.ActionDelete {
		// A delete is confirmed in its modal only.
		return ephemeral(forgedText(p))
	}
	ev := eventOf(a)
	if ok, why := s.access.allowed(ctx, p, user); !ok {
		s.audit(ev, outcomeRefused, "not allowed")
		return ephemeral(why)
	}
	r, msg := s.region(ctx, a.Region, true)
	if msg != nil {
		s.audit(ev, outcomeRefused, "region")
		return msg
	}
	in, err := s.lookup(ctx, r, a.InstanceID)
	switch {
	case errors.Is(err, scnet.ErrNotFound):
		s.finish(ctx, a.ID, state.ActionCancelled, "gone before it was confirmed")
		s.audit(ev, outcomeRefused, "gone")
		return replacing(ephemeral(lookupFailed(p, a.InstanceID, a.RegionName, err)))
	case err != nil:
		// The prompt stays, so the same confirmation can be clicked again.
		s.audit(ev, outcomeRefused, "lookup: "+blockkit.ErrorSummary(s.en, err))
		return ephemeral(lookupFailed(p, a.InstanceID, a.RegionName, err))
	}
	if why := refuseStatus(p, k, in.Name, in.ID, in.Status); why != "" {
		s.finish(ctx, a.ID, state.ActionCancelled, "status "+string(in.Status))
		s.audit(ev, outcomeRefused, "status "+string(in.Status))
		return replacing(ephemeral(why))
	}
	if in.Name != "" {
		a.InstanceName = in.Name
	}
	msg, won := s.carryOut(ctx, a, r)
	if won {
		// Only the winner replaces the prompt: a losing click's answer
		// must not cover the outcome.
		msg = replacing(msg)
	}
	return msg
}

// cancel ends a pending confirmation without any SCNet call.
func (s *Service) cancel(ctx context.Context, user, nonce string) *slack.WebhookMessage {
	a, msg := s.claim(ctx, nonce, user)
	if msg != nil {
		return msg
	}
	p := s.printer(ctx)
	if !s.finish(ctx, a.ID, state.ActionCancelled, "cancelled") {
		return ephemeral(storeText(p))
	}
	s.audit(eventOf(a), outcomeCancelled, "")
	return replacing(ephemeral(p.T("ActCancelled")))
}

// status looks an instance up for the Check status button.
func (s *Service) status(ctx context.Context, value string) *slack.WebhookMessage {
	p := s.printer(ctx)
	t, err := decodeTarget(value)
	if err != nil {
		return ephemeral(forgedText(p))
	}
	r, msg := s.region(ctx, t.Region, false)
	if msg != nil {
		return msg
	}
	in, err := s.lookup(ctx, r, t.InstanceID)
	switch {
	case errors.Is(err, scnet.ErrNotFound):
		return ephemeral(p.T("ActStatusGone", "ID", idCode(t.InstanceID), "Where", regionPhrase(p, r.Name)))
	case err != nil:
		return ephemeral(blockkit.ErrorText(p, err))
	}
	d := blockkit.Details{Printer: p, Instance: in, Now: s.cfg.Now(), Location: s.cfg.Location, Region: r.Name}
	msg = ephemeral(d.Fallback())
	msg.Blocks = &slack.Blocks{BlockSet: d.Blocks()}
	return msg
}

// validateView checks a submitted delete modal without I/O.
func validateView(p *i18n.Printer, cb slack.InteractionCallback) map[string]string {
	m, ok := decodeViewMeta(cb.View.PrivateMetadata)
	if cb.View.CallbackID != DeleteViewID || !ok {
		return map[string]string{NameBlockID: p.T("ActModalUnreadable")}
	}
	if strings.TrimSpace(typed(cb)) != strings.TrimSpace(m.Word) {
		return map[string]string{NameBlockID: m.mismatch(p)}
	}
	return nil
}

// typed is what the person typed in the delete modal.
func typed(cb slack.InteractionCallback) string {
	if cb.View.State == nil {
		return ""
	}
	return cb.View.State.Values[NameBlockID][NameActionID].Value
}

// submitView carries out a submitted delete modal.
func (s *Service) submitView(ctx context.Context, cb slack.InteractionCallback) (string, *slack.WebhookMessage) {
	p := s.printer(ctx)
	m, ok := decodeViewMeta(cb.View.PrivateMetadata)
	if cb.View.CallbackID != DeleteViewID || !ok {
		return "", ephemeral(forgedText(p))
	}
	user := cb.User.ID
	a, msg := s.claim(ctx, m.Nonce, user)
	if msg != nil {
		return a.ResponseURL, msg
	}
	ev := eventOf(a)
	if tracked.ActionKind(a.Kind) != tracked.ActionDelete || m.ByID && m.Word != a.InstanceID || !m.ByID && m.Word != strings.TrimSpace(a.InstanceName) {
		s.audit(ev, outcomeRefused, "modal does not match its confirmation")
		return a.ResponseURL, ephemeral(forgedText(p))
	}
	if validateView(p, cb) != nil {
		s.audit(ev, outcomeRefused, "typed name does not match")
		return a.ResponseURL, ephemeral(p.T("ActTypedMismatch"))
	}
	if ok, why := s.access.allowed(ctx, p, user); !ok {
		s.audit(ev, outcomeRefused, "not allowed")
		return a.ResponseURL, ephemeral(why)
	}
	var (
		r   *regions.Region
		in  *scnet.Instance
		err error
	)
	if a.InstanceID != "" && a.Region != "" {
		if r, msg = s.region(ctx, a.Region, true); msg != nil {
			s.audit(ev, outcomeRefused, "region")
			return a.ResponseURL, msg
		}
		in, err = s.lookup(ctx, r, a.InstanceID)
		if errors.Is(err, scnet.ErrNotFound) {
			s.finish(ctx, a.ID, state.ActionCancelled, "already gone")
			s.audit(ev, outcomeRefused, "gone")
			return a.ResponseURL, ephemeral(p.T("ActAlreadyGone", "Who", instancePhrase(a.InstanceName, a.InstanceID), "Where", regionPhrase(p, a.RegionName)))
		}
		if err != nil {
			s.audit(ev, outcomeRefused, "lookup: "+blockkit.ErrorSummary(s.en, err))
			return a.ResponseURL, ephemeral(lookupFailed(p, a.InstanceID, a.RegionName, err))
		}
	} else {
		h, msg := s.resolve(ctx, tracked.ActionDelete, m.Word)
		if msg != nil {
			s.finish(ctx, a.ID, state.ActionCancelled, "not resolved")
			s.audit(ev, outcomeRefused, "not resolved")
			return a.ResponseURL, msg
		}
		if h.r.Operator == nil {
			return a.ResponseURL, ephemeral(noOperatorText(p, h.r.Name))
		}
		r, in = h.r, h.in
		a.InstanceID, a.Region, a.RegionName = in.ID, r.ID, r.Name
	}
	if a.InstanceName != "" && in.Name != a.InstanceName {
		s.finish(ctx, a.ID, state.ActionCancelled, "renamed")
		s.audit(ev, outcomeRefused, "name differs from SCNet's")
		return a.ResponseURL, ephemeral(p.T("ActRenamed", "ID", idCode(in.ID), "Now", instancePhrase(in.Name, in.ID), "Was", instancePhrase(a.InstanceName, a.InstanceID)))
	}
	a.InstanceName = in.Name
	msg, _ = s.carryOut(ctx, a, r)
	return a.ResponseURL, msg
}

// carryOut sends a confirmed action to SCNet once: the one click that
// flips the confirmation from pending to sending calls the Operator; any
// other, concurrent or re-delivered, is told what became of it. won is
// true for the one that called.
func (s *Service) carryOut(ctx context.Context, a state.Action, r *regions.Region) (msg *slack.WebhookMessage, won bool) {
	k, p := tracked.ActionKind(a.Kind), s.printer(ctx)
	// Counted before the flip, so no click can see the confirmation being
	// sent without this one counted.
	s.track(a.ID, 1)
	defer s.track(a.ID, -1)
	won, cur, err := s.flip(ctx, a)
	if err != nil {
		s.log.Error("claim action confirmation", "action", a.Kind, "instance", a.InstanceID, "err", err)
		return storeTrouble(p, err), false
	}
	if !won {
		return s.notPending(ctx, cur), false
	}
	a = cur
	s.record(ctx, a, tracked.ActionStarted, "")
	octx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	switch k {
	case tracked.ActionRestart:
		err = r.Operator.Restart(octx, a.InstanceID)
	case tracked.ActionStop:
		err = r.Operator.Stop(octx, a.InstanceID)
	default:
		err = r.Operator.Delete(octx, a.InstanceID)
	}
	cancel()
	// The outcome is written and told even if the click's context ended
	// meanwhile: SCNet may have acted.
	ctx = context.WithoutCancel(ctx)
	// detail is the store's and the log's, in English for the operators;
	// thread is the same in the channel's language, for the alert's
	// thread.
	var (
		phase          state.ActionPhase
		outcome        tracked.ActionOutcome
		detail, thread string
	)
	switch {
	case err == nil:
		phase, outcome = state.ActionDone, tracked.ActionDone
		msg = ephemeral(doneText(p, a))
	case outcomeUnknown(err):
		phase, outcome = state.ActionUnknown, tracked.ActionUnknown
		detail, thread = s.en.T("ActDetailUnknown"), s.cfg.Printer.T("ActDetailUnknown")
		now, lerr := s.lookup(ctx, r, a.InstanceID)
		msg = unknownMessage(p, a, now, lerr)
	default:
		phase, outcome = state.ActionFailed, tracked.ActionFailed
		detail, thread = blockkit.ErrorSummary(s.en, err), blockkit.ErrorSummary(s.cfg.Printer, err)
		msg = ephemeral(failedText(p, a, err))
	}
	s.finish(ctx, a.ID, phase, detail)
	s.record(ctx, a, outcome, thread)
	s.audit(eventOf(a), string(outcome), detailOrErr(detail, err))
	return msg, true
}

// outcomeUnknown reports whether err leaves the action's outcome open: the
// Operator says so, or the call ran out of time or was cancelled, which
// may happen after the request left.
func outcomeUnknown(err error) bool {
	return errors.Is(err, scnet.ErrOutcomeUnknown) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

func detailOrErr(detail string, err error) string {
	if err != nil {
		return err.Error()
	}
	return detail
}

// newNonce is 128 random bits in hex.
func newNonce() (string, error) {
	b := make([]byte, nonceBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("action nonce: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// newPending stores a as a new pending confirmation.
func (s *Service) newPending(ctx context.Context, a state.Action) (state.Action, error) {
	if s.cfg.Store == nil {
		return a, errors.New("actions have no state store")
	}
	nonce, err := newNonce()
	if err != nil {
		return a, err
	}
	now := s.cfg.Now()
	a.ID, a.Created, a.Expires, a.Phase = nonce, now, now.Add(s.cfg.ConfirmTTL), state.ActionPending
	return a, s.cfg.Store.Update(ctx, func(tx state.Tx) error { return tx.PutAction(a) })
}

// claim reads the pending confirmation nonce for user, or the answer that
// refuses the click. The record is returned when found, refused or not.
func (s *Service) claim(ctx context.Context, nonce, user string) (state.Action, *slack.WebhookMessage) {
	p := s.printer(ctx)
	if !validNonce(nonce) {
		s.audit(event{user: user}, outcomeRefused, "forged confirmation")
		return state.Action{}, ephemeral(forgedText(p))
	}
	if s.cfg.Store == nil {
		return state.Action{}, ephemeral(storeText(p))
	}
	var (
		a     state.Action
		found bool
	)
	err := s.cfg.Store.View(ctx, func(tx state.Tx) (err error) {
		a, found, err = tx.Action(nonce)
		return err
	})
	switch {
	case err != nil:
		s.log.Error("read action confirmation", "err", err)
		return a, storeTrouble(p, err)
	case !found:
		s.audit(event{user: user}, outcomeRefused, "unknown confirmation")
		return a, ephemeral(p.T("ActNoSuchConfirmation"))
	case a.User != user:
		s.audit(eventOf(a).by(user), outcomeRefused, "someone else's confirmation")
		return a, ephemeral(p.T("ActSomeoneElses", "User", a.User, "Again", askAgain(p, a)))
	case a.Phase != state.ActionPending || !s.cfg.Now().Before(a.Expires):
		return a, s.notPending(ctx, a)
	}
	return a, nil
}

// notPending answers a click on a confirmation that can no longer act.
func (s *Service) notPending(ctx context.Context, a state.Action) *slack.WebhookMessage {
	k, p := tracked.ActionKind(a.Kind), s.printer(ctx)
	who := instancePhrase(a.InstanceName, a.InstanceID)
	at := blockkit.Stamp(a.Finished, s.cfg.Location)
	var text string
	switch a.Phase {
	case state.ActionPending:
		s.audit(eventOf(a), outcomeRefused, "expired confirmation")
		return replacing(ephemeral(p.T("ActExpired", "At", blockkit.Stamp(a.Expires, s.cfg.Location), "Again", askAgain(p, a))))
	case state.ActionSending:
		if !s.inFlight(a.ID) {
			return s.stranded(ctx, a)
		}
		text = p.T("ActBeingDone", "Noun", noun(p, k), "Who", who, "User", a.User)
	case state.ActionDone:
		text = p.T("ActAlreadyDone", "Noun", noun(p, k), "Who", who, "User", a.User, "At", at)
	case state.ActionFailed:
		text = p.T("ActAlreadyFailed", "Noun", noun(p, k), "Who", who, "At", at, "Again", askAgain(p, a))
	case state.ActionUnknown:
		text = p.T("ActAlreadyUnknown", "At", at, "Noun", noun(p, k), "Who", who, "Again", askAgain(p, a))
	default:
		text = p.T("ActAlreadyCancelled", "At", at, "Again", askAgain(p, a))
	}
	s.audit(eventOf(a), outcomeRefused, "confirmation already used")
	return ephemeral(text)
}

// track adds d to the clicks of this process claiming or sending
// confirmation id.
func (s *Service) track(id string, d int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sending == nil {
		s.sending = map[string]int{}
	}
	if s.sending[id] += d; s.sending[id] <= 0 {
		delete(s.sending, id)
	}
}

// inFlight reports whether this process is claiming or sending
// confirmation id.
func (s *Service) inFlight(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sending[id] > 0
}

// stranded answers a click on a confirmation a previous run of the bot
// claimed for sending and stopped before it wrote SCNet's answer: the
// request may have left, so it is unknown from now on, and the person is
// told to check the status.
func (s *Service) stranded(ctx context.Context, a state.Action) *slack.WebhookMessage {
	const detail = "scnetbot stopped before SCNet's answer was recorded; it may have happened"
	p := s.printer(ctx)
	s.finish(ctx, a.ID, state.ActionUnknown, detail)
	s.audit(eventOf(a), string(tracked.ActionUnknown), detail)
	text := p.T("ActStranded", "Noun", noun(p, tracked.ActionKind(a.Kind)), "Who", instancePhrase(a.InstanceName, a.InstanceID),
		"Where", regionPhrase(p, a.RegionName), "User", a.User, "Again", askAgain(p, a))
	msg := ephemeral(text)
	msg.Blocks = &slack.Blocks{BlockSet: []slack.Block{blockkit.Section(text), slack.NewActionBlock("", statusButton(p, a))}}
	return msg
}

// askAgain is the command that asks for a's action afresh.
func askAgain(p *i18n.Printer, a state.Action) string {
	k := commandWord(p, tracked.ActionKind(a.Kind))
	switch {
	case a.InstanceID != "":
		return "`/instances " + k + " " + blockkit.EscapeTruncate(a.InstanceID, scnet.MaxInstanceIDLen) + "`"
	case a.InstanceName != "":
		return "`/instances " + k + " " + blockkit.EscapeTruncate(strings.ReplaceAll(a.InstanceName, "`", "'"), maxNameShown) + "`"
	}
	return "`/instances " + k + " " + p.T("ActNameOrID") + "`"
}

// flip moves the confirmation from pending to sending in one transaction,
// writing what the confirm resolved (the instance's id, name and region).
// won is true for the one caller that did it; cur is the record as found
// or written.
func (s *Service) flip(ctx context.Context, a state.Action) (won bool, cur state.Action, err error) {
	err = s.cfg.Store.Update(ctx, func(tx state.Tx) error {
		// Update may run fn again (PostgreSQL): an aborted attempt's win
		// is no win.
		won = false
		var found bool
		var err error
		cur, found, err = tx.Action(a.ID)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("action %s vanished", a.ID)
		}
		if cur.Phase != state.ActionPending || !s.cfg.Now().Before(cur.Expires) || cur.User != a.User {
			return nil
		}
		cur.InstanceID, cur.InstanceName, cur.Region, cur.RegionName = a.InstanceID, a.InstanceName, a.Region, a.RegionName
		cur.Phase = state.ActionSending
		won = true
		return tx.PutAction(cur)
	})
	if err != nil {
		won = false
	}
	return won, cur, err
}

// finish writes a confirmation's last phase, and reports whether it did.
// A confirmation already finished keeps its first outcome.
func (s *Service) finish(ctx context.Context, id string, phase state.ActionPhase, detail string) bool {
	err := s.cfg.Store.Update(ctx, func(tx state.Tx) error {
		a, found, err := tx.Action(id)
		if err != nil || !found {
			return err
		}
		switch a.Phase {
		case state.ActionPending, state.ActionSending:
		default:
			return nil
		}
		a.Phase, a.Detail, a.Finished = phase, detail, s.cfg.Now()
		return tx.PutAction(a)
	})
	if err != nil {
		s.log.Error("store action outcome", "confirmation", id, "phase", string(phase), "err", err)
		return false
	}
	return true
}

// record tells the Recorder, for the alert's thread.
func (s *Service) record(ctx context.Context, a state.Action, o tracked.ActionOutcome, detail string) {
	if s.cfg.Recorder == nil {
		return
	}
	_, err := s.cfg.Recorder.RecordAction(ctx, tracked.ActionRecord{Region: a.Region, InstanceID: a.InstanceID, InstanceName: a.InstanceName,
		Kind: tracked.ActionKind(a.Kind), User: a.User, At: s.cfg.Now(), Outcome: o, Detail: detail})
	if err != nil {
		s.log.Warn("record action for its thread", "action", a.Kind, "instance", a.InstanceID, "outcome", string(o), "err", err)
	}
}

// region finds the region a button or confirmation names; op requires
// that scnetbot can act there.
func (s *Service) region(ctx context.Context, id string, op bool) (*regions.Region, *slack.WebhookMessage) {
	p := s.printer(ctx)
	if s.cfg.Regions == nil {
		return nil, ephemeral(startingText(p))
	}
	rs, _, err := s.cfg.Regions.Regions(ctx)
	if err != nil {
		return nil, ephemeral(regionsErrorText(p, err))
	}
	return pick(p, rs, id, op)
}

// pick finds region id among rs: "" is the one region of a one-region bot.
func pick(p *i18n.Printer, rs []*regions.Region, id string, op bool) (*regions.Region, *slack.WebhookMessage) {
	var r *regions.Region
	for _, x := range rs {
		if x.ID == id {
			r = x
		}
	}
	if r == nil && id == "" && len(rs) == 1 {
		r = rs[0]
	}
	if r == nil {
		return nil, ephemeral(p.T("ActUnknownRegion"))
	}
	if op && r.Operator == nil {
		return nil, ephemeral(noOperatorText(p, r.Name))
	}
	return r, nil
}

func noOperatorText(p *i18n.Printer, region string) string {
	return p.T("ActNoOperator", "Where", regionPhrase(p, region))
}

func regionsErrorText(p *i18n.Printer, err error) string {
	if errors.Is(err, regions.ErrNoRegions) {
		return p.T("ActNoRegions")
	}
	return blockkit.ErrorText(p, err)
}

// lookup reads an instance now, bounded by the timeout.
func (s *Service) lookup(ctx context.Context, r *regions.Region, id string) (*scnet.Instance, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	in, err := r.Client.Instance(ctx, id)
	var api *scnet.APIError
	switch {
	case err == nil && in == nil:
		err = scnet.ErrNotFound
	case errors.As(err, &api) && api.Code == scnet.CodeInvalidParams:
		// SCNet answers an id it does not know, one deleted included,
		// with "invalid parameter" rather than an empty success, as the
		// commands and the watcher read it too. Every answer to a gone
		// instance sends nothing.
		err = fmt.Errorf("instance %s: SCNet does not know the id (code %s): %w", id, api.Code, scnet.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	// The action goes to the id asked about, whatever id the answer
	// carries: only that one passed the checks.
	c := *in
	c.ID = id
	return &c, nil
}

// lookupFailed says a lookup before acting failed, and that nothing was
// sent.
func lookupFailed(p *i18n.Printer, id, region string, err error) string {
	if errors.Is(err, scnet.ErrNotFound) {
		return p.T("ActLookupGone", "ID", idCode(id), "Where", regionPhrase(p, region))
	}
	return p.T("ActLookupFailed", "ID", idCode(id), "Error", blockkit.ErrorText(p, err))
}

// storeTrouble is the reply when a confirmation could not be kept or read:
// an outage of STATE_URL's database says so and to try again soon;
// anything else is the operator's (storeText).
func storeTrouble(p *i18n.Printer, err error) *slack.WebhookMessage {
	if errors.Is(err, state.ErrUnavailable) {
		return ephemeral(p.T("ActStoreDown", "Text", blockkit.StateUnavailableText(p)))
	}
	return ephemeral(storeText(p))
}
