package bot

import (
	"errors"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// TestReplyRetryIsAnAllowList: response_url posts are retried only on the
// failures replyRetry names; anything else is final.
func TestReplyRetryIsAnAllowList(t *testing.T) {
	netErr := fmt.Errorf("failed to post webhook: %w", &url.Error{Op: "Post", URL: "https://hooks.example", Err: errors.New("reset")})
	for _, tc := range []struct {
		err    error
		retry  bool
		reason string
	}{
		{netErr, true, "network"},
		{&slack.RateLimitedError{RetryAfter: time.Second}, true, "rate_limited"},
		{&slack.RateLimitedError{RetryAfter: time.Hour}, false, "rate_limited"},
		{slack.StatusCodeError{Code: 429}, true, "rate_limited"},
		{slack.StatusCodeError{Code: 503}, true, "server_error"},
		{slack.StatusCodeError{Code: 404}, false, "http_404"},
		{fmt.Errorf("failed new request: %w", &url.Error{Op: "parse", URL: "::", Err: errors.New("missing scheme")}), false, "network"},
		{errors.New("marshal failed"), false, "final"},
	} {
		if v := replyRetry(tc.err); v.Retry != tc.retry || v.Reason != tc.reason {
			t.Errorf("replyRetry(%v) = %+v, want retry %v reason %q", tc.err, v, tc.retry, tc.reason)
		}
	}
}
