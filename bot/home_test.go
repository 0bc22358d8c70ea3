package bot

import (
	"context"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"scnetbot/i18n"
	"scnetbot/internal/slackemu"
	"scnetbot/internal/wait"
)

// fakeHome records each Home tab opened: the user, and the language of
// the printer in its context.
type fakeHome struct {
	mu     sync.Mutex
	opened []string // "user lang"
	panics bool
}

func (f *fakeHome) Opened(ctx context.Context, userID string) {
	lang := i18n.Lang("none")
	if p := i18n.FromContext(ctx, nil); p != nil {
		lang = p.Lang()
	}
	f.mu.Lock()
	f.opened = append(f.opened, userID+" "+string(lang))
	panics := f.panics
	f.mu.Unlock()
	if panics {
		panic("home exploded")
	}
}

func (f *fakeHome) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.opened...)
}

func (h *harness) openHome(t *testing.T, user, tab string) *slackemu.Interaction {
	t.Helper()
	in, err := h.emu.OpenAppHome(ctxT(t), user, tab)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// TestHomeOpenedInTheUsersLanguage: opening the Home tab is acked at once
// and reaches Home.Opened on a worker, once, with the user and their
// printer; the Messages tab and a redelivered envelope run nothing.
func TestHomeOpenedInTheUsersLanguage(t *testing.T) {
	home := &fakeHome{}
	h := start(t, Config{Home: home, Workers: 1}) // one worker: jobs run in order
	h.emu.SetUserLocale("U0ZH", "zh-CN")
	h.emu.SetUserLocale("U0EN", "en-US")

	zh := h.openHome(t, "U0ZH", slackemu.TabHome)
	h.openHome(t, "U0EN", slackemu.TabHome)
	wait.Until(t, "both Home tabs shown", func() bool { return len(home.seen()) == 2 })
	if got := home.seen(); got[0] != "U0ZH zh-Hans" || got[1] != "U0EN en" {
		t.Errorf("Opened with %v, want U0ZH in zh-Hans, U0EN in en", got)
	}

	h.openHome(t, "U0ZH", slackemu.TabMessages)
	if err := h.emu.Redeliver(ctxT(t), zh.EnvelopeID, "timeout"); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the redelivery acked", func() bool {
		n := 0
		for _, a := range h.emu.Acks() {
			if a.EnvelopeID == zh.EnvelopeID {
				n++
			}
		}
		return n == 2
	})
	// With one worker, anything queued before this is done by the time it is.
	h.openHome(t, "U0EN", slackemu.TabHome)
	wait.Until(t, "the third Home tab", func() bool { return len(home.seen()) >= 3 })
	if got := home.seen(); len(got) != 3 || got[2] != "U0EN en" {
		t.Errorf("Opened %v: the Messages tab or a redelivery ran", got)
	}
	for _, a := range h.emu.Acks() {
		if a.Late || len(a.Payload) != 0 {
			t.Errorf("ack %+v: want an early empty ack", a)
		}
	}
	if got := testutil.ToFloat64(h.m.Commands.WithLabelValues("home", "ok")); got != 3 {
		t.Errorf("home opens counted %v, want 3", got)
	}
	if n := h.emu.UsersInfoCalls("U0ZH"); n != 1 {
		t.Errorf("users.info called %d times for U0ZH, want 1", n)
	}
}

// TestHomeWithoutAService: with no Home the event is acked and nothing
// else happens: no users.info, no worker.
func TestHomeWithoutAService(t *testing.T) {
	h := start(t, Config{})
	h.openHome(t, "U1", slackemu.TabHome)
	h.reply(t, h.command(t, "after", "U2")) // the bot goes on serving
	if n := h.emu.UsersInfoCalls("U1"); n != 0 {
		t.Errorf("users.info called %d times for an event nobody handles", n)
	}
	if n := testutil.ToFloat64(h.m.Commands.WithLabelValues("home", "ok")); n != 0 {
		t.Errorf("home opens counted %v", n)
	}
}

// TestHomePanicIsContained: a Home tab that panics is counted and logged,
// and the bot goes on; there is no response_url to apologise to.
func TestHomePanicIsContained(t *testing.T) {
	home := &fakeHome{panics: true}
	h := start(t, Config{Home: home})
	h.openHome(t, "U1", slackemu.TabHome)
	wait.Until(t, "the panic counted", func() bool {
		return testutil.ToFloat64(h.m.Commands.WithLabelValues("home", "panic")) == 1
	})
	if m := h.reply(t, h.command(t, "after", "U1")); m.Text != "answer to after" {
		t.Errorf("reply after the panic = %q", m.Text)
	}
	if n := h.emu.Calls(slackemu.MethodResponseURL); n != 1 {
		t.Errorf("response_url called %d times, want 1 (the command's)", n)
	}
}
