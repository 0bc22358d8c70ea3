package alerts

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/scnet"
	"scnetbot/watcher"
)

// AccountWarning implements watcher.AccountRenderer. The warning names what
// SCNet said about the account (its status, its balance, or code 10007) and
// the regions whose polls SCNet refuses with 10007: the account is one for
// every region, so one warning says both, not one notice per region.
func (r *Renderer) AccountWarning(p watcher.AccountProblem) (string, json.RawMessage) {
	return renderAccountWarning(p)
}

// AccountPollsOK implements watcher.AccountRenderer.
func (r *Renderer) AccountPollsOK() (string, json.RawMessage) {
	text := "SCNet answers the polls again in every region: the account is no longer refused."
	return text, encodeBlocks(slack.NewSectionBlock(mrkdwn(":white_check_mark: "+text), nil, nil))
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
	text := title + ". " + accountBody(p, func(s string) string { return s }) + refusedClause(p)
	return text, encodeBlocks(slack.NewSectionBlock(mrkdwn(emoji+" *"+title+".* "+accountBody(p, func(s string) string { return "*" + s + "*" })+refusedClause(p)), nil, nil))
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
		if len(p.Refused) > 0 {
			return "SCNet refuses the polls in " + regionList(p.Refused) + " with code 10007 (user frozen): no instance there is watched, and instances stop and cannot start until the account is paid or unfrozen. Pay the arrears or ask SCNet support."
		}
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

// refusedClause adds, to a warning about the money, the regions whose
// polls SCNet refuses with code 10007.
func refusedClause(p watcher.AccountProblem) string {
	if len(p.Refused) == 0 || p.Reason == watcher.AccountFrozen {
		return ""
	}
	return " SCNet refuses the polls in " + regionList(p.Refused) + " with code 10007 (user frozen): no instance there is watched."
}

// regionList is the region names, escaped and joined.
func regionList(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = blockkit.EscapeTruncate(n, maxNameChars)
	}
	return strings.Join(out, ", ")
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
