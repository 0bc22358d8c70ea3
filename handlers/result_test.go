package handlers

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/slack-go/slack"

	"scnetbot/metrics"
	"scnetbot/scnet"
	"scnetbot/tracked"
)

func TestResultOf(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, "ok"},
		{errUserNotAllowed, "denied"},
		{errChannelNotAllowed, "denied"},
		{&InputError{Code: CodeTooLong}, "bad_input"},
		{errStaleButton, "bad_input"},
		{&tracked.AmbiguousError{Name: "x"}, "bad_input"},
		{withID(scnet.ErrNotFound, "abc"), "not_found"},
		{withID(&scnet.APIError{Code: scnet.CodeInvalidParams}, "abc"), "not_found"},
		{withTarget(&scnet.APIError{Code: scnet.CodeInvalidParams}, "abc"), "scnet_error"},
		{fmt.Errorf("snooze: %w", tracked.ErrUnknownInstance), "not_found"},
		{&scnet.APIError{Code: scnet.CodeUserFrozen}, "scnet_error"},
		{&slowError{err: context.DeadlineExceeded}, "scnet_error"},
		{errors.New("connection refused"), "scnet_error"},
	}
	for _, tt := range tests {
		if got := resultOf(tt.err); got != tt.want {
			t.Errorf("resultOf(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestCommandsCountedByResult(t *testing.T) {
	m := metrics.New()
	h := New(oneRegion(nil), Config{AllowedUsers: []string{"UOK"}, Metrics: m})
	h.Command(context.Background(), slack.SlashCommand{UserID: "UNO", Text: "running"})
	h.Command(context.Background(), slack.SlashCommand{UserID: "UOK", Text: "page 0"})
	h.Command(context.Background(), slack.SlashCommand{UserID: "UOK", Text: "help"})
	for result, want := range map[string]float64{"denied": 1, "bad_input": 1, "ok": 1, "scnet_error": 0} {
		if got := testutil.ToFloat64(m.Commands.WithLabelValues("command", result)); got != want {
			t.Errorf("commands{command,%s} = %v, want %v", result, got, want)
		}
	}
}
