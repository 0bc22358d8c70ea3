package handlers

import (
	"strings"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/i18n"
	"scnetbot/scnet"
)

// usageHint is the one-line reminder shown under input errors.
func usageHint(p *i18n.Printer) string { return p.T("CmdUsageHint") }

// freshness says how old a reply's results may be; a negative ttl is no
// cache.
func (r renderer) freshness(ttl time.Duration) string {
	if ttl < 0 {
		return r.p.T("CmdHelpNoCache")
	}
	return r.p.T("CmdHelpCache", "TTL", r.duration(ttl))
}

// wordPair names a command word in both languages, the reader's first:
// "`failed` (`失败`)" or "`失败`（`failed`）".
func wordPair(p *i18n.Printer, en string, zh []string) string {
	if len(zh) == 0 {
		return "`" + en + "`"
	}
	return p.T("CmdHelpWordPair", "En", en, "Zh", strings.Join(zh, "` / `"))
}

// help is the full usage with examples, listing the words of both
// languages; ttl is how old a cached result may be.
func (r renderer) help(ttl time.Duration) *slack.WebhookMessage {
	p := r.p
	statuses := make([]string, 0, len(scnet.Statuses()))
	for _, st := range scnet.Statuses() {
		statuses = append(statuses, wordPair(p, statusWord(st), chineseStatus(st)))
	}
	types := make([]string, 0, len(scnet.TaskTypes()))
	for _, t := range scnet.TaskTypes() {
		types = append(types, "`"+string(t)+"`")
	}
	cmd := func(kw string) string { return wordPair(p, kw, chineseCommand(kw)) }
	return message(p.T("CmdHelpFallback", "Usage", usageHint(p)),
		slack.NewHeaderBlock(plain(p.T("CmdHelpTitle"), 150)),
		section(p.T("CmdHelpList", "Statuses", p.Join(statuses), "TaskTypes", p.JoinMarked(types), "PageSize", PageSize)),
		section(p.T("CmdHelpExamples")),
		section(p.T("CmdHelpOne")),
		section(p.T("CmdHelpRegions", "Regions", cmd("regions"))),
		section(p.T("CmdHelpAlerts", "Watch", cmd("watch"), "Snooze", cmd("snooze"), "Unsnooze", cmd("unsnooze"))),
		section(p.T("CmdHelpActions", "Restart", cmd("restart"), "Stop", cmd("stop"), "Delete", cmd("delete"))),
		section(p.T("CmdHelpHelp", "Help", cmd("help"))),
		contextLine(p.T("CmdHelpContext", "Freshness", r.freshness(ttl))),
	)
}
