package alerts

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/scnet"
	"scnetbot/watcher"
)

// AccountWarning implements watcher.AccountRenderer. The warning names what
// SCNet said about the account (its status, its balance, or code 10007 on
// the account endpoint) and no region: the account is one for every
// region. A region whose polls SCNet refuses with 10007 says so in its own
// notice (Frozen), which is about that region's watching, not the money.
func (r *Renderer) AccountWarning(p watcher.AccountProblem) (string, json.RawMessage) {
	return renderAccountWarning(p)
}

// AccountOK implements watcher.AccountRenderer.
func (r *Renderer) AccountOK(a scnet.Account) (string, json.RawMessage) { return renderAccountOK(a) }

var _ watcher.AccountRenderer = (*Renderer)(nil)

func renderAccountWarning(p watcher.AccountProblem) (string, json.RawMessage) {
	emoji, title := ":no_entry:", "SCNet account frozen"
	switch p.Reason {
	case watcher.AccountStatus:
		title = "SCNet account not in good standing"
	case watcher.AccountArrears:
		title = "SCNet account in arrears"
	case watcher.AccountLowBalance:
		emoji, title = ":warning:", "SCNet account balance low"
	}
	text := title + ". " + accountBody(p, func(s string) string { return s })
	return text, encodeBlocks(slack.NewSectionBlock(mrkdwn(emoji+" *"+title+".* "+accountBody(p, func(s string) string { return "*" + s + "*" })), nil, nil))
}

// accountBody says what SCNet said and what to do, with SCNet's texts
// escaped; bold marks the amounts (identity for the fallback text). SCNet's
// texts are quoted, not bold, so a "*" in them cannot break the markup.
func accountBody(p watcher.AccountProblem, bold func(string) string) string {
	a := p.Account
	acct := "The account"
	if a.AccountName != "" {
		acct = "Account “" + blockkit.EscapeTruncate(a.AccountName, maxNameChars) + "”"
	}
	switch p.Reason {
	case watcher.AccountFrozen:
		return "SCNet answers the account endpoint with code 10007 (user frozen): instances stop and cannot start until the account is paid or unfrozen. Pay the arrears or ask SCNet support."
	case watcher.AccountStatus:
		return acct + " has status “" + blockkit.EscapeTruncate(orDash(a.Status), maxNameChars) + "” at SCNet, not Normal" + balanceClause(a) +
			": instances may stop or fail to start. Pay the arrears or ask SCNet support."
	case watcher.AccountArrears:
		return acct + " has a balance of " + bold(money(a.Balance)) + ": instances stop for lack of funds. Top it up."
	default:
		return acct + " has " + bold(money(a.Balance)) + " left, below WATCH_BALANCE_BELOW (" + money(p.Below) +
			"): top it up before instances stop for lack of funds."
	}
}

func renderAccountOK(a scnet.Account) (string, json.RawMessage) {
	text := "SCNet reports the account fine again: status " + blockkit.EscapeTruncate(orDash(a.Status), maxNameChars) + balanceClause(a) + "."
	return text, encodeBlocks(slack.NewSectionBlock(mrkdwn(":white_check_mark: "+text), nil, nil))
}

// balanceClause is ", balance 3.10" when SCNet gave the balance.
func balanceClause(a scnet.Account) string {
	if !a.BalanceKnown {
		return ""
	}
	return ", balance " + money(a.Balance)
}

// money writes an amount as SCNet does, with two decimals and no currency
// (SCNet's page names none), rounded down so that a balance just below the
// threshold never reads as the threshold itself.
func money(v float64) string { return strconv.FormatFloat(math.Floor(v*100)/100, 'f', 2, 64) }
