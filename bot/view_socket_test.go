package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"scnetbot/internal/slackemu"
	"scnetbot/internal/wait"
)

// modalTriage is a fakeTriage whose act.delete button opens a modal with
// views.open, as the actions' Delete does, and whose submission answers at
// the response_url of the click that opened it.
type modalTriage struct {
	*fakeTriage
	api *slack.Client
}

func (m *modalTriage) Action(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) *slack.WebhookMessage {
	if a.ActionID != "act.delete" {
		return m.fakeTriage.Action(ctx, cb, a)
	}
	m.mu.Lock()
	m.responseURL = cb.ResponseURL
	m.mu.Unlock()
	input := slack.NewPlainTextInputBlockElement(nil, "typed")
	_, err := m.api.OpenViewContext(ctx, cb.TriggerID, slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: "act.delete",
		Title:      slack.NewTextBlockObject(slack.PlainTextType, "Delete instance", false, false),
		Submit:     slack.NewTextBlockObject(slack.PlainTextType, "Delete", false, false),
		Close:      slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("name", slack.NewTextBlockObject(slack.PlainTextType, "Type its name", false, false), nil, input),
		}},
	})
	if err != nil {
		return &slack.WebhookMessage{Text: "views.open: " + err.Error()}
	}
	return nil
}

// TestViewSubmissionThroughTheSocket: a modal opened with views.open and
// submitted in the emulator reaches ValidateView and SubmitView over Socket
// Mode: a wrong name is acked with errors that keep the modal open and runs
// nothing; the right one closes it, runs once even when Slack delivers it
// again, and is answered at the response_url SubmitView names.
func TestViewSubmissionThroughTheSocket(t *testing.T) {
	tr := &modalTriage{fakeTriage: &fakeTriage{}}
	h := start(t, Config{Triage: tr, Workers: 1}) // one worker: jobs run in order
	tr.api = slack.New(h.emu.BotToken(), slack.OptionAPIURL(h.emu.APIURL()))

	list := h.reply(t, h.command(t, "list", "U1"))
	click, err := h.emu.ForgeClick(ctxT(t), list, "act.delete", "nonce1", "U1")
	if err != nil {
		t.Fatal(err)
	}
	v, err := h.emu.WaitView(ctxT(t), "U1")
	if err != nil {
		t.Fatal(err)
	}
	submit := func(typed string) (*slackemu.Interaction, slackemu.Ack) {
		t.Helper()
		in, err := h.emu.SubmitView(ctxT(t), v.ID, "U1", map[string]map[string]string{"name": {"typed": typed}})
		if err != nil {
			t.Fatal(err)
		}
		ack, err := h.emu.WaitAck(ctxT(t), in.EnvelopeID)
		if err != nil {
			t.Fatal(err)
		}
		return in, ack
	}

	_, ack := submit("wrong")
	if !strings.Contains(string(ack.Payload), `"response_action":"errors"`) {
		t.Errorf("a wrong name was acked with %s, want errors", ack.Payload)
	}
	if got, _ := h.emu.View(v.ID); !got.Open || got.Errors["name"] == "" {
		t.Errorf("after a wrong name the modal is open=%v with errors %v, want open with an error", got.Open, got.Errors)
	}
	if validated, submitted, _ := tr.counts(); validated != 1 || submitted != 0 {
		t.Errorf("validated %d, submitted %d after a wrong name; want 1, 0", validated, submitted)
	}

	in, ack := submit("train-llm")
	if len(ack.Payload) != 0 {
		t.Errorf("the right name was acked with %s, want an empty ack", ack.Payload)
	}
	if got, _ := h.emu.View(v.ID); got.Open {
		t.Error("the modal is still open after a valid submission")
	}
	if err := h.emu.Redeliver(ctxT(t), in.EnvelopeID, "timeout"); err != nil {
		t.Fatal(err)
	}
	msgs, err := h.emu.WaitResponses(ctxT(t), click.ResponseURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].Text != "deleted by U1" {
		t.Errorf("the submission was answered %q", msgs[0].Text)
	}
	wait.Until(t, "the redelivery acked", func() bool {
		n := 0
		for _, a := range h.emu.Acks() {
			if a.EnvelopeID == in.EnvelopeID {
				n++
			}
		}
		return n == 2
	})
	// With one worker, a later command is answered after any job queued
	// for the redelivery.
	h.reply(t, h.command(t, "list", "U1"))
	if _, submitted, _ := tr.counts(); submitted != 1 {
		t.Errorf("SubmitView ran %d times for one submission delivered twice, want 1", submitted)
	}
	if n := h.emu.ResponseURLUses(click.ResponseURL); n != 1 {
		t.Errorf("the submission was answered %d times, want once", n)
	}
	if vs := h.emu.Violations(); len(vs) > 0 {
		t.Errorf("violations: %v", vs)
	}
}
