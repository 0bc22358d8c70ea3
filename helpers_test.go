package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"scnetbot/internal/slackemu"
	"scnetbot/scnet/scnettest"
)

// newSimAndEmu starts an SCNet simulator and a Slack emulator for one test
// of the real binary.
func newSimAndEmu(t testing.TB, simOpts ...scnettest.Option) (*scnettest.Server, *slackemu.Server) {
	sim := scnettest.New(simOpts...)
	t.Cleanup(sim.Close)
	emu := slackemu.New()
	t.Cleanup(emu.Close)
	return sim, emu
}

func timeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// alertsAbout returns the top-level channel messages that name an instance.
func alertsAbout(emu *slackemu.Server, channel, name string) []slackemu.Message {
	var out []slackemu.Message
	for _, m := range emu.ChannelMessages(channel) {
		if (m.ThreadTS == "" || m.ThreadTS == m.TS) && strings.Contains(m.Text+"\n"+string(m.Blocks), name) {
			out = append(out, m)
		}
	}
	return out
}
