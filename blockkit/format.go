package blockkit

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"scnetbot/i18n"
	"scnetbot/scnet"
)

// scnetbot's house format for instance data, shared by the /instances
// replies and the alerts: sizes in GB, durations as "4d 12h", SCNet's
// Chinese specs and durations read into the same words, times in the
// display zone. Every function returns mrkdwn-safe text.

// None is shown for a value SCNet left empty (or sent as "--").
const None = "—"

// maxLinkURL bounds a shown access URL so ten ports fit in one section.
const maxLinkURL = 180

// StatusEmoji is the emoji shown before a status.
func StatusEmoji(s scnet.Status) string {
	switch s {
	case scnet.StatusRunning:
		return ":large_green_circle:"
	case scnet.StatusWaiting, scnet.StatusDeploying:
		return ":hourglass_flowing_sand:"
	case scnet.StatusCompleted:
		return ":white_check_mark:"
	case scnet.StatusFailed:
		return ":red_circle:"
	case scnet.StatusTerminated:
		return ":black_square_for_stop:"
	}
	return ":grey_question:"
}

// StatusText is a status as shown in p's language; one SCNet never
// documented is shown as sent, escaped.
func StatusText(p *i18n.Printer, s scnet.Status) string {
	switch s {
	case "":
		return p.T("StatusUnknown")
	case scnet.StatusRunning:
		return p.T("StatusRunning")
	case scnet.StatusWaiting:
		return p.T("StatusWaiting")
	case scnet.StatusDeploying:
		return p.T("StatusDeploying")
	case scnet.StatusCompleted:
		return p.T("StatusCompleted")
	case scnet.StatusFailed:
		return p.T("StatusFailed")
	case scnet.StatusTerminated:
		return p.T("StatusTerminated")
	}
	return EscapeTruncate(string(s), 30)
}

// Value escapes and bounds a user-controlled value, None when empty.
func Value(s string, max int) string {
	s = strings.TrimSpace(s)
	if s == "" || s == "--" {
		return None
	}
	return EscapeTruncate(s, max)
}

// Clock writes a time in loc, None when SCNet sent none.
func Clock(t scnet.Time, loc *time.Location) string {
	if t.IsZero() {
		return None
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

// Times are written in the display zone and named by their UTC offset,
// "UTC+08:00", once in each reply's context line and in full where a time
// stands alone, like a snooze's end or an alert's. Not by abbreviation:
// "CST" is China, US Central or Cuba. Not with Slack's <!date^…> token
// either, though it would show each reader their own zone: it does not
// render in plain_text (headers, button labels), in the notification text,
// or in the terminal demo, and a message would then mix zones. Rows add
// "(3m ago)", which reads the same in every zone.

// UTCOffset writes t's offset from UTC: "UTC+08:00", "UTC-05:30".
func UTCOffset(t time.Time) string {
	_, off := t.Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	return fmt.Sprintf("UTC%s%02d:%02d", sign, off/3600, off%3600/60)
}

// ZoneNote names the display zone for a context line: its offset now, and
// its IANA name when it has one (a fixed zone's name is only an
// abbreviation, which says nothing the offset does not): "times in
// UTC+08:00 (Asia/Shanghai)".
func ZoneNote(p *i18n.Printer, now time.Time, loc *time.Location) string {
	off := UTCOffset(now.In(loc))
	if name := loc.String(); strings.Contains(name, "/") {
		return p.T("KitZoneNoteNamed", "Offset", off, "Zone", name)
	}
	return p.T("KitZoneNote", "Offset", off)
}

// Stamp writes a time that stands alone in a sentence, in loc with its
// offset: "2026-11-25 18:24 UTC+08:00"; None for the zero time.
func Stamp(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return None
	}
	t = t.In(loc)
	return t.Format("2006-01-02 15:04") + " " + UTCOffset(t)
}

// ShortDuration writes d in Go's duration syntax without zero units: "4h",
// "1h30m", "45s". time.ParseDuration reads it back, so a command can echo
// a duration its user may type again. Both UIs write settings and short
// spans this way; i18n.Printer.Duration is for elapsed times read at a
// glance.
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// RoundDuration is ShortDuration to the second under a minute and to the
// minute above: "45s", "2m", "12h", "1h30m". A notice says how long
// something lasted; seconds past the first minute are noise.
func RoundDuration(d time.Duration) string {
	if d < time.Minute {
		return ShortDuration(d.Round(time.Second))
	}
	return ShortDuration(d.Round(time.Minute))
}

// scnetDuration matches how SCNet's console writes a duration: "4天12小时1分".
var scnetDuration = regexp.MustCompile(`^(?:(\d{1,6})天)?(?:(\d{1,6})小时)?(?:(\d{1,6})分(?:钟)?)?(?:(\d{1,6})秒)?$`)

// ParseSCNetDuration reads a duration as SCNet writes it ("4天12小时1分",
// "45分") or in Go's syntax ("72h"); false for anything else ("--",
// "unlimited").
func ParseSCNetDuration(s string) (time.Duration, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if s == "" {
		return 0, false
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return d, true
	}
	m := scnetDuration.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second} {
		if m[i+1] != "" {
			n, _ := strconv.Atoi(m[i+1]) // at most six digits: no overflow
			d += time.Duration(n) * unit
		}
	}
	return d, true
}

