package i18n

import "context"

type printerKey struct{}

// NewContext returns ctx carrying p, the printer of the person a request
// answers: the bot sets it once it knows who asked, and whatever renders
// the answer reads it with FromContext. A language is request-scoped data,
// which is what a context value is for.
func NewContext(ctx context.Context, p *Printer) context.Context {
	return context.WithValue(ctx, printerKey{}, p)
}

// FromContext is the printer NewContext put in ctx, or fallback when there
// is none.
func FromContext(ctx context.Context, fallback *Printer) *Printer {
	if p, ok := ctx.Value(printerKey{}).(*Printer); ok && p != nil {
		return p
	}
	return fallback
}
