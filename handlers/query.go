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
// Words are separated by white space and read in any order and letter case.
// A word of exactly 32 hexadecimal digits is an instance id (that is how SCNet
// writes ids, and instance names rarely look like that); an id asks for the
// details view and must stand alone. A name that would read as something
// else is written "name:<word>".
func Parse(text string) (Query, error) {
	if n := utf8.RuneCountInString(text); n > MaxInputChars {
		return Query{}, &InputError{Code: CodeTooLong, Detail: strconv.Itoa(n) + " characters"}
	}
	words := strings.Fields(text)
	if len(words) > MaxInputWords {
		return Query{}, &InputError{Code: CodeTooLong, Detail: strconv.Itoa(len(words)) + " words"}
	}
	if len(words) == 0 {
		return Query{Kind: KindList}, nil
	}
	switch strings.ToLower(words[0]) {
	case "help":
		if len(words) > 1 {
			return Query{}, &InputError{Code: CodeUsage, Word: "help", Detail: "`help` takes no other words"}
		}
		return Query{Kind: KindHelp}, nil
	case "watch":
		if len(words) > 1 {
			return Query{}, &InputError{Code: CodeUsage, Word: "watch", Detail: "`watch` takes no other words"}
		}
		return Query{Kind: KindWatch}, nil
	case "regions":
		if len(words) > 1 {
			return Query{}, &InputError{Code: CodeUsage, Word: "regions", Detail: "`regions` takes no other words"}
		}
		return Query{Kind: KindRegions}, nil
	case "snooze":
		return parseSnooze(words)
	case "restart", "stop", "delete":
		return parseAction(words)
	case "unsnooze":
		if len(words) != 2 {
			return Query{}, &InputError{Code: CodeUsage, Word: "unsnooze", Detail: "write `unsnooze <name|id>`"}
		}
		return Query{Kind: KindUnsnooze, Target: words[1]}, nil
	}
	if len(words) == 1 && isInstanceID(words[0]) {
		return Query{Kind: KindDetails, ID: words[0]}, nil
	}
	return parseList(words)
}

func parseSnooze(words []string) (Query, error) {
	if len(words) != 3 {
		return Query{}, &InputError{Code: CodeUsage, Word: "snooze", Detail: "write `snooze <name|id> <duration>`, e.g. `snooze train-llm 4h`"}
	}
	d, err := parseSnoozeDuration(words[2])
	if err != nil {
		return Query{}, err
	}
	return Query{Kind: KindSnooze, Target: words[1], Duration: d}, nil
}

// parseAction reads "restart|stop|delete <name|id>". The target is one
// word, as for snooze: a name with spaces in it is named by its id (shown
// in its details view), or acted on with its buttons.
func parseAction(words []string) (Query, error) {
	kind := tracked.ActionKind(strings.ToLower(words[0]))
	switch len(words) {
	case 2:
		return Query{Kind: KindAction, Action: kind, Target: words[1]}, nil
	case 1:
		return Query{}, &InputError{Code: CodeUsage, Word: words[0], Detail: "`" + string(kind) + "` needs the instance to " + string(kind) + ": write `" + string(kind) + " <name|id>`, e.g. `/instances " + string(kind) + " train-llm`"}
	}
	return Query{}, &InputError{Code: CodeUsage, Word: words[0], Detail: "`" + string(kind) + "` takes one instance name or id, e.g. `/instances " + string(kind) + " train-llm`; for a name with spaces in it use the instance's id (`/instances <name words>` shows it)"}
}

func parseList(words []string) (Query, error) {
	q := Query{Kind: KindList}
	// Page 1 is stored as 0, so q.Page cannot tell whether "page" was seen.
	pageSeen := false
	for i := 0; i < len(words); i++ {
		w := words[i]
		lw := strings.ToLower(w)
		if len(w) >= len(namePrefix) && strings.EqualFold(w[:len(namePrefix)], namePrefix) {
			name := w[len(namePrefix):]
			if name == "" {
				return Query{}, &InputError{Code: CodeUsage, Word: w, Detail: "`name:` needs a word right after it, e.g. `name:help`"}
			}
			q.Words = append(q.Words, name)
			continue
		}
		if len(w) >= len(regionPrefix) && strings.EqualFold(w[:len(regionPrefix)], regionPrefix) {
			r := w[len(regionPrefix):]
			switch {
			case r == "":
				return Query{}, &InputError{Code: CodeUsage, Word: w, Detail: "`region:` needs a region right after it, e.g. `region:西北`; `/instances regions` lists them"}
			case q.Region != "" && q.Region != r:
				return Query{}, &InputError{Code: CodeConflict, Word: w, Detail: "one region at a time (`region:" + q.Region + "` and `region:" + r + "`); leave it out to ask every region"}
			}
			q.Region = r
			continue
		}
		switch lw {
		case "page":
			if pageSeen {
				return Query{}, &InputError{Code: CodeConflict, Word: w, Detail: "`page` appears twice"}
			}
			pageSeen = true
			if i+1 >= len(words) {
				return Query{}, &InputError{Code: CodeBadPage, Word: w, Detail: "`page` needs a number after it, e.g. `page 2`"}
			}
			i++
			p, err := strconv.Atoi(words[i])
			if err != nil || p < 1 || p > MaxPage {
				return Query{}, &InputError{Code: CodeBadPage, Word: words[i], Detail: "the page must be a number from 1 to " + strconv.Itoa(MaxPage)}
			}
			q.Page = p
			if p == 1 {
				// Page 1 is the default; keeping it as 0 gives every spelling
				// of the same query one canonical form.
				q.Page = 0
			}
			continue
		case "restart", "stop", "delete":
			return Query{}, &InputError{Code: CodeUsage, Word: w, Detail: "`" + lw + "` must come first, followed by one instance name or id (`/instances " + lw + " train-llm`); to search names for that word write `name:" + w + "`"}
		case "help", "watch", "snooze", "unsnooze", "regions":
			return Query{}, &InputError{Code: CodeUsage, Word: w, Detail: "`" + lw + "` must come first and stand alone; to search a name with that word write `name:" + w + "`"}
		}
		if isInstanceID(w) {
			return Query{}, &InputError{Code: CodeUsage, Word: w, Detail: "an instance id stands alone (`/instances <id>`); to search names for it write `name:" + w + "`"}
		}
		if st, err := scnet.ParseStatus(w); err == nil {
			if q.Status != "" && q.Status != st {
				return Query{}, &InputError{Code: CodeConflict, Word: w, Detail: "one status at a time (`" + statusWord(q.Status) + "` and `" + statusWord(st) + "`)"}
			}
			q.Status = st
			continue
		}
		if tt, err := scnet.ParseTaskType(w); err == nil {
			if q.TaskType != "" && q.TaskType != tt {
				return Query{}, &InputError{Code: CodeConflict, Word: w, Detail: "one task type at a time (`" + string(q.TaskType) + "` and `" + string(tt) + "`)"}
			}
			q.TaskType = tt
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

// String writes q back as command text that Parse reads as q again: the
// canonical spelling used in button values and in the echo of a query.
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
