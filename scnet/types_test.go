package scnet

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseStatusAndTaskType(t *testing.T) {
	tests := []struct {
		in      string
		want    Status
		wantErr bool
	}{
		{"failed", StatusFailed, false}, {"RUNNING", StatusRunning, false}, {"Waiting", StatusWaiting, false},
		{"gone", "", true}, {"", "", true},
	}
	for _, tt := range tests {
		got, err := ParseStatus(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseStatus(%q) = %q, %v", tt.in, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "Deploying") {
			t.Errorf("error %q does not list the valid statuses", err)
		}
	}
	if tt, err := ParseTaskType("CodeServer"); tt != TaskCodeServer || err != nil {
		t.Errorf("ParseTaskType(CodeServer) = %q, %v", tt, err)
	}
	if _, err := ParseTaskType("vnc"); err == nil || !strings.Contains(err.Error(), "rstudio") {
		t.Errorf("ParseTaskType(vnc) error = %v", err)
	}
	for _, s := range Statuses() {
		if s.Live() == s.Terminal() {
			t.Errorf("%s: Live and Terminal must be opposites", s)
		}
	}
	if !StatusFailed.Terminal() || !StatusDeploying.Live() {
		t.Error("Failed is terminal and Deploying is live")
	}
}

func TestEscapedNumbersAndTimes(t *testing.T) {
	var n FlexInt
	if err := json.Unmarshal([]byte(`"\u0034\u0032"`), &n); err != nil || n != 42 {
		t.Errorf("escaped FlexInt = %d, %v", n, err)
	}
	var tm Time
	if err := json.Unmarshal([]byte(`"2022-04-20\u002016:16:14"`), &tm); err != nil || tm.IsZero() {
		t.Errorf("escaped Time = %v, %v", tm, err)
	}
}

func TestClientAIBase(t *testing.T) {
	c, err := New("https://ai.example.com/", WithTokenSource(StaticToken("t")))
	if err != nil || c.AIBase() != "https://ai.example.com/ai" {
		t.Errorf("AIBase = %q, %v", c.AIBase(), err)
	}
}
