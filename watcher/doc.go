// Package watcher polls SCNet on its own, one Watcher per region, and turns instances that move into
// an alert status (Failed, Terminated by default) into one alert per
// incident, queued in the state store for delivery. It decides which
// incidents exist; what their messages say is a Renderer's job (package
// alerts), called with plain types, so no Slack package is imported here.
//
// A poll costs what the live instances cost, not history: it pages through
// Waiting, Deploying and Running in full, reads the alert statuses only back
// to the last successful poll (which catches an instance created and failed
// in between), and looks up by id each tracked live instance the listings no
// longer show. A poll SCNet did not answer in full (or within OutageAfter)
// changes nothing; only a successful lookup answering "not found", or a
// complete listing of the instance's name without it, counts as deleted. A
// lookup SCNet answers without settling either way leaves that one instance
// as it was and is asked again after FollowUpEvery. Everything one poll
// decides is written in one store transaction together with the messages
// announcing it, which the deliverer then sends.
//
// Each region's Watcher has its own poll loop and its own part of the store
// (state.Namespace; Config.Region), and tags its alert ids with the region,
// so an outage or a slow SCNet in one region does not hold up the others,
// and the one outbox keeps a single order per channel. A Group holds them
// for what spans regions: Health, snoozes by name, and finding the watcher
// an alert button belongs to.
//
// An incident ends when its instance runs again, finishes or is deleted,
// or when somebody presses Resolve (Watcher.Resolve); its status line then
// says after how long and why, naming the restart that brought it back
// when one was recorded. Actions people take from Slack are told to the
// watcher (Group.RecordAction): they go in the alert's thread, and a stop
// or delete started is expected for 15 minutes, so its effect is news and
// not a new alert. An instance that fails again within FlapWindow of its
// incident's end reopens that incident with a count (flapping). An open
// alert nobody acknowledged within EscalateAfter gets one reply mentioning
// EscalateMention, and a live instance whose time limit is close gets one
// warning (ExpiryWarn); both are recorded in the store, so a restart
// neither repeats nor loses them.
//
// An AccountCheck, one for all regions, watches the account itself (its
// status and balance from SCNet's user endpoint) and warns once per
// episode of trouble, before instances fail for lack of funds.
//
// The words the watcher writes into thread lines and status lines are in
// the channel's language, BOT_LANGUAGE, which its Renderer's Printer
// writes. Status lines are stored as written: after a change of
// BOT_LANGUAGE the older ones stay in the language they were written in,
// which is what the channel showed at the time.
package watcher
