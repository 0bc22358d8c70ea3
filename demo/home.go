package main

import (
	"context"
	"errors"
	"slices"
	"time"

	"scnetbot/internal/slackemu"
)

// viewHome is the type of a view published to a Home tab (views.publish),
// as the emulator reports it.
const viewHome = "home"

// homeShown is what the demo knows of the demo user's Home tab; guarded by
// demoPrinter.mu.
type homeShown struct {
	// opening is set while home waits for the tab it asked for: that
	// publish is printed whole, not noted as a change.
	opening bool
	// hash is the tab's hash as last printed, "" before home was typed.
	hash string
	// noted is set once a change after it was printed has been noted:
	// the bot republishes the tab on every change for half an hour, and
	// one line until the next home is enough.
	noted bool
}

// homeChangedLocked notes that the bot republished the Home tab the demo
// showed, once until home is typed again; call with p.mu held.
func (p *demoPrinter) homeChangedLocked(v slackemu.View) {
	h := &p.home
	if v.UserID != demoUser || h.opening || h.hash == "" || v.Hash == h.hash || h.noted {
		return
	}
	h.noted = true
	p.printLocked("(demo) " + p.tr.T("DemoNoteHomeChanged") + "\n")
}

// openHome opens the demo user's Home tab, as clicking the app in Slack's
// sidebar does, and prints the tab the bot publishes for it.
func (d *demoSession) openHome(ctx context.Context) error {
	// Piped input comes at once: the tab would show the watcher before
	// its first poll, with nothing counted yet.
	if d.piped {
		if err := d.awaitWatching(ctx); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, d.wait)
	defer cancel()
	before, _ := d.emu.HomeView(demoUser)
	d.p.mu.Lock()
	d.p.home.opening = true
	d.p.mu.Unlock()
	defer func() {
		d.p.mu.Lock()
		d.p.home.opening = false
		d.p.mu.Unlock()
	}()
	if _, err := d.emu.OpenHome(ctx, demoUser); err != nil {
		return err
	}
	// Every publish gets a new hash, the same content too: the bot
	// publishes each time the tab is opened.
	v, err := d.emu.WaitHome(ctx, demoUser, func(v slackemu.View) bool { return v.Hash != before.Hash })
	if err != nil {
		return errors.New(d.p.tr.T("DemoErrNoHome", "Wait", d.wait.String()))
	}
	d.p.mu.Lock()
	defer d.p.mu.Unlock()
	d.p.printLocked(renderHome(d.p.tr, v))
	d.p.home.hash, d.p.home.noted = v.Hash, false
	return nil
}

// digest asks the bot for a digest of the last 24 hours now and waits
// until it is in the digest channel: the outbox delivers it like an alert.
func (d *demoSession) digest(ctx context.Context) error {
	// As for home: piped input would ask before the watcher has found the
	// regions and counted anything.
	if d.piped {
		if err := d.awaitWatching(ctx); err != nil {
			return err
		}
	}
	d.p.mu.Lock()
	seq := d.p.seq
	d.p.mu.Unlock()
	// The digest names the day it was asked on, which may turn while it
	// is gathered.
	var headers []string
	header := func() {
		h := "▌" + d.p.tr.T("DigestHeader", "Day", time.Now().In(d.location).Format(digestDayLayout))
		if !slices.Contains(headers, h) {
			headers = append(headers, h)
		}
	}
	header()
	if err := d.postDigest(ctx); err != nil {
		return err
	}
	header()
	d.p.note(d.p.tr.T("DemoNoteDigestQueued", "Channel", d.digestChannel))
	// The digest asks SCNet for each region's instances, within a minute
	// each.
	within := time.Minute + d.wait
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	err := d.p.waitFor(ctx, func() bool {
		for _, m := range d.p.sinceLocked(seq) {
			if m.Channel != d.digestChannel {
				continue
			}
			for _, l := range blocksText(m.Blocks) {
				if slices.Contains(headers, l) {
					return true
				}
			}
		}
		return false
	})
	if err != nil {
		return errors.New(d.p.tr.T("DemoErrNoDigest", "Channel", d.digestChannel, "Wait", within.String()))
	}
	return nil
}
