package slackemu

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// callAPI posts a form to a Web API method with the bot token and decodes
// the answer, for what slack-go will not send.
func callAPI(t *testing.T, s *Server, method string, form url.Values) map[string]any {
	t.Helper()
	form.Set("token", s.BotToken())
	resp, err := http.PostForm(s.APIURL()+method, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestUserGroupMembers(t *testing.T) {
	s := newEmu(t)
	ctx := ctxT(t)
	api := newAPI(s)
	s.SetUserGroup("S0ONCALL", "U1", "U2")
	got, err := api.GetUserGroupMembersContext(ctx, "S0ONCALL")
	if err != nil || !slices.Equal(got, []string{"U1", "U2"}) {
		t.Errorf("members = %v, %v; want [U1 U2]", got, err)
	}
	// SetUserGroup replaces the members.
	s.SetUserGroup("S0ONCALL", "U3")
	if got, err := api.GetUserGroupMembersContext(ctx, "S0ONCALL"); err != nil || !slices.Equal(got, []string{"U3"}) {
		t.Errorf("after replace: %v, %v; want [U3]", got, err)
	}
	s.SetUserGroup("S0EMPTY")
	if body := callAPI(t, s, "usergroups.users.list", url.Values{"usergroup": {"S0EMPTY"}}); body["ok"] != true || body["users"] == nil {
		t.Errorf("empty group = %v, want ok with users []", body)
	}
	if _, err := api.GetUserGroupMembersContext(ctx, "S0NOPE"); err == nil || err.Error() != "no_such_subteam" {
		t.Errorf("unknown group: %v, want no_such_subteam", err)
	}
	if body := callAPI(t, s, "usergroups.users.list", url.Values{}); body["error"] != "invalid_arguments" {
		t.Errorf("no usergroup argument = %v, want invalid_arguments", body)
	}
	for _, tc := range []struct{ name, token, want string }{
		{"unknown token", "xoxb-nope", "invalid_auth"},
		{"app token", s.AppToken(), "not_allowed_token_type"},
		{"no token", "", "not_authed"},
	} {
		_, err := slack.New(tc.token, slack.OptionAPIURL(s.APIURL())).GetUserGroupMembersContext(ctx, "S0ONCALL")
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}
}

func TestUserGroupFaults(t *testing.T) {
	s := newEmu(t)
	ctx := ctxT(t)
	s.SetUserGroup("S1", "U1")
	const method = "usergroups.users.list"
	api := newAPI(s)

	s.FailNext(method, 1, http.StatusServiceUnavailable)
	var sc slack.StatusCodeError
	if _, err := api.GetUserGroupMembersContext(ctx, "S1"); !errors.As(err, &sc) || sc.Code != http.StatusServiceUnavailable {
		t.Errorf("FailNext: %v", err)
	}
	s.RateLimitNext(method, 1, 2*time.Second)
	if _, err := api.GetUserGroupMembersContext(ctx, "S1"); !isRateLimited(err, 2*time.Second) {
		t.Errorf("RateLimitNext: %v", err)
	}
	s.PostThenHang(method, 1, time.Minute)
	short := newAPI(s, slack.OptionHTTPClient(&http.Client{Timeout: 100 * time.Millisecond}))
	if _, err := short.GetUserGroupMembersContext(ctx, "S1"); err == nil {
		t.Error("PostThenHang: answered despite the hang")
	}
	if got, err := api.GetUserGroupMembersContext(ctx, "S1"); err != nil || !slices.Equal(got, []string{"U1"}) {
		t.Errorf("after the faults: %v, %v", got, err)
	}
	if n := s.Calls(method); n != 4 {
		t.Errorf("Calls(%s) = %d, want 4", method, n)
	}
}
