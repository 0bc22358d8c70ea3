package scnettest

import (
	"context"
	"net/http"
	"testing"

	"scnetbot/scnet"
)

// TestAccountEndpoint: the user endpoint answers its knobs through the real
// client: the default account, a changed status and balance, a missing
// balance, 10007 while frozen, and gateway failures that do not touch the
// other endpoints.
func TestAccountEndpoint(t *testing.T) {
	s := New(WithRegions(DefaultRegions()...))
	defer s.Close()
	ctx := context.Background()
	ts := scnet.StaticToken(s.TokenFor(XianClusterID))
	describe := func() (*scnet.Account, error) { return scnet.DescribeAccount(ctx, nil, s.ACBaseURL(), ts) }

	a, err := describe()
	if err != nil || a.Status != "Normal" || !a.BalanceKnown || a.Balance != 1000 || a.AccountName != DefaultUser {
		t.Fatalf("default account = %+v, %v", a, err)
	}
	s.SetAccountStatus("Trial")
	s.SetAccountBalance("-12.50")
	if a, err = describe(); err != nil || a.Status != "Trial" || a.Balance != -12.5 || !a.InArrears() {
		t.Fatalf("changed account = %+v, %v", a, err)
	}
	s.SetAccount(Account{AccountName: "ops<team>", Status: "Normal"})
	if a, err = describe(); err != nil || a.BalanceKnown || a.AccountName != "ops<team>" {
		t.Fatalf("account without balance = %+v, %v", a, err)
	}
	s.SetAccountFrozen(true)
	if _, err = describe(); !scnet.IsFrozen(err) {
		t.Fatalf("frozen account: err = %v, want code 10007", err)
	}
	s.SetAccountFrozen(false)
	s.FailAccountNext(1, http.StatusBadGateway)
	if _, err = describe(); err == nil || scnet.IsFrozen(err) {
		t.Fatalf("failing endpoint: err = %v, want a gateway error", err)
	}
	if _, _, err := scnet.DescribeRegion(ctx, nil, s.ACBaseURL(), ts); err != nil {
		t.Fatalf("center while the user endpoint fails: %v", err)
	}
	if _, err = describe(); err != nil {
		t.Fatalf("after the failure: %v", err)
	}
}
