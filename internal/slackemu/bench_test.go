package slackemu

import (
	"context"
	"testing"
)

// BenchmarkReconnectAfterDisconnect measures how long slack-go takes from a
// refresh_requested disconnect frame to the hello on its new link.
func BenchmarkReconnectAfterDisconnect(b *testing.B) {
	s := newEmu(b)
	startBot(b, s)
	ctx := context.Background()
	if err := s.WaitConnected(ctx, 1); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		s.Disconnect("refresh_requested")
		if err := s.WaitHellos(ctx, i+2); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSlashCommandAck measures one slash command from envelope to ack
// through slack-go, the part of the 3-second budget the transport takes.
func BenchmarkSlashCommandAck(b *testing.B) {
	s := newEmu(b)
	bt := startBot(b, s)
	ctx := context.Background()
	go func() {
		for ev := range bt.reqs {
			_ = bt.sm.Ack(*ev.Request)
		}
	}()
	b.ResetTimer()
	for range b.N {
		in, err := s.SendSlashCommand(ctx, SlashCommand{Command: "/instances", UserID: "U1", ChannelID: "C1"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.WaitAck(ctx, in.EnvelopeID); err != nil {
			b.Fatal(err)
		}
	}
}
