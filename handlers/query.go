package handlers

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"scnetbot/scnet"
	"scnetbot/tracked"
)

// Kind is what a parsed /instances command asks for.
type Kind int

// The commands /instances understands.
const (
	// KindList lists instances, filtered by status, task type and name words.
	KindList Kind = iota
	// KindHelp shows the full usage.
	KindHelp
	// KindDetails shows one instance, named by its id.
	KindDetails
	// KindWatch shows the watcher's health.
	KindWatch
	// KindSnooze silences alerts for one instance for a while.
	KindSnooze
	// KindUnsnooze lifts a snooze.
	KindUnsnooze
	// KindRegions lists the SCNet regions and how each is doing.
	KindRegions
	// KindAction restarts, stops or deletes one instance (Action says
	// which), after a confirmation the actions service asks for.
	KindAction
)

// Limits on what a user may type. Longer input is almost certainly a paste
// accident, and answering it with a query would only echo it back.
const (
	// MaxInputChars is the longest command text read, in characters.
	MaxInputChars = 200
	// MaxInputWords is the most words a command may have.
	MaxInputWords = 10
	// MaxPage bounds "page N" so the offset sent to SCNet stays sane.
	MaxPage = 1000
	// MinSnooze and MaxSnooze bound snooze durations: shorter is pointless,
	// longer is forgetting an instance rather than snoozing it.
	MinSnooze = time.Minute
	MaxSnooze = 7 * 24 * time.Hour
)

// namePrefix forces the rest of a word to be a name word, for names that
// would otherwise read as a keyword, status, task type or id ("name:help").
const namePrefix = "name:"

// regionPrefix picks the region of a list query: "region:西北" (a unique
// prefix of its name, its whole name or its id).
const regionPrefix = "region:"

// Query is a parsed /instances command.
type Query struct {
	Kind     Kind
	Status   scnet.Status   // KindList: "" means any status
	TaskType scnet.TaskType // KindList: "" means any task type
	// Words are the name words of a KindList query, in the order typed.
	Words []string
	// Page is the 1-based page of a KindList query; 0 means page 1.
	Page int
	// Region is the region word of a KindList query as typed (a name, a
	// prefix of one or an id); "" asks every region.
	Region string
	// ID is the instance id of a KindDetails query.
	ID string
	// Target is the instance name or id of a KindSnooze, KindUnsnooze or
	// KindAction query: one word, as typed.
	Target string
	// Action is what a KindAction query does to Target.
	Action tracked.ActionKind
	// Duration is how long a KindSnooze query silences alerts.
	Duration time.Duration
}

// PageNumber is the 1-based page a list query asks for.
func (q Query) PageNumber() int {
	if q.Page < 1 {
		return 1
	}
	return q.Page
}

// Filtered reports whether a list query narrows the listing at all.
func (q Query) Filtered() bool {
	return q.Status != "" || q.TaskType != "" || len(q.Words) > 0
}

// Name is the name filter sent to SCNet: the name words joined by spaces.
func (q Query) Name() string { return strings.Join(q.Words, " ") }

// WithPage returns a copy of q on page p.
func (q Query) WithPage(p int) Query {
	q.Words = slices.Clone(q.Words)
	q.Page = p
	if q.Page <= 1 {
		q.Page = 0
	}
	return q
}

// Parse reads the text of an /instances command. It is pure: the same text
// always gives the same Query or the same *InputError.
//
// Words are separated by white space (the full-width space U+3000 too) and
// read in any order and letter case, in English or Chinese: "failed" and
// "失败", "help" and "帮助" (commandWord, statusOf). A word of exactly 32
// hexadecimal digits is an instance id (that is how SCNet writes ids, and
// instance names rarely look like that); an id asks for the details view
// and must stand alone. A name that would read as something else is written
// "name:<word>" (or "名称：<word>", the colon either width).
func Parse(text string) (Query, error) { return parse(text, MaxInputChars, MaxInputWords) }

