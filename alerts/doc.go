// Package alerts is the Slack side of the watcher: it renders the messages
// the watcher queues (alerts, storm summaries, outage and recovery notices,
// token warnings, the baseline summary) and answers the alert buttons
// (acknowledge, snooze, details).
//
// The watcher decides which incidents exist and calls a Renderer through
// the plain watcher.Renderer interface, so it never sees Slack; Buttons
// calls back into the *watcher.Watcher to record what a click decided.
//
// Everything posted to the channel is written in BOT_LANGUAGE
// (Config.Printer): one message for everyone who reads the channel. What
// a button answers privately is written in the clicker's language, the
// printer the bot put in the click's context.
package alerts
