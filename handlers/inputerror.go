package handlers

import "strings"

// InputErrorCode says what was wrong with a command's text, for callers
// (and tests) that must tell the cases apart.
type InputErrorCode int

// The ways a command's text can be wrong.
const (
	// CodeUsage is a word in the wrong place or a missing argument.
	CodeUsage InputErrorCode = iota + 1
	// CodeTooLong is input over MaxInputChars characters or MaxInputWords words.
	CodeTooLong
	// CodeUnknownWord is a word that looks like a misspelt status or task type.
	CodeUnknownWord
	// CodeConflict is two different statuses or task types, or two pages.
	CodeConflict
	// CodeBadPage is a page number that is missing, not a number or out of range.
	CodeBadPage
	// CodeBadDuration is a snooze duration that cannot be read or is out of bounds.
	CodeBadDuration
)

// InputError is a command whose text Parse could not accept. Its Error text
// is written for the person who typed the command.
type InputError struct {
	Code InputErrorCode
	// Word is the offending word as typed, "" when the input as a whole is
	// wrong.
	Word string
	// Suggestion is the status or task type Word probably meant
	// (CodeUnknownWord only).
	Suggestion string
	// Detail explains the problem in a short English phrase.
	Detail string
}

// Error implements error. Word is user input and is not escaped here;
// renderers escape the whole text.
func (e *InputError) Error() string {
	switch e.Code {
	case CodeTooLong:
		return "that command is too long (" + e.Detail + "); /instances takes at most 10 words and 200 characters"
	case CodeUnknownWord:
		return "did you mean `" + e.Suggestion + "` instead of “" + e.Word + "”? To search instance names for “" + e.Word + "”, write `name:" + e.Word + "`"
	}
	var b strings.Builder
	if e.Detail != "" {
		b.WriteString(e.Detail)
	} else {
		b.WriteString("cannot read that command")
	}
	return b.String()
}
