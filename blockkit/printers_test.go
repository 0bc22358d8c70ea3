package blockkit

import "scnetbot/i18n"

// The printers the tests write with; the catalogs never change, so sharing
// them between tests is safe.
var (
	english = i18n.MustLoad().Printer(i18n.English)
	chinese = i18n.MustLoad().Printer(i18n.Chinese)
)