// parseStored reads a query scnetbot wrote itself, in Query.String's
// canonical spelling (a button's value). That spelling is English, which
// can be longer than the Chinese a person typed ("失败" is "failed", "第2页"
// is "page 2"), so its bounds leave room for that: 8 more characters per
// word at most, and one more word.
func parseStored(text string) (Query, error) {
	return parse(text, MaxInputChars+8*MaxInputWords, MaxInputWords+1)
}

func parse(text string, maxChars, maxWords int) (Query, error) {
	if n := utf8.RuneCountInString(text); n > maxChars {
		return Query{}, inputError(CodeTooLong, "", "CmdInputTooLongChars", "N", n)
	}
	words := strings.Fields(text)
	if len(words) > maxWords {
		return Query{}, inputError(CodeTooLong, "", "CmdInputTooLongWords", "N", len(words))
	}
	if len(words) == 0 {
		return Query{Kind: KindList}, nil
	}
	first := strings.ToLower(words[0])
	switch commandWord(first) {
	case "help":
		if len(words) > 1 {
			return Query{}, inputError(CodeUsage, words[0], "CmdInputAlone", "Word", first)
		}
		return Query{Kind: KindHelp}, nil
	case "watch":
		if len(words) > 1 {
			return Query{}, inputError(CodeUsage, words[0], "CmdInputAlone", "Word", first)
		}
		return Query{Kind: KindWatch}, nil
	case "regions":
		if len(words) > 1 {
			return Query{}, inputError(CodeUsage, words[0], "CmdInputAlone", "Word", first)
		}
		return Query{Kind: KindRegions}, nil
	case "snooze":
		return parseSnooze(words)
	case "restart", "stop", "delete":
		return parseAction(words)
	case "unsnooze":
		if len(words) != 2 {
			return Query{}, inputError(CodeUsage, words[0], "CmdInputUnsnoozeUsage", "Word", first)
		}
		return Query{Kind: KindUnsnooze, Target: words[1]}, nil
	}
	if len(words) == 1 && isInstanceID(words[0]) {
		return Query{Kind: KindDetails, ID: words[0]}, nil
	}
	return parseList(words)
}

// commandWords are the English keywords that start a command.
func commandWords() []string {
	return []string{"help", "watch", "regions", "snooze", "unsnooze", "restart", "stop", "delete"}
}

// chineseCommand is the Chinese for keyword kw, the first as help shows it.
// "监控" (monitor) is watch; "告警" (alerts) is read as watch too, since
// that is what the watch reply is about.
func chineseCommand(kw string) []string {
	switch kw {
	case "help":
		return []string{"帮助"}
	case "watch":
		return []string{"监控", "告警"}
	case "regions":
		return []string{"区域"}
	case "snooze":
		return []string{"静默"}
	case "unsnooze":
		return []string{"取消静默"}
	case "restart":
		return []string{"重启"}
	case "stop":
		return []string{"停止"}
	case "delete":
		return []string{"删除"}
	}
	return nil
}

// commandWord is the English keyword a command's word names, in either
// language ("帮助" is "help"), "" for none. w is lower case.
func commandWord(w string) string {
	for _, kw := range commandWords() {
		if w == kw || slices.Contains(chineseCommand(kw), w) {
			return kw
		}
	}
	return ""
}

// chineseStatus is the Chinese for status st as an engineer writes it, the
// first as SCNet's console shows it (and help lists it).
func chineseStatus(st scnet.Status) []string {
	switch st {
	case scnet.StatusRunning:
		return []string{"运行中", "运行"}
	case scnet.StatusFailed:
		return []string{"失败"}
	case scnet.StatusTerminated:
		return []string{"已终止", "终止"}
	case scnet.StatusDeploying:
		return []string{"部署中"}
	case scnet.StatusWaiting:
		return []string{"等待中", "排队中"}
	case scnet.StatusCompleted:
		return []string{"已完成", "完成"}
	}
	return nil
}

