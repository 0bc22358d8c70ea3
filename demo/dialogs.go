package main

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"scnetbot/internal/slackemu"
)

// pendingConfirm is a confirm dialog on screen: the next line answers it.
type pendingConfirm struct {
	msg    slackemu.Message
	target string // the button's action id, or its label
	dialog *slackemu.Confirm
}

// pendingModal is a modal on screen: the next line is typed into it.
type pendingModal struct {
	view slackemu.View
	// responseURL is the one of the click or command that opened the
	// modal: the bot answers the submission there.
	responseURL string
}

// Words that answer a dialog or a modal, in either language whatever
// -lang is: the demo suggests its language's (DemoWordConfirm,
// DemoWordCancel).
var (
	confirmWords = []string{"confirm", "确认"}
	cancelWords  = []string{"cancel", "取消"}
)

// isWord reports whether line is one of words, in any letter case.
func isWord(line string, words []string) bool {
	return slices.ContainsFunc(words, func(w string) bool { return strings.EqualFold(strings.TrimSpace(line), w) })
}

// press clicks a button the way Slack does: a link opens in the browser,
// a button with a confirm dialog shows it first, any other sends the click.
func (d *demoSession) press(ctx context.Context, msg slackemu.Message, b demoButton) error {
	if b.URL != "" {
		// Slack opens the link and sends the click too, which scnetbot
		// only acks; the demo has no browser to open it in.
		d.p.note(d.p.tr.T("DemoNoteLink", "Label", b.Label, "URL", b.URL))
		return nil
	}
	target := b.ActionID
	if target == "" {
		target = b.Label
	}
	c, err := d.emu.ButtonConfirm(msg, target)
	if err != nil {
		return err
	}
	if c != nil {
		d.confirm = &pendingConfirm{msg: msg, target: target, dialog: c}
		d.p.show(renderConfirm(d.p.tr, c))
		d.askConfirm()
		return nil
	}
	before := d.viewsOpened()
	in, err := d.emu.Click(ctx, msg, target, demoUser)
	if err != nil {
		return err
	}
	return d.awaitReply(ctx, in, before, false)
}

func (d *demoSession) askConfirm() {
	c := d.confirm.dialog
	d.p.note(d.p.tr.T("DemoNoteConfirmAsk", "Confirm", d.p.tr.T("DemoWordConfirm"), "ConfirmLabel", c.ConfirmLabel,
		"Cancel", d.p.tr.T("DemoWordCancel"), "DenyLabel", c.DenyLabel))
}

// answerConfirm reads the line typed while a confirm dialog is shown.
func (d *demoSession) answerConfirm(ctx context.Context, line string) error {
	pc := d.confirm
	switch {
	case isWord(line, confirmWords):
		d.confirm = nil
		before := d.viewsOpened()
		in, err := d.emu.Click(ctx, pc.msg, pc.target, demoUser)
		if err != nil {
			return err
		}
		return d.awaitReply(ctx, in, before, false)
	case isWord(line, cancelWords):
		d.confirm = nil
		if _, err := d.emu.ClickDeny(pc.msg, pc.target); err != nil {
			return err
		}
		d.p.note(d.p.tr.T("DemoNoteDenied", "Label", pc.dialog.DenyLabel))
		return nil
	}
	c := pc.dialog
	d.p.note(d.p.tr.T("DemoNoteNotAnAnswer", "Line", strconv.Quote(line), "Confirm", d.p.tr.T("DemoWordConfirm"), "ConfirmLabel", c.ConfirmLabel,
		"Cancel", d.p.tr.T("DemoWordCancel"), "DenyLabel", c.DenyLabel))
	return nil
}

// viewsOpened counts the views the bot has opened so far, so a wait can
// tell a new one.
func (d *demoSession) viewsOpened() int {
	d.p.mu.Lock()
	defer d.p.mu.Unlock()
	return len(d.p.views)
}

// awaitReply waits for the bot's answer to a click or a command, so piped
// input prints each reply before the next line is read. The answer is a
// reply, or a modal the bot opened (views after the first before): a click
// on Delete opens one and posts nothing, a command opens one and replies
// too, and then both are waited for. A modal opened is shown and takes the
// next line.
func (d *demoSession) awaitReply(ctx context.Context, in *slackemu.Interaction, before int, command bool) error {
	ctx, cancel := context.WithTimeout(ctx, d.wait)
	defer cancel()
	var (
		view    slackemu.View
		opened  bool
		replied bool
	)
	err := d.p.waitFor(ctx, func() bool {
		replied = d.p.repliesLocked(in.ResponseURL) > 0
		for _, v := range d.p.views[min(before, len(d.p.views)):] {
			// d.p.views holds modals only (Home tabs go to homeChanged).
			if v.UserID == demoUser && v.Open {
				view, opened = v, true
			}
		}
		return replied || opened && !command
	})
	if err != nil {
		if opened {
			// A command's modal opened and its reply did not come: the
			// modal is what matters.
			d.openModal(view, in.ResponseURL)
			return nil
		}
		return errors.New(d.p.tr.T("DemoErrNoReply", "Wait", d.wait.String()))
	}
	if opened {
		d.openModal(view, in.ResponseURL)
	}
	return nil
}

