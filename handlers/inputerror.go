package handlers

import "scnetbot/i18n"

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

// InputError is a command whose text Parse could not accept. Parse is pure
// and knows no reader, so the error keeps its explanation as a message id
// with its values: Text writes it in the reader's language, Error in
// English for the log.
type InputError struct {
	Code InputErrorCode
	// Word is the offending word as typed, "" when the input as a whole is
	// wrong.
	Word string
	// Suggestion is the status or task type Word probably meant
	// (CodeUnknownWord only).
	Suggestion string
	// msg is the message id of the explanation (a Cmd message of the
	// handlers catalog) and args its values, name and value pairs, user
	// input unescaped: renderers escape the whole text.
	msg  string
	args []any
}

// inputError is an InputError explained by message id with args.
func inputError(code InputErrorCode, word, msg string, args ...any) *InputError {
	return &InputError{Code: code, Word: word, msg: msg, args: args}
}

// Error implements error, in English. Word is user input and is not
// escaped here; renderers escape the whole text.
func (e *InputError) Error() string { return e.Text(i18n.EnglishPrinter()) }

// Text is the explanation for the person who typed the command, in p's
// language, unescaped.
func (e *InputError) Text(p *i18n.Printer) string {
	switch {
	case e.Code == CodeUnknownWord:
		return p.T("CmdInputSuggest", "Suggestion", e.Suggestion, "Word", e.Word)
	case e.msg != "":
		return p.T(e.msg, e.args...)
	}
	return p.T("CmdInputUnreadable")
}
