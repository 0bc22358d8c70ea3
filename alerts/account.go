package alerts

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/i18n"
	"scnetbot/scnet"
	"scnetbot/watcher"
)

// AccountWarning implements watcher.AccountRenderer. The warning names what
// SCNet said about the account (its status, its balance, or code 10007) and
// the regions whose polls SCNet refuses with 10007: the account is one for
// every region, so one warning says both, not one notice per region.
func (r *Renderer) AccountWarning(p watcher.AccountProblem) (string, json.RawMessage) {
	return renderAccountWarning(r.p, p)
}

// AccountPollsOK implements watcher.AccountRenderer.
func (r *Renderer) AccountPollsOK() (string, json.RawMessage) {
	text := r.p.T("AlertAccountPollsOK")
	return text, encodeBlocks(slack.NewSectionBlock(mrkdwn(":white_check_mark: "+text), nil, nil))
}

// AccountOK implements watcher.AccountRenderer.
func (r *Renderer) AccountOK(a scnet.Account) (string, json.RawMessage) {
	return renderAccountOK(r.p, a)
}

var _ watcher.AccountRenderer = (*Renderer)(nil)

func renderAccountWarning(p *i18n.Printer, pr watcher.AccountProblem) (string, json.RawMessage) {
	emoji, title := ":no_entry:", p.T("AlertAccountFrozen")
	switch pr.Reason {
	case watcher.AccountStatus:
		title = p.T("AlertAccountStatus")
	case watcher.AccountArrears:
		title = p.T("AlertAccountArrears")
	case watcher.AccountLowBalance:
		emoji, title = ":warning:", p.T("AlertAccountLow")
	}
	text := p.T("AlertAccountTitle", "Title", title) + accountBody(p, pr, func(s string) string { return s }) + refusedClause(p, pr)
	body := emoji + " " + p.T("AlertAccountTitleBold", "Title", title) + accountBody(p, pr, func(s string) string { return "*" + s + "*" }) + refusedClause(p, pr)
	return text, encodeBlocks(slack.NewSectionBlock(mrkdwn(body), nil, nil))
}

// accountBody says what SCNet said and what to do, with SCNet's texts
// escaped; bold marks the amounts (identity for the fallback text). SCNet's
// texts are quoted, not bold, so a "*" in them cannot break the markup.
func accountBody(p *i18n.Printer, pr watcher.AccountProblem, bold func(string) string) string {
	a := pr.Account
	acct := p.T("AlertAccountSubject")
	if a.AccountName != "" {
		acct = p.T("AlertAccountSubjectNamed", "Name", blockkit.EscapeTruncate(a.AccountName, maxNameChars))
	}
	switch pr.Reason {
	case watcher.AccountFrozen:
		if len(pr.Refused) > 0 {
			return p.T("AlertAccountFrozenRefused", "Regions", regionList(p, pr.Refused))
		}
		return p.T("AlertAccountFrozenBody")
	case watcher.AccountStatus:
		return p.T("AlertAccountStatusBody", "Account", acct, "Status", blockkit.EscapeTruncate(orDash(a.Status), maxNameChars), "Balance", balanceClause(p, a))
	case watcher.AccountArrears:
		return p.T("AlertAccountArrearsBody", "Account", acct, "Balance", bold(money(a.Balance)))
	default:
		return p.T("AlertAccountLowBody", "Account", acct, "Balance", bold(money(a.Balance)), "Below", money(pr.Below))
	}
}

// refusedClause adds, to a warning about the money, the regions whose
// polls SCNet refuses with code 10007.
func refusedClause(p *i18n.Printer, pr watcher.AccountProblem) string {
	if len(pr.Refused) == 0 || pr.Reason == watcher.AccountFrozen {
		return ""
	}
	return p.T("AlertAccountRefused", "Regions", regionList(p, pr.Refused))
}

// regionList is the region names, escaped and joined.
func regionList(p *i18n.Printer, names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = blockkit.EscapeTruncate(n, maxNameChars)
	}
	return p.Join(out)
}

func renderAccountOK(p *i18n.Printer, a scnet.Account) (string, json.RawMessage) {
	text := p.T("AlertAccountOK", "Status", blockkit.EscapeTruncate(orDash(a.Status), maxNameChars), "Balance", balanceClause(p, a))
	return text, encodeBlocks(slack.NewSectionBlock(mrkdwn(":white_check_mark: "+text), nil, nil))
}

// balanceClause is ", balance 3.10" when SCNet gave the balance.
func balanceClause(p *i18n.Printer, a scnet.Account) string {
	if !a.BalanceKnown {
		return ""
	}
	return p.T("AlertBalance", "Balance", money(a.Balance))
}

// money writes an amount as SCNet does, with two decimals and no currency
// (SCNet's page names none), rounded down so that a balance just below the
// threshold never reads as the threshold itself.
func money(v float64) string { return strconv.FormatFloat(math.Floor(v*100)/100, 'f', 2, 64) }
