package bot

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"scnetbot/internal/slackemu"
	"scnetbot/internal/wait"
	"scnetbot/metrics"
)

// fakeTriage owns act.* buttons and the "act.delete" modal. A submission
// whose "name" block holds "wrong" is invalid; one holding "panic" panics
// in validation.
type fakeTriage struct {
	mu          sync.Mutex
	actions     []string // action id=value=user of each click
	validated   int
	submitted   int
	responseURL string // what SubmitView names
	// events records "validate" and "submit" in the order they happen,
	// for the order against acks.
	events *[]string
}

func (f *fakeTriage) OwnsAction(id string) bool { return strings.HasPrefix(id, "act.") }

func (f *fakeTriage) Action(_ context.Context, cb slack.InteractionCallback, a *slack.BlockAction) *slack.WebhookMessage {
	f.mu.Lock()
	f.actions = append(f.actions, a.ActionID+"="+a.Value+"="+cb.User.ID)
	f.mu.Unlock()
	return &slack.WebhookMessage{Text: "triage got " + a.ActionID, ResponseType: slack.ResponseTypeEphemeral}
}

func (f *fakeTriage) OwnsView(callbackID string) bool { return callbackID == "act.delete" }

func (f *fakeTriage) ValidateView(_ context.Context, cb slack.InteractionCallback) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.validated++
	if f.events != nil {
		*f.events = append(*f.events, "validate")
	}
	switch cb.View.State.Values["name"]["typed"].Value {
	case "panic":
		panic("validation exploded")
	case "wrong":
		return map[string]string{"name": "Type the instance's name, train-llm, to delete it."}
	}
	return nil
}

func (f *fakeTriage) SubmitView(_ context.Context, cb slack.InteractionCallback) (string, *slack.WebhookMessage) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.submitted++
	return f.responseURL, &slack.WebhookMessage{Text: "deleted by " + cb.User.ID, ResponseType: slack.ResponseTypeEphemeral}
}

func (f *fakeTriage) counts() (validated, submitted int, actions []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.validated, f.submitted, append([]string(nil), f.actions...)
}

// TestTriageButtonsGoToTriage: an action button reaches Triage on a
// worker, after the same ALLOWED_* check as alert buttons, and is counted.
func TestTriageButtonsGoToTriage(t *testing.T) {
	tr := &fakeTriage{}
	h := start(t, Config{Alerts: fakeAlerts{}, Triage: tr})
	click := func(user string) slackemu.Message {
		t.Helper()
		ci, err := h.emu.Click(ctxT(t), h.reply(t, h.command(t, "list", "U1")), "Restart", user)
		if err != nil {
			t.Fatal(err)
		}
		return h.reply(t, ci)
	}
	if m := click("U1"); m.Text != "triage got act.restart" {
		t.Errorf("Restart → %q", m.Text)
	}
	if m := click("UDENIED"); m.Text != "not allowed" {
		t.Errorf("Restart by a user ALLOWED_USERS keeps out → %q", m.Text)
	}
	if _, _, got := tr.counts(); len(got) != 1 || got[0] != "act.restart=nonce1=U1" {
		t.Errorf("Triage got %v, want the one allowed click", got)
	}
	for result, want := range map[string]float64{"ok": 1, "denied": 1} {
		if got := testutil.ToFloat64(h.m.Commands.WithLabelValues("triage_action", result)); got != want {
			t.Errorf("triage_action %s counted %v, want %v", result, got, want)
		}
	}
	// The other owners keep their buttons.
	if m := click("U1"); m.Text != "triage got act.restart" {
		t.Errorf("second Restart → %q", m.Text)
	}
}

// recordingAcker is an acker that keeps every ack, in order, with the
// events of a fakeTriage sharing its log.
type recordingAcker struct {
	mu     sync.Mutex
	log    *[]string
	acks   []ackRecord
	failed bool
}

type ackRecord struct {
	envelopeID string
	payload    string // JSON; "null" for none
}

