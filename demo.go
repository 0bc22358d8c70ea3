package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"scnetbot/config"
	"scnetbot/internal/slackemu"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
)

// demoUser and the channels are the demo's made-up Slack workspace.
const (
	demoUser         = "U0DEMO"
	demoChannel      = "C0DEMO"
	demoAlertChannel = "C0ALERTS"
)

// demoOptions are the demo's flags.
type demoOptions struct {
	json          bool
	instances     int
	failEvery     time.Duration
	watchInterval time.Duration
	verbose       bool
}

// runDemo runs the real bot, over real sockets, against the built-in SCNet
// simulator and Slack emulator. It reads slash commands and button labels
// from stdin and prints every message the bot sends. With piped input it
// answers each line, waits for the reply, and exits at the end of input.
func runDemo(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var o demoOptions
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.json, "json", false, "also print each message's raw Block Kit JSON and a Block Kit Builder link")
	fs.IntVar(&o.instances, "instances", 500, "instances in the simulated SCNet account")
	fs.DurationVar(&o.failEvery, "fail-every", 20*time.Second, "fail a running instance this often so an alert appears (0 never)")
	fs.DurationVar(&o.watchInterval, "watch-interval", 5*time.Second, "how often the watcher polls the simulated SCNet")
	fs.BoolVar(&o.verbose, "v", false, "print the bot's logs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	interactive := isTerminal(stdin)

	// A token that outlives the demo, so the watcher's "token expires
	// tomorrow" warning does not greet every newcomer.
	sim := scnettest.New(scnettest.WithInstances(o.instances, 42), scnettest.WithTokenLifetime(30*24*time.Hour))
	defer sim.Close()
	p := &demoPrinter{w: stdout, json: o.json}
	emu := slackemu.New(slackemu.WithOnMessage(p.print))
	defer emu.Close()

	dir, err := os.MkdirTemp("", "scnetbot-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	cfg := simulatedConfig(sim, emu, filepath.Join(dir, "scnetbot.db"))
	cfg.WatchChannel = demoAlertChannel
	cfg.WatchInterval.D = o.watchInterval

	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	started := make(chan *app, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- run(runCtx, cfg, logger, func(a *app) { started <- a })
	}()
	waitCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err = emu.WaitConnected(waitCtx, 1)
	cancel()
	if err != nil {
		stop()
		return errors.Join(fmt.Errorf("bot did not connect to the Slack emulator: %w", err), <-errc)
	}

	a := <-started
	if interactive {
		fmt.Fprintf(stdout, `scnetbot demo: the real bot, connected to a built-in Slack (Socket Mode) and a simulated
SCNet with %d instances. Health and metrics: http://%s/metrics
Type a slash command (/instances help, /instances running ssh, /instances failed page 2),
a button's label to click it (Next, Refresh, Acknowledge…), "fail <name>" to fail an
instance, or "quit". An instance fails every %s, so an alert appears in #%s.

`, o.instances, a.httpAddr, o.failEvery, demoAlertChannel)
	}
	if o.failEvery > 0 {
		go failNowAndThen(runCtx, sim, p, o.failEvery, 2*o.watchInterval)
	}

	d := &demoSession{emu: emu, sim: sim, p: p, wait: cfg.QueryTimeout.D + 5*time.Second}
	sc := bufio.NewScanner(stdin)
	for {
		if interactive {
			fmt.Fprint(stdout, "> ")
		}
		if !sc.Scan() {
			break
		}
		line := strings.TrimSpace(sc.Text())
		if line == "quit" || line == "exit" {
			break
		}
		if err := d.handle(ctx, line); err != nil {
			fmt.Fprintln(stdout, "demo:", err)
		}
	}
	stop()
	if err := <-errc; err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return sc.Err()
}

// simulatedConfig is the default configuration pointed at a simulated SCNet
// and an emulated Slack, with its state in statePath and the health server
// on a free loopback port.
func simulatedConfig(sim *scnettest.Server, emu *slackemu.Server, statePath string) *config.Config {
	cfg := config.Defaults()
	cfg.SlackAppToken = scnet.Secret(emu.AppToken())
	cfg.SlackBotToken = scnet.Secret(emu.BotToken())
	cfg.SlackAPIURL = emu.APIURL()
	cfg.SCNetBaseURL = sim.AIBaseURL()
	cfg.SCNetToken = scnet.Secret(sim.Token())
	cfg.StatePath = statePath
	cfg.HTTPAddr = "127.0.0.1:0"
	return cfg
}

// demoSession turns input lines into what a Slack user would do.
type demoSession struct {
	emu  *slackemu.Server
	sim  *scnettest.Server
	p    *demoPrinter
	wait time.Duration
}

func (d *demoSession) handle(ctx context.Context, line string) error {
	switch {
	case line == "":
		return nil
	case strings.HasPrefix(line, "/"):
		command, text, _ := strings.Cut(line, " ")
		in, err := d.emu.SendSlashCommand(ctx, slackemu.SlashCommand{
			Command: command, Text: strings.TrimSpace(text),
			UserID: demoUser, UserName: "oncall", ChannelID: demoChannel, ChannelName: "gpu-oncall",
		})
		if err != nil {
			return err
		}
		return d.awaitReply(ctx, in)
	case strings.HasPrefix(line, "fail "):
		name := strings.TrimSpace(strings.TrimPrefix(line, "fail "))
		r, ok := d.sim.FindByName(name)
		if !ok {
			return fmt.Errorf("no instance named %q in the simulated SCNet", name)
		}
		if err := d.sim.SetStatus(r.ID, scnet.StatusFailed); err != nil {
			return err
		}
		d.p.note("SCNet: %s is now Failed; the watcher will notice at its next poll", name)
		return nil
	default:
		msg, label, ok := d.p.withButton(strings.TrimPrefix(line, "click "))
		if !ok {
			return fmt.Errorf("no button %q on recent messages; type a slash command such as /instances help, a button label, or quit", line)
		}
		in, err := d.emu.Click(ctx, msg, label, demoUser)
		if err != nil {
			return err
		}
		return d.awaitReply(ctx, in)
	}
}

// awaitReply waits for the bot's answer, so piped input prints each reply
// before the next line is read.
func (d *demoSession) awaitReply(ctx context.Context, in *slackemu.Interaction) error {
	ctx, cancel := context.WithTimeout(ctx, d.wait)
	defer cancel()
	_, err := d.emu.WaitResponses(ctx, in.ResponseURL, 1)
	if err != nil {
		return fmt.Errorf("no reply from the bot within %s", d.wait)
	}
	return nil
}

// failNowAndThen fails a running instance every so often, as SCNet would,
// so the watcher has something to alert on. The first one waits until the
// watcher has taken its baseline.
func failNowAndThen(ctx context.Context, sim *scnettest.Server, p *demoPrinter, every, first time.Duration) {
	timer := time.NewTimer(first)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		for _, r := range sim.Records() {
			if r.Status == scnet.StatusRunning {
				if sim.SetStatus(r.ID, scnet.StatusFailed) == nil {
					p.note("SCNet: %s just failed", r.Name)
				}
				break
			}
		}
		timer.Reset(every)
	}
}

