package app

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"scnetbot/internal/syncbuf"

	"github.com/slack-go/slack"
)

// TestCheckBotTokenSaysWhatFailed: at start the log tells an unreachable
// Slack from a rejected token, rather than blaming the token for both.
func TestCheckBotTokenSaysWhatFailed(t *testing.T) {
	answer := func(status int, body string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	closed := answer(200, "")
	closed.Close()
	tests := []struct {
		name     string
		url      string
		want     []string
		wantWarn bool
	}{
		{"token rejected", answer(200, `{"ok":false,"error":"invalid_auth"}`).URL, []string{"SLACK_BOT_TOKEN rejected by Slack (invalid_auth)"}, false},
		{"token revoked", answer(200, `{"ok":false,"error":"token_revoked"}`).URL, []string{"SLACK_BOT_TOKEN rejected by Slack (token_revoked)"}, false},
		{"slack unreachable", closed.URL, []string{"cannot reach Slack at " + strings.TrimPrefix(closed.URL, "http://")}, true},
		{"slack failing", answer(503, `oops`).URL, []string{"Slack answered auth.test with HTTP 503"}, true},
		{"token ok", answer(200, `{"ok":true,"team":"T","user_id":"U0BOT"}`).URL, []string{"slack bot token ok", "U0BOT"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncbuf.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, nil))
			api := slack.New("xoxb-secret-bot-token", slack.OptionAPIURL(tt.url+"/api/"))
			checkBotToken(context.Background(), api, tt.url+"/api/", logger)
			out := logs.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("log lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "SLACK_BOT_TOKEN check failed") || strings.Contains(out, "secret-bot-token") {
				t.Errorf("log blames the token vaguely or shows it:\n%s", out)
			}
			if got := strings.Contains(out, "level=WARN"); got != tt.wantWarn {
				t.Errorf("warning = %v, want %v (Slack trouble is retried; a bad token is an error):\n%s", got, tt.wantWarn, out)
			}
		})
	}
}