func (a *recordingAcker) AckCtx(_ context.Context, id string, payload any) error {
	if a.failed {
		return errors.New("socket closed")
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	*a.log = append(*a.log, "ack")
	a.acks = append(a.acks, ackRecord{id, string(b)})
	return nil
}

// responseSink is a response_url that records what is posted to it.
type responseSink struct {
	srv   *httptest.Server
	mu    sync.Mutex
	posts []string
}

func newResponseSink(t *testing.T) *responseSink {
	s := &responseSink{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.posts = append(s.posts, string(b))
		s.mu.Unlock()
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *responseSink) got() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.posts...)
}

// viewEvent is a view_submission envelope as slack-go's socketmode client
// hands it over, decoded from a payload shaped as Slack sends it.
func viewEvent(t *testing.T, envelopeID, callbackID, typed string) socketmode.Event {
	t.Helper()
	raw := `{"type":"view_submission","team":{"id":"T0EMU","domain":"scnet-emu"},"user":{"id":"U1","name":"u1"},
		"api_app_id":"A0EMU","trigger_id":"1.2.abc",
		"view":{"id":"V1","type":"modal","callback_id":"` + callbackID + `","private_metadata":"nonce",
			"state":{"values":{"name":{"typed":{"type":"plain_text_input","value":"` + typed + `"}}}}},
		"response_urls":[]}`
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(raw), &cb); err != nil {
		t.Fatal(err)
	}
	return socketmode.Event{Type: socketmode.EventTypeInteractive, Data: cb,
		Request: &socketmode.Request{Type: "interactive", EnvelopeID: envelopeID, Payload: json.RawMessage(raw)}}
}

// viewHarness is a bot whose read loop is driven by hand: dispatch gets
// each event with an acker that records the acks, and workers run the jobs
// as in Run.
type viewHarness struct {
	bot    *Bot
	triage *fakeTriage
	acker  *recordingAcker
	sink   *responseSink
	work   *work
	m      *metrics.Metrics
	log    []string
}

func startViews(t *testing.T) *viewHarness {
	t.Helper()
	h := &viewHarness{sink: newResponseSink(t), m: metrics.New()}
	h.triage = &fakeTriage{events: &h.log, responseURL: h.sink.srv.URL + "/response/1"}
	h.acker = &recordingAcker{log: &h.log}
	h.bot = New(slack.New("xoxb-unused"), Config{Commands: &fakeCommands{}, Triage: h.triage, Metrics: h.m, Workers: 1})
	ctx, cancel := context.WithCancel(context.Background())
	h.work = &work{ctx: ctx}
	h.work.wg.Go(func() {
		for j := range h.bot.jobs {
			h.bot.runJob(ctx, j)
		}
	})
	t.Cleanup(func() {
		close(h.bot.jobs)
		h.work.wg.Wait()
		cancel()
	})
	return h
}

// send hands evt to the read loop's dispatch, as Run does.
func (h *viewHarness) send(evt socketmode.Event) {
	h.bot.dispatch(context.Background(), h.acker, evt, h.work)
}

// TestViewSubmissionErrorsKeepTheModalOpen: errors from ValidateView go
// back in the ack, as Slack's response_action "errors", and nothing runs.
func TestViewSubmissionErrorsKeepTheModalOpen(t *testing.T) {
	h := startViews(t)
	h.send(viewEvent(t, "env-1", "act.delete", "wrong"))
	if len(h.acker.acks) != 1 {
		t.Fatalf("%d acks, want 1", len(h.acker.acks))
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(h.acker.acks[0].payload), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"response_action": "errors", "errors": map[string]any{"name": "Type the instance's name, train-llm, to delete it."}}
	if b, _ := json.Marshal(got); string(b) != mustJSON(want) {
		t.Errorf("ack payload = %s, want %s", b, mustJSON(want))
	}
	if strings.Join(h.log, ",") != "validate,ack" {
		t.Errorf("order %v, want validation before the ack", h.log)
	}
	// Nothing was queued: a worker would have run it by the time a later
	// job is answered.
	h.send(viewEvent(t, "env-2", "act.delete", "train-llm"))
	wait.Until(t, "the valid submission answered", func() bool { return len(h.sink.got()) == 1 })
	if _, submitted, _ := h.triage.counts(); submitted != 1 {
		t.Errorf("SubmitView ran %d times, want once (for the valid one only)", submitted)
	}
	if got := testutil.ToFloat64(h.m.Commands.WithLabelValues("view_submission", "bad_input")); got != 1 {
		t.Errorf("refused submissions counted %v, want 1", got)
	}
}