// openModal shows a modal and makes the next line its input.
func (d *demoSession) openModal(v slackemu.View, responseURL string) {
	d.modal = &pendingModal{view: v, responseURL: responseURL}
	d.p.show(renderView(d.p.tr, v))
	d.askModal()
}

func (d *demoSession) askModal() {
	v := d.modal.view
	if len(v.Inputs) == 0 {
		d.p.note(d.p.tr.T("DemoNoteModalNothing", "Cancel", d.p.tr.T("DemoWordCancel")))
		return
	}
	d.p.note(d.p.tr.T("DemoNoteModalAsk", "Label", v.Inputs[0].Label, "Submit", orWord(v.Submit, d.p.tr.T("DemoModalSubmit")),
		"Cancel", d.p.tr.T("DemoWordCancel")))
}

// answerModal reads the line typed while a modal is open: cancel closes
// it, anything else is typed into its input and submitted. If the bot
// answers with errors the modal stays open and they are shown; once it
// closes, the bot's reply is waited for.
func (d *demoSession) answerModal(ctx context.Context, line string) error {
	pm := d.modal
	if isWord(line, cancelWords) {
		d.modal = nil
		if err := d.emu.CloseView(pm.view.ID); err != nil {
			return err
		}
		d.p.note(d.p.tr.T("DemoNoteModalClosed"))
		return nil
	}
	if len(pm.view.Inputs) == 0 {
		d.askModal()
		return nil
	}
	in0 := pm.view.Inputs[0]
	ctx, cancel := context.WithTimeout(ctx, d.wait)
	defer cancel()
	d.p.mu.Lock()
	replies := d.p.repliesLocked(pm.responseURL)
	d.p.mu.Unlock()
	in, err := d.emu.SubmitView(ctx, pm.view.ID, demoUser, map[string]map[string]string{in0.BlockID: {in0.ActionID: line}})
	var inputErr *slackemu.InputError
	if errors.As(err, &inputErr) {
		// Slack's client itself refuses to send it (an empty required
		// input, a value too long).
		d.p.note(d.p.tr.T("DemoNoteSlackRefuses", "Reason", inputErr.Reason))
		d.askModal()
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := d.emu.WaitAck(ctx, in.EnvelopeID); err != nil {
		return errors.New(d.p.tr.T("DemoErrModalNoAnswer", "Wait", d.wait.String()))
	}
	v, ok := d.emu.View(pm.view.ID)
	if !ok {
		d.modal = nil
		return errors.New(d.p.tr.T("DemoErrModalGone", "ID", pm.view.ID))
	}
	if v.Open {
		pm.view = v
		for _, in := range v.Inputs {
			if e, ok := v.Errors[in.BlockID]; ok {
				d.p.note(d.p.tr.T("DemoNoteModalError", "Label", strconv.Quote(in.Label), "Error", e))
			}
		}
		d.askModal()
		return nil
	}
	d.modal = nil
	d.p.note(d.p.tr.T("DemoNoteSubmitted", "Submit", orWord(pm.view.Submit, d.p.tr.T("DemoModalSubmit"))))
	if pm.responseURL == "" {
		return nil
	}
	if err := d.p.waitFor(ctx, func() bool { return d.p.repliesLocked(pm.responseURL) > replies }); err != nil {
		return errors.New(d.p.tr.T("DemoErrNoReply", "Wait", d.wait.String()))
	}
	return nil
}

func orWord(s, word string) string {
	if s == "" {
		return word
	}
	return s
}

// awaitAlert waits until the alert channel shows a message about name
// printed after the first seq messages: the watcher's alert once it polls.
func (d *demoSession) awaitAlert(ctx context.Context, name string, seq int, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	err := d.p.waitFor(ctx, func() bool {
		for _, m := range d.p.sinceLocked(seq) {
			if m.Channel == demoAlertChannel && (strings.Contains(m.Text, name) || strings.Contains(string(m.Blocks), name)) {
				return true
			}
		}
		return false
	})
	if err != nil {
		return errors.New(d.p.tr.T("DemoErrNoAlert", "Name", name, "Channel", demoAlertChannel, "Wait", within.String()))
	}
	return nil
}