// SCNetDuration writes one of SCNet's duration texts in the house format,
// "4天12小时1分" as "4d 12h" in English and "4天12小时" in Chinese; text it
// cannot read is shown as sent, escaped.
func SCNetDuration(p *i18n.Printer, s string, max int) string {
	if d, ok := ParseSCNetDuration(s); ok {
		return p.Duration(d)
	}
	// SCNet's word for a time limit that is not set.
	if strings.EqualFold(strings.TrimSpace(s), "unlimited") {
		return p.T("KitUnlimited")
	}
	return Value(s, max)
}

// RunTime is how long an instance has run: until its end when it ended,
// until now while it runs, and SCNet's own duration when there is no start
// time, or no end time for an instance that has ended, to compute from.
func RunTime(p *i18n.Printer, in *scnet.Instance, now time.Time) string {
	if in.StartTime.IsZero() || (in.EndTime.IsZero() && in.Status.Terminal()) {
		return SCNetDuration(p, in.Duration, 40)
	}
	end := now
	if !in.EndTime.IsZero() {
		end = in.EndTime.Time
	}
	return p.Duration(end.Sub(in.StartTime.Time))
}

// GB writes a size given in MB as GB: 30720 as "30".
func GB(mb float64) string {
	// In floating point, so that an absurd size cannot wrap negative.
	return strconv.FormatFloat(math.Trunc(mb*10/1024)/10, 'f', -1, 64)
}

// Resources writes "8 GPU · 32 CPU · 256 GB RAM" ("8 卡 · 32 核 · 256 GB
// 内存"), with the accelerator type (already escaped) after the GPU count
// when given: "8 GPU (DCU Z100) · …".
func Resources(p *i18n.Printer, in *scnet.Instance, accel string) string {
	gpu := p.T("KitGPUs", "N", int(in.GPUNumber))
	if accel != "" {
		gpu += " (" + accel + ")"
	}
	return gpu + " · " + p.T("KitCPUs", "N", int(in.CPUNumber)) + " · " + p.T("KitRAM", "GB", GB(float64(in.RAMSizeMB)))
}

// specPart matches one part of an SCNet resource spec: "6 核心",
// "2 加速器", "30.0G 内存".
var specPart = regexp.MustCompile(`^(\d{1,9}(?:\.\d{1,3})?)\s*([GMT]?)(?:i?B)?\s*(核心|核|加速器|卡|内存)$`)

// Spec writes SCNet's resource spec in the house format: "6 核心; 2 加速器;
// 30.0G 内存" as "6 CPU · 2 GPU · 30 GB RAM" in English and "6 核 · 2 卡 ·
// 30 GB 内存" in Chinese. A spec it cannot read whole is shown as sent,
// escaped.
func Spec(p *i18n.Printer, s string, max int) string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '；' || r == ',' || r == '，' })
	out := make([]string, 0, len(parts))
	for _, part := range parts {
		m := specPart.FindStringSubmatch(strings.TrimSpace(part))
		if m == nil {
			return Value(s, max)
		}
		n, _ := strconv.ParseFloat(m[1], 64) // the pattern admits only numbers
		switch m[3] {
		case "核心", "核":
			out = append(out, p.T("KitCPUs", "N", strconv.FormatFloat(n, 'f', -1, 64)))
		case "加速器", "卡":
			out = append(out, p.T("KitGPUs", "N", strconv.FormatFloat(n, 'f', -1, 64)))
		default:
			mb := n * 1024 // G, the unit SCNet writes
			switch m[2] {
			case "M":
				mb = n
			case "T":
				mb = n * 1024 * 1024
			}
			out = append(out, p.T("KitRAM", "GB", GB(mb)))
		}
	}
	if len(out) == 0 {
		return Value(s, max)
	}
	return strings.Join(out, " · ")
}

// SafeAccessURL is an http(s) access URL reduced to what may be shown:
// scheme, host, port and path. SCNet's access URLs can carry a login token
// in the query (a notebook's ?token=), and a URL may hold user:password@ or
// a fragment; all of that is dropped. "" when raw is not an http(s) URL
// with a host.
func SafeAccessURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.User, u.RawQuery, u.Fragment, u.RawFragment, u.ForceQuery, u.Opaque = nil, "", "", "", false, ""
	return u.String()
}

// AccessLink makes an http(s) access URL safe to show, as a mrkdwn link
// with label: no user info, query or fragment (a notebook URL's query can
// carry its login token); "" when the URL is not usable.
func AccessLink(raw, label string) string {
	clean := SafeAccessURL(raw)
	if clean == "" {
		return ""
	}
	// Slack decodes entities inside a link as well: "&" must be written
	// "&amp;" for the link to lead where SCNet said.
	s := strings.ReplaceAll(clean, "&", "&amp;")
	if len(s) > maxLinkURL || strings.ContainsAny(s, "|<> \t\n") {
		return ""
	}
	return "<" + s + "|" + label + ">"
}

// sshWord matches a host or login name that can be shown in a command:
// nothing a shell or mrkdwn would read as markup.
var sshWord = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// SSHCommand turns an ssh:// access URL into the command that opens it, in
// a code span: "`ssh -p 30001 root@ai01.scnet.cn`". The login name is kept,
// since the command needs it; a password, query or path is never shown. ""
// when the URL is not an ssh URL scnetbot can show safely.
func SSHCommand(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Scheme != "ssh" || !sshWord.MatchString(u.Hostname()) {
		return ""
	}
	cmd := "ssh "
	if p := u.Port(); p != "" && p != "22" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return ""
		}
		cmd += "-p " + p + " "
	}
	if name := u.User.Username(); name != "" {
		if !sshWord.MatchString(name) {
			return ""
		}
		cmd += name + "@"
	}
	return "`" + cmd + u.Hostname() + "`"
}
