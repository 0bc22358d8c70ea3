package alerts

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/i18n"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/watcher"
)

// lifecycleAlert is the golden alert at a later stage of its incident,
// its status line written in p's language as the watcher writes it.
func lifecycleAlert(p *i18n.Printer, edit func(*state.Alert)) state.Alert {
	a := state.Alert{ID: "a-1", InstanceID: "a1b2c3", From: scnet.StatusRunning, To: scnet.StatusFailed,
		Created: goldenNow.Add(-14 * time.Minute), Failures: 1,
		StatusLine: p.T("WatchSinceLine", "Status", statusWord(p, scnet.StatusFailed), "Since", "2026-11-27 17:46 UTC+08:00")}
	edit(&a)
	return a
}

func TestRenderLifecycleGolden(t *testing.T) { inEach(t, testRenderLifecycleGolden) }

func testRenderLifecycleGolden(t *testing.T, p *i18n.Printer) {
	r := goldenWatcherIn(p)
	in := hostileInstance()
	at := "2026-11-27 18:00 UTC+08:00"
	for _, tc := range []struct {
		name string
		a    state.Alert
	}{
		{"alert_resolved", lifecycleAlert(p, func(a *state.Alert) {
			a.Closed = goldenNow
			a.StatusLine = p.T("WatchResolvedLine", "After", p.Duration(14*time.Minute), "Why", p.T("WatchWhyRunning"), "At", at)
		})},
		{"alert_resolved_by", lifecycleAlert(p, func(a *state.Alert) {
			a.Closed, a.ResolvedBy = goldenNow, "U42"
			a.StatusLine = p.T("WatchResolvedByHandLine", "After", p.Duration(14*time.Minute), "At", at)
		})},
		{"alert_flapping", lifecycleAlert(p, func(a *state.Alert) {
			a.Failures, a.AckedBy, a.AckedAt = 3, "U42", goldenNow.Add(-10*time.Minute)
			a.StatusLine = p.T("WatchFailedAgainLine", "Nth", p.T("WatchOrdinalRd", "N", 3), "Within", p.Duration(14*time.Minute),
				"Transition", transitionText(p, scnet.StatusRunning, scnet.StatusFailed), "At", at)
		})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text, blocks := r.Alert(tc.a, in, nil, "")
			assertGolden(t, goldenName(tc.name, p), text, blocks)
			s := string(blocks)
			closed := !tc.a.Closed.IsZero()
			if closed == strings.Contains(s, actionResolve) || closed && strings.Contains(s, actionAck) {
				t.Errorf("closed %v: buttons %s", closed, s)
			}
		})
	}
}

func TestRenderEscalationAndExpiryGolden(t *testing.T) {
	inEach(t, testRenderEscalationAndExpiryGolden)
}

func testRenderEscalationAndExpiryGolden(t *testing.T, p *i18n.Printer) {
	r := goldenWatcherIn(p)
	a := lifecycleAlert(p, func(*state.Alert) {})
	text, blocks := r.Escalation(a, "S0ONCALL", 15*time.Minute)
	assertGolden(t, goldenName("escalation", p), text, blocks)
	if !strings.HasPrefix(text, "<!subteam^S0ONCALL> ") {
		t.Errorf("escalation text %q does not start with the mention", text)
	}
	in := hostileInstance()
	in.Status, in.TimeoutLimit, in.RemainingTime = scnet.StatusRunning, "72h", "25分"
	text, blocks = r.ExpiryWarning(in, 25*time.Minute, "华东<一>区")
	assertGolden(t, goldenName("expiry_warning", p), text, blocks)
	if s := string(blocks); strings.Contains(s, "<!channel>") || !strings.Contains(s, p.Duration(25*time.Minute)) || !strings.Contains(s, p.Duration(72*time.Hour)) {
		t.Errorf("expiry warning: %s", s)
	}
}

func TestMention(t *testing.T) {
	for _, c := range []struct {
		in, want string
		valid    bool
	}{
		{"U0123ABC", "<@U0123ABC>", true},
		{"W0123ABC", "<@W0123ABC>", true},
		{"S0ONCALL", "<!subteam^S0ONCALL>", true},
		{"here", "<!here>", true},
		{"channel", "<!channel>", true},
		{"everyone", "everyone", false},
		{"<!channel>", "&lt;!channel&gt;", false},
		{"u0123", "u0123", false},
		{"U", "U", false},
	} {
		if got := Mention(c.in); got != c.want {
			t.Errorf("Mention(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := ValidMention(c.in); got != c.valid {
			t.Errorf("ValidMention(%q) = %v, want %v", c.in, got, c.valid)
		}
	}
}

func TestUserNewsLine(t *testing.T) {
	r := goldenWatcher()
	for _, c := range []struct {
		what, user, want string
	}{
		{"restarted by " + watcher.UserMark, "U42", "• *n&lt;b&gt;* (`i1`) restarted by <@U42> at 03:12"},
		{"stop by " + watcher.UserMark + " failed: <code 716020>", "U42", "• *n&lt;b&gt;* (`i1`) stop by <@U42> failed: &lt;code 716020&gt; at 03:12"},
		{"resolved by " + watcher.UserMark, "<!channel>", "• *n&lt;b&gt;* (`i1`) resolved by &lt;!channel&gt; at 03:12"},
	} {
		if got := r.UserNewsLine("n<b>", "i1", c.what, c.user, "03:12"); got != c.want {
			t.Errorf("UserNewsLine(%q, %q) = %q, want %q", c.what, c.user, got, c.want)
		}
	}
}

// The ActionButtons hook's elements go at the end of the alert's actions
// block, and no more than Block Kit's 25 elements are sent.
func TestRenderAlertActionButtons(t *testing.T) {
	var got []state.Alert
	hook := func(n int) func(state.Alert, scnet.Instance) []slack.BlockElement {
		return func(a state.Alert, in scnet.Instance) []slack.BlockElement {
			got = append(got, a)
			var els []slack.BlockElement
			for i := range n {
				els = append(els, slack.NewButtonBlockElement(fmt.Sprintf("act.%d", i), in.ID, plain("Restart")))
			}
			return els
		}
	}
	in := hostileInstance()
	a := lifecycleAlert(english, func(*state.Alert) {})
	for _, n := range []int{1, 40} {
		r := NewRenderer(Config{ActionButtons: hook(n)})
		text, blocks := r.Alert(a, in, nil, "")
		if vs := blockkit.ValidateMessage(text, blocks); len(vs) > 0 {
			t.Errorf("%d action buttons: %v", n, vs)
		}
		els := actionElements(t, blocks)
		if len(els) > 25 || len(els) < 2 {
			t.Fatalf("%d action buttons: %d elements", n, len(els))
		}
		if !strings.HasPrefix(els[len(els)-1], "act.") || els[0] != actionAck {
			t.Errorf("%d action buttons: elements %v, want the hook's last", n, els)
		}
	}
	if len(got) != 2 || got[0].ID != "a-1" {
		t.Errorf("hook called with %+v", got)
	}
	// Without the hook, no action buttons.
	_, blocks := NewRenderer(Config{}).Alert(a, in, nil, "")
	if strings.Contains(string(blocks), `"act.`) {
		t.Errorf("action buttons without a hook: %s", blocks)
	}
}

func actionElements(t *testing.T, blocks json.RawMessage) []string {
	t.Helper()
	var bs []struct {
		Type     string `json:"type"`
		Elements []struct {
			ActionID string `json:"action_id"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(blocks, &bs); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range bs {
		if b.Type == "actions" {
			for _, e := range b.Elements {
				ids = append(ids, e.ActionID)
			}
		}
	}
	return ids
}