// demoPrinter prints messages as they arrive and remembers the recent ones
// so a typed button label can be clicked.
type demoPrinter struct {
	mu     sync.Mutex
	w      io.Writer
	json   bool
	recent []slackemu.Message
}

func (p *demoPrinter) print(m slackemu.Message) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, renderMessage(m))
	if p.json && len(m.Blocks) > 0 {
		var pretty strings.Builder
		enc := json.NewEncoder(&pretty)
		enc.SetIndent("", "  ")
		_ = enc.Encode(json.RawMessage(m.Blocks))
		fmt.Fprintf(p.w, "%s(open in Block Kit Builder: %s)\n", pretty.String(), builderLink(m.Blocks))
	}
	if len(buttonLabels(m.Blocks)) > 0 {
		p.recent = append(p.recent, m)
		if len(p.recent) > 20 {
			p.recent = p.recent[1:]
		}
	}
}

func (p *demoPrinter) note(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "(demo) "+format+"\n", args...)
}

// withButton finds the newest message that has a button with this label
// (any letter case) and returns the label as the message spells it.
func (p *demoPrinter) withButton(label string) (slackemu.Message, string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.recent) - 1; i >= 0; i-- {
		for _, l := range buttonLabels(p.recent[i].Blocks) {
			if strings.EqualFold(l, label) {
				return p.recent[i], l, true
			}
		}
	}
	return slackemu.Message{}, "", false
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
