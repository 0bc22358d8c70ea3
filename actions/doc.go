// Package actions carries out restart, stop and delete of SCNet instances
// for the Slack users allowed to act: each one confirmed first (Slack's
// confirm dialog for restart and stop, a modal where the name is typed for
// delete), sent to SCNet at most once whatever Slack re-delivers or people
// click twice, and recorded in the log, a metric and the alert's thread.
//
// A confirmation is a record in the state store, not a property of the
// click: the button that acts carries a random nonce that the prompt
// created for one person, one instance and one action, and the click is
// refused unless that record is still pending. A payload that skips the
// prompt has no nonce, so it cannot act.
//
// Everything answered to the person who clicked or typed is in that
// person's language, the printer the bot put in the request's context
// (i18n.NewContext); a confirmation is answered in the language of whoever
// confirms it, not the one it was asked in. What goes into a channel (an
// alert's buttons, the details of the alert's thread line) is in
// BOT_LANGUAGE (Config.Printer). The audit log and the details kept in the
// store stay English, for the operators.
package actions
