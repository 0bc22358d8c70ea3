package actions

import "scnetbot/i18n"

// english is the printer of the messages not yet written in the reader's
// language (issue 13 moves each of them to a printer of its own).
func english() *i18n.Printer { return i18n.MustLoad().Printer(i18n.English) }
