package watcher

import (
	"errors"
	"fmt"
	"testing"

	"scnetbot/scnet"
)

// TestJudgeAccount: what each answer of the account endpoint calls for.
func TestJudgeAccount(t *testing.T) {
	hundred := 100.0
	frozen := fmt.Errorf("describe scnet account: %w", &scnet.APIError{Code: scnet.CodeUserFrozen, Msg: "用户已被冻结"})
	acct := func(status string, balance float64, known bool) *scnet.Account {
		return &scnet.Account{AccountName: "ops", Status: status, Balance: balance, BalanceKnown: known}
	}
	tests := []struct {
		name  string
		a     *scnet.Account
		err   error
		below *float64
		want  AccountReason // "" for fine
		known bool
	}{
		{"normal", acct("Normal", 500, true), nil, &hundred, "", true},
		{"normal, no threshold", acct("Normal", 1, true), nil, nil, "", true},
		{"trial", acct("Trial", 0, true), nil, &hundred, AccountLowBalance, true},
		{"trial, no threshold", acct("trial", 0, true), nil, nil, "", true},
		{"frozen by code 10007", nil, frozen, &hundred, AccountFrozen, true},
		{"undocumented status", acct("Frozen", 500, true), nil, nil, AccountStatus, true},
		{"empty status", acct("", 500, true), nil, nil, AccountStatus, true},
		{"status wins over arrears", acct("Arrears", -3, true), nil, &hundred, AccountStatus, true},
		{"arrears", acct("Normal", -0.01, true), nil, nil, AccountArrears, true},
		{"arrears wins over low balance", acct("Normal", -5, true), nil, &hundred, AccountArrears, true},
		{"below threshold", acct("Normal", 99.99, true), nil, &hundred, AccountLowBalance, true},
		{"at threshold", acct("Normal", 100, true), nil, &hundred, "", true},
		{"unknown balance", acct("Normal", 0, false), nil, &hundred, "", true},
		{"endpoint failing", nil, errors.New("describe scnet account: 502 Bad Gateway"), &hundred, "", false},
		{"other SCNet code", nil, &scnet.APIError{Code: "10001"}, &hundred, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, known := judgeAccount(tt.a, tt.err, tt.below)
			var got AccountReason
			if p != nil {
				got = p.Reason
			}
			if got != tt.want || known != tt.known {
				t.Fatalf("judgeAccount = %q, known %v; want %q, known %v", got, known, tt.want, tt.known)
			}
			if p != nil && tt.a != nil && p.Account != *tt.a {
				t.Errorf("problem carries %+v, want SCNet's %+v", p.Account, *tt.a)
			}
			if p != nil && p.Reason == AccountLowBalance && p.Below != *tt.below {
				t.Errorf("Below = %v", p.Below)
			}
		})
	}
}