// TestViewSubmissionRunsOnce: a valid submission is acked empty (the modal
// closes), runs on a worker once even when Slack delivers the envelope
// again, and its reply goes to the response_url SubmitView names.
func TestViewSubmissionRunsOnce(t *testing.T) {
	h := startViews(t)
	evt := viewEvent(t, "env-1", "act.delete", "train-llm")
	h.send(evt)
	h.send(evt) // Slack's redelivery: same envelope id
	wait.Until(t, "the reply", func() bool { return len(h.sink.got()) >= 1 })
	// The worker is idle again once a later job has been answered.
	h.send(viewEvent(t, "env-2", "act.delete", "train-llm"))
	wait.Until(t, "the second reply", func() bool { return len(h.sink.got()) >= 2 })
	if _, submitted, _ := h.triage.counts(); submitted != 2 {
		t.Errorf("SubmitView ran %d times for two envelopes, one delivered twice; want 2", submitted)
	}
	if len(h.acker.acks) != 3 {
		t.Fatalf("%d acks, want 3 (the redelivery is acked too)", len(h.acker.acks))
	}
	for _, a := range h.acker.acks {
		if a.payload != "null" {
			t.Errorf("ack of %s carries %s, want an empty ack", a.envelopeID, a.payload)
		}
	}
	if p := h.sink.got()[0]; !strings.Contains(p, `"text":"deleted by U1"`) {
		t.Errorf("reply posted = %s", p)
	}
	if got := testutil.ToFloat64(h.m.Commands.WithLabelValues("view_submission", "ok")); got != 2 {
		t.Errorf("submissions counted %v, want 2", got)
	}
}

// TestViewSubmissionEdgeCases: a modal Triage does not own is acked and
// ignored; a failed ack runs nothing (Slack will send it again); a panic in
// validation does not stop the read loop; a reply with no response_url is
// dropped.
func TestViewSubmissionEdgeCases(t *testing.T) {
	h := startViews(t)
	h.send(viewEvent(t, "env-other", "someone.else", "train-llm"))
	h.send(viewEvent(t, "env-panic", "act.delete", "panic"))
	h.acker.failed = true
	h.send(viewEvent(t, "env-unacked", "act.delete", "train-llm"))
	h.acker.failed = false
	if n := len(h.acker.acks); n != 2 {
		t.Errorf("%d acks, want 2 (the foreign modal and the panic)", n)
	}
	h.triage.mu.Lock()
	h.triage.responseURL = ""
	h.triage.mu.Unlock()
	h.send(viewEvent(t, "env-nowhere", "act.delete", "train-llm"))
	wait.Until(t, "the submission with nowhere to answer", func() bool { _, s, _ := h.triage.counts(); return s == 1 })
	h.triage.mu.Lock()
	h.triage.responseURL = h.sink.srv.URL + "/response/2"
	h.triage.mu.Unlock()
	// The unacked envelope, delivered again, runs now.
	h.send(viewEvent(t, "env-unacked", "act.delete", "train-llm"))
	wait.Until(t, "the reply", func() bool { return len(h.sink.got()) == 1 })
	if _, s, _ := h.triage.counts(); s != 2 {
		t.Errorf("SubmitView ran %d times, want 2 (nowhere, then the redelivered unacked one)", s)
	}
	if got := testutil.ToFloat64(h.m.Commands.WithLabelValues("view_submission", "panic")); got != 1 {
		t.Errorf("validation panics counted %v, want 1", got)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
