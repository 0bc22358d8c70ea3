package alerts

import (
	"strings"
	"testing"

	"scnetbot/i18n"
	"scnetbot/scnet"
	"scnetbot/watcher"
)

// TestRenderAccountGolden: the account warning for each reason and the
// recovery reply, with a hostile account name and status from SCNet.
func TestRenderAccountGolden(t *testing.T) { inEach(t, testRenderAccountGolden) }

func testRenderAccountGolden(t *testing.T, p *i18n.Printer) {
	r := goldenWatcherIn(p)
	hostile := scnet.Account{AccountName: "<!channel> ops & *team*", Status: "<@U1> 欠费", Balance: 3.1, BalanceKnown: true}
	for _, tt := range []struct {
		name string
		p    watcher.AccountProblem
	}{
		{"account_frozen", watcher.AccountProblem{Reason: watcher.AccountFrozen}},
		{"account_status", watcher.AccountProblem{Reason: watcher.AccountStatus, Account: hostile}},
		{"account_arrears", watcher.AccountProblem{Reason: watcher.AccountArrears,
			Account: scnet.Account{AccountName: "ops", Status: "Normal", Balance: -12.5, BalanceKnown: true}}},
		{"account_low", watcher.AccountProblem{Reason: watcher.AccountLowBalance, Below: 100,
			Account: scnet.Account{Status: "Normal", Balance: 42, BalanceKnown: true}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text, blocks := r.AccountWarning(tt.p)
			assertGolden(t, goldenName(tt.name, p), text, blocks)
		})
	}
	text, blocks := r.AccountOK(scnet.Account{Status: "Normal", Balance: 500, BalanceKnown: true})
	assertGolden(t, goldenName("account_ok", p), text, blocks)
}

// TestRenderAccountText: the warning says what SCNet said, names no
// region, carries no mention, and escapes SCNet's texts in both the
// fallback text and the blocks.
func TestRenderAccountText(t *testing.T) {
	r := goldenWatcher()
	tests := []struct {
		p    watcher.AccountProblem
		want []string
	}{
		{watcher.AccountProblem{Reason: watcher.AccountFrozen}, []string{"SCNet account frozen", "code 10007"}},
		{watcher.AccountProblem{Reason: watcher.AccountStatus, Account: scnet.Account{AccountName: "a<b>", Status: "Frozen"}},
			[]string{"not in good standing", "a&lt;b&gt;", "Frozen", "not Normal"}},
		{watcher.AccountProblem{Reason: watcher.AccountStatus, Account: scnet.Account{Status: "Arrears", Balance: 3.1, BalanceKnown: true}},
			[]string{"Arrears", "balance 3.10"}},
		{watcher.AccountProblem{Reason: watcher.AccountArrears, Account: scnet.Account{Balance: -0.5, BalanceKnown: true}},
			[]string{"in arrears", "-0.50"}},
		{watcher.AccountProblem{Reason: watcher.AccountLowBalance, Below: 100, Account: scnet.Account{Balance: 99.999, BalanceKnown: true}},
			[]string{"balance low", "99.99 left", "WATCH_BALANCE_BELOW (100.00)"}},
	}
	for _, tt := range tests {
		text, blocks := r.AccountWarning(tt.p)
		for _, s := range [][]byte{[]byte(text), blocks} {
			got := strings.ReplaceAll(strings.ReplaceAll(string(s), `\u0026`, "&"), "*", "")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("%s: %q lacks %q", tt.p.Reason, got, w)
				}
			}
			for _, bad := range []string{"<!", "<@", "subteam", " in 西北", "region"} {
				if strings.Contains(got, bad) {
					t.Errorf("%s: %q contains %q", tt.p.Reason, got, bad)
				}
			}
		}
	}
}

// TestRenderAccountRefused: the one warning lists, escaped, the regions
// whose polls SCNet refuses with 10007, whatever the account endpoint
// said, and the reply for polls answered again says so.
func TestRenderAccountRefused(t *testing.T) {
	r := goldenWatcher()
	for _, p := range []watcher.AccountProblem{
		{Reason: watcher.AccountFrozen, Refused: []string{"华东一区", "西北<一>区"}},
		{Reason: watcher.AccountArrears, Account: scnet.Account{Balance: -1, BalanceKnown: true}, Refused: []string{"华东一区", "西北<一>区"}},
	} {
		text, blocks := r.AccountWarning(p)
		for _, s := range []string{text, strings.ReplaceAll(string(blocks), `\u0026`, "&")} {
			if !strings.Contains(s, "refuses the polls in 华东一区, 西北&lt;一&gt;区 with code 10007") {
				t.Errorf("%s: %q does not list the refused regions", p.Reason, s)
			}
		}
	}
	if text, _ := r.AccountPollsOK(); !strings.Contains(text, "every region") {
		t.Errorf("polls answered again: %q", text)
	}
}
