package blockkit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"scnetbot/i18n"
	"scnetbot/scnet"
)

// Whatever an error carries (a token, a password, an SCNet URL, an HTML
// page), none of it reaches the words: only scnetbot's sentences,
// documented codes and status numbers.
func TestErrorWordsNeverQuoteTheError(t *testing.T) {
	const secret = "eyJsecret-token"
	page := "<html><body>503 " + secret + "</body></html>"
	u := "https://api.scnet.cn/ai/openapi/v2/instance-service/x/detail?token=" + secret
	tests := []struct {
		err     error
		summary string
	}{
		{&url.Error{Op: "Get", URL: u, Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("no route " + secret)}}, "cannot reach SCNet"},
		{&url.Error{Op: "Get", URL: u, Err: syscall.ECONNRESET}, "broke off"},
		{fmt.Errorf("list %s: %w", u, context.DeadlineExceeded), "in time"},
		{fmt.Errorf("poll %s: %w", u, context.Canceled), "cancelled"},
		{&scnet.APIError{HTTPStatus: 503, Msg: page}, "HTTP 503"},
		{&scnet.APIError{Code: scnet.CodeInternal, Msg: page}, "code 10001"},
		{&scnet.APIError{Code: scnet.CodeDeleteFailed, Msg: page}, "code 716866"},
		{&scnet.APIError{Code: scnet.CodeDatabaseQuery, Msg: page}, "code 716020"},
		{&scnet.APIError{Code: scnet.Code(secret), Msg: page}, "undocumented code"},
		{&scnet.APIError{Code: scnet.CodePermissionDenied, Msg: secret}, "token"},
		{&scnet.DecodeError{Endpoint: u, Excerpt: page, Err: errors.New(secret)}, "could not read"},
		{&scnet.TokenError{Err: errors.New("login " + u)}, "could not get an SCNet token"},
		{fmt.Errorf("get instance %q: %w", secret, scnet.ErrNotFound), "no such instance"},
		{errors.New(page + u), "unexpected"},
	}
	for _, tt := range tests {
		text, summary := ErrorText(english, tt.err), ErrorSummary(english, tt.err)
		if !strings.Contains(summary, tt.summary) {
			t.Errorf("ErrorSummary(%v) = %q, want it to say %q", tt.err, summary, tt.summary)
		}
		for _, s := range []string{text, summary} {
			for _, bad := range []string{secret, "http://", "https://", "<", "scnet.cn", tt.err.Error()} {
				if strings.Contains(s, bad) {
					t.Errorf("words for %v quote %q: %q", tt.err, bad, s)
				}
			}
		}
	}
}

func TestErrorTextInChinese(t *testing.T) {
	frozen := &scnet.APIError{Code: scnet.CodeUserFrozen, HTTPStatus: 200}
	if got := ErrorText(chinese, frozen); !strings.Contains(got, "错误码 10007") || !strings.Contains(got, "冻结") {
		t.Errorf("frozen: %q", got)
	}
	if got := ErrorSummary(chinese, &scnet.APIError{HTTPStatus: 503}); got != "SCNet 返回 HTTP 503" {
		t.Errorf("503 summary: %q", got)
	}
	if got := ErrorText(chinese, context.DeadlineExceeded); !strings.Contains(got, "没有按时回答") {
		t.Errorf("slow: %q", got)
	}
	if got := ErrorText(english, frozen); got != ":warning: SCNet refused the request (code 10007). The SCNet account is frozen; the account owner must contact SCNet support to unfreeze it." {
		t.Errorf("frozen in English: %q", got)
	}
}

// TestEveryDocumentedCodeIsWorded: each code documented() accepts has its
// KitCode message in both languages (the id is built at run time, so the
// catalog's own usage check cannot see it).
func TestEveryDocumentedCodeIsWorded(t *testing.T) {
	for _, c := range []scnet.Code{scnet.CodeSuccess, scnet.CodeInternal, scnet.CodeMissingParams, scnet.CodeInvalidParams,
		scnet.CodeUserFrozen, scnet.CodePermissionDenied, scnet.CodeNoAPIAccess, scnet.CodeFileCheckFailed,
		scnet.CodeFileTooLarge, scnet.CodeConnectionInterrupted, scnet.CodeDatabaseQuery, scnet.CodeDeleteFailed} {
		if !documented(c) {
			t.Errorf("code %s: not documented()", c)
		}
		for _, p := range []*i18n.Printer{english, chinese} {
			if id := "KitCode" + string(c); p.T(id) == id {
				t.Errorf("%s: no message %s", p.Lang(), id)
			}
		}
	}
}
