// Package home keeps each viewer's App Home tab showing the state of
// things: instance counts by status and region, the open incidents with
// their age and who acknowledged them, the active snoozes and the
// watcher's health.
//
// Render is a pure function of an Overview; Service publishes it
// (views.publish) when a user opens the tab and again, for viewers who
// opened it recently, whenever the Overview changes, within Slack's rate
// limits. A StoreSource builds the Overview from the state store and the
// watcher's health.
package home