// statusOf is the status a word names: SCNet's English name in any case
// ("Failed", "failed") or the Chinese an engineer writes ("失败", "运行中"
// or just "运行").
func statusOf(w string) (scnet.Status, bool) {
	if st, err := scnet.ParseStatus(w); err == nil {
		return st, true
	}
	for _, st := range scnet.Statuses() {
		if slices.Contains(chineseStatus(st), w) {
			return st, true
		}
	}
	return "", false
}

// cutField reads "<key>:<rest>" for one of keys, in any letter case, with
// an ASCII or a full-width colon ("name:x", "Name：x", "名称：x"): rest,
// and the prefix as typed.
func cutField(w string, keys ...string) (rest, prefix string, ok bool) {
	for _, k := range keys {
		if len(w) < len(k) || !strings.EqualFold(w[:len(k)], k) {
			continue
		}
		for _, colon := range []string{":", "："} {
			if strings.HasPrefix(w[len(k):], colon) {
				n := len(k) + len(colon)
				return w[n:], w[:n], true
			}
		}
	}
	return "", "", false
}

// pageWord reads "第2页" ("page 2" in one word): the number as typed and
// whether w is written that way.
func pageWord(w string) (string, bool) {
	n, ok := strings.CutPrefix(w, "第")
	if !ok {
		return "", false
	}
	return strings.CutSuffix(n, "页")
}

// asciiDigits writes full-width digits ("２", as a Chinese input method
// types them) as ASCII ones, for numbers only: a name keeps its own.
func asciiDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if '０' <= r && r <= '９' {
			return '0' + r - '０'
		}
		return r
	}, s)
}

func parseSnooze(words []string) (Query, error) {
	if len(words) != 3 {
		return Query{}, inputError(CodeUsage, words[0], "CmdInputSnoozeUsage", "Word", strings.ToLower(words[0]))
	}
	d, err := parseSnoozeDuration(words[2])
	if err != nil {
		return Query{}, err
	}
	return Query{Kind: KindSnooze, Target: words[1], Duration: d}, nil
}

// parseAction reads "restart|stop|delete <name|id>" (or 重启, 停止, 删除).
// The target is one word, as for snooze: a name with spaces in it is named
// by its id (shown in its details view), or acted on with its buttons.
func parseAction(words []string) (Query, error) {
	verb := strings.ToLower(words[0])
	kind := tracked.ActionKind(commandWord(verb))
	switch len(words) {
	case 2:
		return Query{Kind: KindAction, Action: kind, Target: words[1]}, nil
	case 1:
		return Query{}, inputError(CodeUsage, words[0], "CmdInputActionNeedsTarget", "Word", verb)
	}
	return Query{}, inputError(CodeUsage, words[0], "CmdInputActionOneTarget", "Word", verb)
}

