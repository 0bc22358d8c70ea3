// Package watcher polls SCNet on its own and turns instances that move into
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
package watcher
