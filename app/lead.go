package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"scnetbot/state"
)

// beatEvery is how often the leader writes its heartbeat in the root
// meta: as often as the lease pings, so the heartbeat a new leader finds
// is at most that old when the last leader stopped, and a plain failover
// is not mistaken for a gap.
func (a *App) beatEvery() time.Duration {
	return max(a.cfg.StateLeaseTimeout.D/4, 250*time.Millisecond)
}

// pausedAfter is the longest a takeover may come after the last leader's
// heartbeat without a notice: one poll and the lease timeout, what a
// failover takes.
func (a *App) pausedAfter() time.Duration {
	return a.cfg.WatchInterval.D + a.cfg.StateLeaseTimeout.D
}

// heartbeat writes the leader's heartbeat every beatEvery until ctx ends;
// the first one, as this replica takes the lead, is resume's.
func (a *App) heartbeat(ctx context.Context) {
	t := time.NewTicker(a.beatEvery())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := a.beat(ctx, false); err != nil && ctx.Err() == nil {
			if errors.Is(err, state.ErrFenced) {
				a.log.Info("leader heartbeat not saved: another replica leads", "err", err)
				return
			}
			a.log.Warn("leader heartbeat not saved", "err", err)
		}
	}
}

// beat writes the leader's heartbeat in the root meta, through the fenced
// store. As this replica takes the lead (resume), a heartbeat older than
// pausedAfter means nobody watched for a while (the database was down, or
// no replica led): one notice to WATCH_CHANNEL says from when to when,
// queued in the transaction that moves the heartbeat on, so a gap is
// noticed once whoever leads next.
func (a *App) beat(ctx context.Context, resume bool) error {
	now := a.now()
	var from time.Time
	err := a.pollStore.Update(ctx, func(tx state.Tx) error {
		from = time.Time{} // an attempt may run again
		m, err := tx.Meta()
		if err != nil {
			return err
		}
		if resume && !m.LeaderBeat.IsZero() && now.Sub(m.LeaderBeat) > a.pausedAfter() && a.cfg.WatchChannel != "" {
			from = m.LeaderBeat
			if _, err := tx.Enqueue(state.Message{Kind: state.KindPost, ID: "g" + strconv.FormatInt(now.UnixMilli(), 36),
				Channel: a.cfg.WatchChannel, Text: a.pausedText(from, now), Created: now}); err != nil {
				return err
			}
		}
		m.LeaderBeat = now
		return tx.PutMeta(m)
	})
	if err != nil {
		return fmt.Errorf("leader heartbeat: %w", err)
	}
	if !from.IsZero() {
		a.log.Warn("alerts were paused: no replica led, or the state database was unreachable; a notice is posted and changes since are alerted now",
			"paused_from", from, "paused_to", now)
		a.deliv.Kick()
	}
	return nil
}

// pausedText is the notice of a gap in the watch, a channel message in
// BOT_LANGUAGE.
func (a *App) pausedText(from, to time.Time) string {
	const layout = "2006-01-02 15:04:05 MST"
	return a.channelPrinter.T("WatchPaused",
		"From", from.In(a.cfg.Location).Format(layout), "To", to.In(a.cfg.Location).Format(layout))
}

// resume is beat as this replica takes the lead.
func (a *App) resume(ctx context.Context) {
	switch err := a.beat(ctx, true); {
	case err == nil || ctx.Err() != nil:
	case errors.Is(err, state.ErrFenced):
		a.log.Info("leader heartbeat not saved: another replica leads", "err", err)
	default:
		a.log.Warn("leader heartbeat not saved: a gap in the watch may go unnoticed", "err", err)
	}
}
