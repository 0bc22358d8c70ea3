package i18n

import "time"

// Duration writes d with its two largest units, the house format for an
// elapsed time read at a glance: "3h 4m", "2d 5h", "45s" in English,
// "3小时4分", "2天5小时", "45秒" in Chinese.
func (p *Printer) Duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	days := int64(d / (24 * time.Hour))
	hours := int64(d / time.Hour % 24)
	mins := int64(d / time.Minute % 60)
	switch {
	case days > 0:
		return p.T("UnitDays", "N", days) + p.sep() + p.T("UnitHours", "N", hours)
	case hours > 0:
		return p.T("UnitHours", "N", hours) + p.sep() + p.T("UnitMinutes", "N", mins)
	case mins > 0:
		return p.T("UnitMinutes", "N", mins)
	}
	return p.T("UnitSeconds", "N", int64(d/time.Second))
}
