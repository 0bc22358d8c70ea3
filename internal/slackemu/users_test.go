package slackemu

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestUsersInfoLocale(t *testing.T) {
	s := newEmu(t)
	ctx := ctxT(t)
	api := newAPI(s)
	s.SetUserLocale("U0ZH", "zh-CN")
	s.AddUser("U0ZH", "li.wei")

	u, err := api.GetUserInfoContext(ctx, "U0ZH")
	if err != nil || u.ID != "U0ZH" || u.Name != "li.wei" || u.Locale != "zh-CN" || u.TeamID != TeamID || u.IsBot {
		t.Errorf("users.info U0ZH = %+v, %v; want li.wei in zh-CN", u, err)
	}
	if u, err := api.GetUserInfoContext(ctx, "U0EN"); err != nil || u.Locale != DefaultLocale {
		t.Errorf("a user given no locale: %+v, %v; want %s", u, err, DefaultLocale)
	}
	if u, err := api.GetUserInfoContext(ctx, BotUserID); err != nil || !u.IsBot || u.Name != BotName {
		t.Errorf("the bot's own user: %+v, %v", u, err)
	}
	// Without include_locale, Slack sends no locale field at all.
	body := callAPI(t, s, "users.info", url.Values{"user": {"U0ZH"}})
	if user, _ := body["user"].(map[string]any); body["ok"] != true || user == nil {
		t.Fatalf("users.info without include_locale = %v", body)
	} else if _, has := user["locale"]; has {
		t.Errorf("locale sent without include_locale: %v", user)
	}
	if u, err := api.GetUserInfoContext(ctx, "U0ZH", slack.GetUserInfoOptionIncludeLocale(false)); err != nil || u.Locale != "" {
		t.Errorf("include_locale=false: %+v, %v", u, err)
	}
	if body := callAPI(t, s, "users.info", url.Values{}); body["error"] != "invalid_arguments" {
		t.Errorf("no user argument = %v, want invalid_arguments", body)
	}

	s.SetUserNotFound("U0GONE")
	for _, id := range []string{"U0GONE", "C1"} {
		if _, err := api.GetUserInfoContext(ctx, id); err == nil || err.Error() != "user_not_found" {
			t.Errorf("users.info %s: %v, want user_not_found", id, err)
		}
	}
	// A locale given later brings the user back.
	s.SetUserLocale("U0GONE", "en-GB")
	if u, err := api.GetUserInfoContext(ctx, "U0GONE"); err != nil || u.Locale != "en-GB" {
		t.Errorf("after SetUserLocale: %+v, %v", u, err)
	}

	for id, want := range map[string]int{"U0ZH": 3, "U0EN": 1, "U0GONE": 2, "U0NONE": 0} {
		if got := s.UsersInfoCalls(id); got != want {
			t.Errorf("UsersInfoCalls(%s) = %d, want %d", id, got, want)
		}
	}
	if n := s.Calls("users.info"); n != 9 {
		t.Errorf("Calls(users.info) = %d, want 9", n)
	}
}

func TestUsersInfoMissingScope(t *testing.T) {
	s := newEmu(t)
	ctx := ctxT(t)
	api := newAPI(s)
	s.SetUserLocale("U1", "zh-CN")
	s.SetMissingScope("users.info", true)
	_, err := api.GetUserInfoContext(ctx, "U1")
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "missing_scope" || se.Needed != "users:read" {
		t.Errorf("users.info without users:read: %#v, want missing_scope needing users:read", err)
	}
	if n := s.UsersInfoCalls("U1"); n != 1 {
		t.Errorf("a refused call counted %d times, want 1", n)
	}
	// The other methods are not affected, and auth comes first.
	if _, err := api.AuthTestContext(ctx); err != nil {
		t.Errorf("auth.test: %v", err)
	}
	if _, err := slack.New("xoxb-nope", slack.OptionAPIURL(s.APIURL())).GetUserInfoContext(ctx, "U1"); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("a wrong token: %v, want invalid_auth", err)
	}
	s.SetMissingScope("users.info", false)
	if u, err := api.GetUserInfoContext(ctx, "U1"); err != nil || u.Locale != "zh-CN" {
		t.Errorf("after the scope is granted: %+v, %v", u, err)
	}
}

func TestUsersInfoFaults(t *testing.T) {
	s := newEmu(t)
	ctx := ctxT(t)
	api := newAPI(s)
	s.RateLimitNext("users.info", 1, time.Second)
	if _, err := api.GetUserInfoContext(ctx, "U1"); !isRateLimited(err, time.Second) {
		t.Errorf("RateLimitNext: %v", err)
	}
	s.FailNext("users.info", 1, http.StatusInternalServerError)
	var sc slack.StatusCodeError
	if _, err := api.GetUserInfoContext(ctx, "U1"); !errors.As(err, &sc) || sc.Code != http.StatusInternalServerError {
		t.Errorf("FailNext: %v", err)
	}
	// Refused calls are not the user's: only Calls has them.
	if n, calls := s.UsersInfoCalls("U1"), s.Calls("users.info"); n != 0 || calls != 2 {
		t.Errorf("UsersInfoCalls = %d, Calls = %d; want 0 and 2", n, calls)
	}
}
