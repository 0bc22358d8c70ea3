package handlers

import (
	"strconv"
	"time"

	"github.com/slack-go/slack"
)

// usageHint is the one-line reminder shown under input errors.
const usageHint = "Usage: `/instances [status] [task type] [name words] [region:&lt;name&gt;] [page N]`, `/instances &lt;id&gt;`, `/instances regions`, `/instances watch`, `/instances snooze &lt;name|id&gt; &lt;duration&gt;`, `/instances unsnooze &lt;name|id&gt;`, `/instances restart|stop|delete &lt;name|id&gt;`. `/instances help` explains more."

// freshness says how old a reply's results may be; a negative ttl is no
// cache.
func freshness(ttl time.Duration) string {
	if ttl < 0 {
		return "Every reply asks SCNet afresh."
	}
	return "Results may be up to " + humanDuration(ttl) + " old; *Refresh* asks SCNet again."
}

// helpMessage is the full usage with examples; ttl is how old a cached
// result may be.
func helpMessage(ttl time.Duration) *slack.WebhookMessage {
	return message("How to use /instances: "+usageHint,
		slack.NewHeaderBlock(plain("How to use /instances", 150)),
		section("*List instances*\n`/instances [status] [task type] [name words] [region:&lt;name&gt;] [page N]`, words in any order and letter case.\n"+
			"• status: `waiting`, `deploying`, `running`, `completed`, `failed`, `terminated`\n"+
			"• task type: `ssh`, `jupyter`, `codeserver`, `rstudio`\n"+
			"• any other word searches instance names; write `name:&lt;word&gt;` for a name that reads as a keyword (`name:help`)\n"+
			"• `region:&lt;name&gt;` asks one SCNet region; the start of its name is enough (`region:西北`). Without it every region is asked and the rows are merged\n"+
			"• `page N` picks a page of "+strconv.Itoa(PageSize)+" (the Prev/Next buttons do the same)\n"+
			"With no filter the reply starts with the number of instances in each status (and region)."),
		section("*Examples*\n"+
			"• `/instances` — everything, newest created first, with a status summary\n"+
			"• `/instances running ssh` — running SSH instances\n"+
			"• `/instances ssh failed` — failed SSH instances, the latest failure first (so are `terminated` and `completed`)\n"+
			"• `/instances train-llm` — instances whose name matches “train-llm”\n"+
			"• `/instances Running SSH page 2` — the second page"),
		section("*One instance*\n`/instances &lt;id&gt;` shows everything about one instance, looked up in every region. An id is the 32 hexadecimal digits SCNet gives each instance (e.g. `0123456789abcdef0123456789abcdef`); any other word is read as a name."),
		section("*Regions*\n`/instances regions` lists the SCNet regions with whether each answered, when its token expires and its last poll, and the regions the account is suspended in."),
		section("*Alerts*\n"+
			"• `/instances watch` — is the alert watcher healthy, and what is snoozed\n"+
			"• `/instances snooze &lt;name|id&gt; &lt;duration&gt;` — no alerts for that instance for a while: `90m`, `4h`, `24h`, `2d` (1m to 7d)\n"+
			"• `/instances unsnooze &lt;name|id&gt;` — alerts again"),
		section("*Actions*\n"+
			"• `/instances restart &lt;name|id&gt;` — start a failed or stopped instance again\n"+
			"• `/instances stop &lt;name|id&gt;` — stop a live one\n"+
			"• `/instances delete &lt;name|id&gt;` — delete one for good: you type its name to confirm\n"+
			"Each asks you to confirm first; the details view and alerts have the same buttons. The name or id is one word: for a name with spaces, use the id. "+
			"Only the people in ACTION_USERS or in the ACTION_USERGROUP user group may act; with neither set, actions are off. Everyone else reads as before."),
		contextLine("Replies are visible only to you; the *Share to channel* button posts one for everyone. "+freshness(ttl)),
	)
}