func parseList(words []string) (Query, error) {
	q := Query{Kind: KindList}
	// Page 1 is stored as 0, so q.Page cannot tell whether a page was seen.
	pageSeen := false
	// The status and task type as typed, to name them in a conflict.
	var statusTyped, taskTyped string
	for i := 0; i < len(words); i++ {
		w := words[i]
		lw := strings.ToLower(w)
		if name, prefix, ok := cutField(w, "name", "名称"); ok {
			if name == "" {
				return Query{}, inputError(CodeUsage, w, "CmdInputNameEmpty", "Prefix", prefix)
			}
			q.Words = append(q.Words, name)
			continue
		}
		if r, prefix, ok := cutField(w, "region", "区域"); ok {
			switch {
			case r == "":
				return Query{}, inputError(CodeUsage, w, "CmdInputRegionEmpty", "Prefix", prefix)
			case q.Region != "" && q.Region != r:
				return Query{}, inputError(CodeConflict, w, "CmdInputRegionConflict", "A", q.Region, "B", r)
			}
			q.Region = r
			continue
		}
		num, isPage := pageWord(w)
		if lw == "page" {
			isPage = true
			if i+1 >= len(words) {
				return Query{}, inputError(CodeBadPage, w, "CmdInputPageMissing", "Word", w)
			}
			i++
			num = words[i]
		}
		if isPage {
			if pageSeen {
				return Query{}, inputError(CodeConflict, w, "CmdInputPageTwice", "Word", w)
			}
			pageSeen = true
			p, err := strconv.Atoi(asciiDigits(num))
			if err != nil || p < 1 || p > MaxPage {
				return Query{}, inputError(CodeBadPage, num, "CmdInputPageRange", "Word", num, "Max", MaxPage)
			}
			q.Page = p
			if p == 1 {
				// Page 1 is the default; keeping it as 0 gives every spelling
				// of the same query one canonical form.
				q.Page = 0
			}
			continue
		}
		switch commandWord(lw) {
		case "restart", "stop", "delete":
			return Query{}, inputError(CodeUsage, w, "CmdInputActionFirst", "Word", lw, "Typed", w)
		case "help", "watch", "snooze", "unsnooze", "regions":
			return Query{}, inputError(CodeUsage, w, "CmdInputKindFirst", "Word", lw, "Typed", w)
		}
		if isInstanceID(w) {
			return Query{}, inputError(CodeUsage, w, "CmdInputIDAlone", "Word", w)
		}
		if st, ok := statusOf(w); ok {
			if q.Status != "" && q.Status != st {
				return Query{}, inputError(CodeConflict, w, "CmdInputStatusConflict", "A", statusTyped, "B", w)
			}
			q.Status, statusTyped = st, w
			continue
		}
		if tt, err := scnet.ParseTaskType(w); err == nil {
			if q.TaskType != "" && q.TaskType != tt {
				return Query{}, inputError(CodeConflict, w, "CmdInputTaskConflict", "A", taskTyped, "B", w)
			}
			q.TaskType, taskTyped = tt, w
			continue
		}
		if s := suggest(w); s != "" {
			return Query{}, &InputError{Code: CodeUnknownWord, Word: w, Suggestion: s}
		}
		q.Words = append(q.Words, w)
	}
	return q, nil
}

// statusWord is how a status is written in commands and headers.
func statusWord(s scnet.Status) string { return strings.ToLower(string(s)) }

// isInstanceID reports whether w is written the way SCNet writes instance
// ids: 32 hexadecimal digits.
func isInstanceID(w string) bool {
	if len(w) != 32 {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// String writes q back as command text that parseStored reads as q again:
// the canonical spelling used in button values and in the log, in English
// whatever language q was typed in.
func (q Query) String() string {
	switch q.Kind {
	case KindHelp:
		return "help"
	case KindWatch:
		return "watch"
	case KindRegions:
		return "regions"
	case KindDetails:
		return q.ID
	case KindSnooze:
		return "snooze " + q.Target + " " + formatSnoozeDuration(q.Duration)
	case KindUnsnooze:
		return "unsnooze " + q.Target
	case KindAction:
		return string(q.Action) + " " + q.Target
	}
	var parts []string
	if q.Status != "" {
		parts = append(parts, statusWord(q.Status))
	}
	if q.TaskType != "" {
		parts = append(parts, string(q.TaskType))
	}
	for _, w := range q.Words {
		parts = append(parts, nameWord(w))
	}
	if q.Region != "" {
		parts = append(parts, regionPrefix+q.Region)
	}
	if q.PageNumber() > 1 {
		parts = append(parts, "page", strconv.Itoa(q.PageNumber()))
	}
	return strings.Join(parts, " ")
}

// nameWord writes a name word so that Parse reads it back as a name word.
func nameWord(w string) string {
	got, err := parseList([]string{w})
	if err == nil && len(got.Words) == 1 && got.Words[0] == w {
		return w
	}
	return namePrefix + w
}
