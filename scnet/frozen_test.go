package scnet

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestIsFrozen(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"10007", &APIError{Code: CodeUserFrozen, HTTPStatus: 200}, true},
		{"10007 wrapped twice", fmt.Errorf("list: %w", &TokenError{Err: &APIError{Code: CodeUserFrozen}}), true},
		{"10008", &APIError{Code: CodePermissionDenied}, false},
		{"http 403", &APIError{HTTPStatus: http.StatusForbidden}, false},
		{"plain", fmt.Errorf("scnet code 10007"), false},
	}
	for _, tt := range tests {
		if got := IsFrozen(tt.err); got != tt.want {
			t.Errorf("%s: IsFrozen = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestIsFrozenOnEveryCall: 10007 is recognisable from a listing, a detail
// and a login alike, and a listing does not retry it.
func TestIsFrozenOnEveryCall(t *testing.T) {
	frozen := map[string]any{"code": "10007", "msg": "用户已冻结"}
	mux, c := setup(t)
	calls := 0
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) { calls++; writeJSON(w, 200, frozen) })
	mux.HandleFunc("/ai/openapi/v2/instance-service/x/detail", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, frozen) })
	if _, err := c.ListInstances(context.Background(), ListOptions{}); !IsFrozen(err) || calls != 1 {
		t.Errorf("list: err %v after %d calls, want frozen after 1", err, calls)
	}
	if _, err := c.Instance(context.Background(), "x"); !IsFrozen(err) {
		t.Errorf("detail: err %v, want frozen", err)
	}

	login := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, frozen) }))
	defer login.Close()
	creds := newCreds(t, CredentialsConfig{User: testUser, AccessKey: testAK, SecretKey: testSK, AuthBase: login.URL, ACBase: login.URL})
	cl, err := New(login.URL, WithTokenSource(creds))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.ListInstances(context.Background(), ListOptions{}); !IsFrozen(err) {
		t.Errorf("login: err %v, want frozen", err)
	}
}
