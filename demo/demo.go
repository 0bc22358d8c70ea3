// Command demo runs the real scnetbot, over real sockets, against an SCNet
// simulator and a Slack Socket Mode emulator that live in the same process,
// and shows in the terminal what Slack would show: go run ./demo.
//
// It is a program of its own, not a subcommand of scnetbot, so that the
// production binary links neither the simulator nor the emulator: the
// linker keeps all the code main can reach, and a subcommand is reachable
// whether or not anyone runs it. A root test holds the binary to that.
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
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"scnetbot/app"
	"scnetbot/config"
	"scnetbot/handlers"
	"scnetbot/i18n"
	"scnetbot/internal/slackemu"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/secret"
	"scnetbot/state"
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
	// lang is -lang as typed, language what check read it as: the demo
	// user's Slack language and BOT_LANGUAGE.
	lang     string
	language i18n.Lang
}

// slackLocales are the Slack locales the demo user has in each language,
// as users.info reports them.
var slackLocales = map[i18n.Lang]string{i18n.English: "en-US", i18n.Chinese: "zh-CN"}

// runDemo runs the real bot, over real sockets, against the built-in SCNet
// simulator and Slack emulator. It reads slash commands and button labels
// from stdin and prints every message the bot sends. With piped input it
// answers each line, waits for the reply, and exits at the end of input.
func runDemo(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return runDemoWith(ctx, args, stdin, stdout, stderr, nil)
}

// runDemoWith is runDemo that hands the simulated SCNet to simulated, when
// not nil, before it reads any input: a test looks at what SCNet received.
func runDemoWith(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, simulated func(*scnettest.Server)) error {
	var o demoOptions
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.json, "json", false, "also print each message's raw Block Kit JSON and a Block Kit Builder link")
	fs.IntVar(&o.instances, "instances", 500, "instances in each region of the simulated SCNet account")
	fs.DurationVar(&o.failEvery, "fail-every", 20*time.Second, "fail a running instance this often so an alert appears (0 never)")
	fs.DurationVar(&o.watchInterval, "watch-interval", 5*time.Second, "how often the watcher polls the simulated SCNet")
	fs.BoolVar(&o.verbose, "v", false, "print the bot's logs")
	fs.StringVar(&o.lang, "lang", "en", "the demo user's Slack language and the channel messages' (BOT_LANGUAGE): en or zh")
	catalog := i18n.MustLoad()
	fs.Usage = func() {
		// In the language asked for, once -lang is read; -lang with a
		// bad value gets English.
		l, _ := i18n.ParseLang(o.lang)
		fmt.Fprintln(fs.Output(), catalog.Printer(l).T("DemoUsage"))
		fs.PrintDefaults()
	}
	// The flag package prints usage as it fails; the output is chosen here
	// instead, so -h goes to stdout and succeeds.
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return nil
	}
	if err == nil {
		err = o.check()
	}
	if err != nil {
		fs.SetOutput(stderr)
		fs.Usage()
		return usageError{err}
	}
	interactive := isTerminal(stdin)
	tr := catalog.Printer(o.language)

	// Two regions the account uses and one it is suspended in
	// (scnettest.DefaultRegions), so the first reply already shows both
	// regions and the alert channel the suspended region's notice. A token
	// that outlives the demo, so the watcher's "token expires tomorrow"
	// warning does not greet every newcomer.
	sim := scnettest.New(scnettest.WithRegions(), scnettest.WithInstances(o.instances, 42), scnettest.WithTokenLifetime(30*24*time.Hour))
	defer sim.Close()
	if simulated != nil {
		simulated(sim)
	}
	p := newPrinter(stdout, o.json)
	p.tr = tr
	emu := slackemu.New(slackemu.WithOnMessage(p.print), slackemu.WithOnView(p.view))
	defer emu.Close()
	// Before the bot starts, so its first users.info already reads it.
	emu.SetUserLocale(demoUser, slackLocales[o.language])

	dir, err := os.MkdirTemp("", "scnetbot-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	cfg := simulatedConfig(sim, emu, filepath.Join(dir, "scnetbot.db"))
	cfg.WatchChannel = demoAlertChannel
	cfg.WatchInterval.D = o.watchInterval
	cfg.BotLanguage, cfg.Language = o.lang, o.language
	// The daily digest at the minute the demo starts, today's counted as
	// posted: no digest greets a newcomer (a DIGEST_AT already past today
	// would be caught up at once, a later one could come any minute), and
	// the next daily one is a day away. digest posts one on demand.
	started := time.Now().In(cfg.Location)
	cfg.DigestAt = started.Format("15:04")
	cfg.Digest = time.Duration(started.Hour())*time.Hour + time.Duration(started.Minute())*time.Minute
	if err := markDigestQueued(ctx, cfg.StatePath, started.Format(digestDayLayout)); err != nil {
		return err
	}

	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	a, err := app.New(cfg, logger, "dev")
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- a.Run(runCtx) }()
	waitCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err = emu.WaitConnected(waitCtx, 1)
	cancel()
	if err != nil {
		stop()
		return errors.Join(fmt.Errorf("bot did not connect to the Slack emulator: %w", err), <-errc)
	}

	if interactive {
		fmt.Fprintf(stdout, "%s\n%s\n%s\n\n",
			tr.T("DemoGreeting", "Instances", o.instances, "Regions", tr.Join(regionNames(sim)),
				"Metrics", "http://"+a.HTTPAddr()+"/metrics", "FailEvery", o.failEvery.String(), "Channel", demoAlertChannel),
			tr.T("DemoGreetingLanguage", "Locale", slackLocales[o.language], "Lang", o.lang),
			tr.T("DemoGreetingDigest", "At", cfg.DigestAt, "Channel", cfg.DigestTarget()))
	}
	var ticker sync.WaitGroup
	if o.failEvery > 0 {
		ticker.Go(func() { failNowAndThen(runCtx, sim, p, o.failEvery, 2*o.watchInterval) })
	}

	d := &demoSession{emu: emu, sim: sim, p: p, wait: cfg.QueryTimeout.D + 5*time.Second,
		readyURL: "http://" + a.HTTPAddr() + "/readyz", piped: !interactive, watchInterval: o.watchInterval,
		postDigest: a.PostDigest, digestChannel: cfg.DigestTarget(), location: cfg.Location}
	lines := readLines(stdin)
	var inputErr error
	for ctx.Err() == nil {
		if interactive {
			fmt.Fprint(stdout, "> ")
		}
		var in inputLine
		select {
		case <-ctx.Done(): // Ctrl-C while waiting for a line
		case in = <-lines:
		}
		if ctx.Err() != nil || in.eof {
			inputErr = in.err
			break
		}
		line := strings.TrimSpace(in.text)
		if line == "quit" || line == "exit" || line == "退出" {
			break
		}
		if err := d.handle(ctx, line); err != nil && ctx.Err() == nil {
			fmt.Fprintln(stdout, "demo:", err)
		}
	}
	if interactive && ctx.Err() != nil {
		fmt.Fprintln(stdout)
	}
	stop()
	ticker.Wait()
	if err := <-errc; err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return inputErr
}

// check refuses flag values the demo cannot run with, and reads -lang.
func (o *demoOptions) check() error {
	var problems []error
	if l, err := i18n.ParseLang(o.lang); err != nil {
		problems = append(problems, fmt.Errorf("-lang: %w", err))
	} else {
		o.language = l
	}
	if o.instances < 0 || o.instances > maxDemoInstances {
		problems = append(problems, fmt.Errorf("-instances must be between 0 and %d, got %d", maxDemoInstances, o.instances))
	}
	if o.failEvery < 0 {
		problems = append(problems, fmt.Errorf("-fail-every must not be negative (0 never fails one), got %s", o.failEvery))
	}
	if o.watchInterval <= 0 {
		problems = append(problems, fmt.Errorf("-watch-interval must be positive, got %s", o.watchInterval))
	}
	return errors.Join(problems...)
}

// maxDemoInstances bounds the simulated account: the simulator holds every
// instance in memory.
const maxDemoInstances = 100_000

// usageError is a bad command line; cli exits 2 for it.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// inputLine is one line of the demo's input, or its end.
type inputLine struct {
	text string
	eof  bool
	err  error // why reading stopped, nil at a clean end
}

// readLines reads r line by line on its own goroutine, so the demo can stop
// on Ctrl-C while a read is blocked. That goroutine ends at the end of the
// input; a terminal read it is blocked in when the demo stops ends with the
// process, as nothing can interrupt a read of a terminal.
func readLines(r io.Reader) <-chan inputLine {
	out := make(chan inputLine)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			out <- inputLine{text: sc.Text()}
		}
		out <- inputLine{eof: true, err: sc.Err()}
	}()
	return out
}

// simulatedConfig is the default configuration pointed at a simulated SCNet
// and an emulated Slack, with its state in statePath and the health server
// on a free loopback port. It logs in with the simulator's AK/SK, as SCNet
// recommends, so it finds every region of the account and each region's
// AI base URL the way the real bot does.
func simulatedConfig(sim *scnettest.Server, emu *slackemu.Server, statePath string) *config.Config {
	cred := scnettest.DefaultCredentials()
	cfg := config.Defaults()
	cfg.SlackAppToken = secret.Secret(emu.AppToken())
	cfg.SlackBotToken = secret.Secret(emu.BotToken())
	cfg.SlackAPIURL = emu.APIURL()
	cfg.SCNetUser = cred.User
	cfg.SCNetAccessKey, cfg.SCNetSecretKey = secret.Secret(cred.AccessKey), secret.Secret(cred.SecretKey)
	cfg.SCNetAuthURL, cfg.SCNetACURL = sim.AuthBaseURL(), sim.ACBaseURL()
	cfg.StatePath = statePath
	cfg.HTTPAddr = "127.0.0.1:0"
	// The demo user may restart, stop and delete, so every action can be
	// tried; in Slack the operator names who may (ACTION_USERS).
	cfg.ActionUsers = config.List{demoUser}
	return cfg
}

// digestDayLayout writes a day as state.Meta.DigestDay holds it.
const digestDayLayout = "2006-01-02"

// markDigestQueued records, in the state file at path before the bot opens
// it, that day's daily digest was queued, as the digest itself records it.
func markDigestQueued(ctx context.Context, path, day string) error {
	st, err := state.Open(path)
	if err != nil {
		return err
	}
	err = st.Update(ctx, func(tx state.Tx) error {
		m, err := tx.Meta()
		if err != nil {
			return err
		}
		m.DigestDay = day
		return tx.PutMeta(m)
	})
	if err != nil {
		err = fmt.Errorf("mark the digest of %s queued: %w", day, err)
	}
	return errors.Join(err, st.Close())
}

// demoSession turns input lines into what a Slack user would do.
type demoSession struct {
	emu  *slackemu.Server
	sim  *scnettest.Server
	p    *demoPrinter
	wait time.Duration
	// readyURL is the bot's /readyz, which turns ready once the watcher
	// has polled every region: its baseline, before which a failure is
	// not news.
	readyURL string
	// piped is true when the input is not a terminal: fail then waits for
	// the alert, so the next line can click its buttons.
	piped         bool
	watchInterval time.Duration
	// confirm and modal are the dialog or modal on screen, nil for none;
	// the next line answers it.
	confirm *pendingConfirm
	modal   *pendingModal
	// postDigest is (*App).PostDigest; the digest goes to digestChannel,
	// its day named in location.
	postDigest    func(context.Context) error
	digestChannel string
	location      *time.Location
}

func (d *demoSession) handle(ctx context.Context, line string) error {
	switch {
	case d.confirm != nil:
		return d.answerConfirm(ctx, line)
	case d.modal != nil:
		return d.answerModal(ctx, line)
	case line == "":
		return nil
	case strings.HasPrefix(line, "/"):
		command, text, _ := strings.Cut(line, " ")
		if command != handlers.CommandName {
			// Slack itself refuses a command the app does not declare; the
			// emulator would deliver it and the bot answer as /instances.
			return errors.New(d.p.tr.T("DemoErrUnknownCommand", "Command", command, "Ours", handlers.CommandName))
		}
		before := d.viewsOpened()
		in, err := d.emu.SendSlashCommand(ctx, slackemu.SlashCommand{
			Command: command, Text: strings.TrimSpace(text),
			UserID: demoUser, UserName: "oncall", ChannelID: demoChannel, ChannelName: "gpu-oncall",
		})
		if err != nil {
			return err
		}
		return d.awaitReply(ctx, in, before, true)
	case line == "home" || line == "主页":
		return d.openHome(ctx)
	case line == "digest" || line == "摘要":
		return d.digest(ctx)
	case strings.HasPrefix(line, "fail "):
		name := strings.TrimSpace(strings.TrimPrefix(line, "fail "))
		rs, r, ok := findByName(d.sim, name)
		if !ok {
			return errors.New(d.p.tr.T("DemoErrNoInstance", "Name", strconv.Quote(name)))
		}
		// Before its baseline the watcher would take the failure as how
		// things were, and never alert.
		if err := d.awaitWatching(ctx); err != nil {
			return err
		}
		d.p.mu.Lock()
		seq := d.p.seq
		d.p.mu.Unlock()
		if err := rs.SetStatus(r.ID, scnet.StatusFailed); err != nil {
			return err
		}
		d.p.note(d.p.tr.T("DemoNoteFailedNow", "Name", name, "Region", rs.Name()))
		if !d.piped {
			return nil
		}
		// The next line may click the alert's buttons.
		return d.awaitAlert(ctx, name, seq, 3*d.watchInterval+d.wait)
	default:
		msg, b, err := d.p.find(line)
		if err != nil && (isWord(line, confirmWords) || isWord(line, cancelWords)) {
			return errors.New(d.p.tr.T("DemoErrNoDialog", "Confirm", d.p.tr.T("DemoWordConfirm"), "Cancel", d.p.tr.T("DemoWordCancel")))
		}
		if err != nil {
			return err
		}
		return d.press(ctx, msg, b)
	}
}

// awaitWatching waits until the bot's /readyz says ready: connected to
// Slack, and the watcher has polled every region.
func (d *demoSession) awaitWatching(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, d.wait)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.readyURL, nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return errors.New(d.p.tr.T("DemoErrNotWatching", "Wait", d.wait.String(), "URL", d.readyURL))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// failNowAndThen fails a running instance every so often, as SCNet would,
// so the watcher has something to alert on. The first one waits until the
// watcher has taken its baseline.
func failNowAndThen(ctx context.Context, sim *scnettest.Server, p *demoPrinter, every, first time.Duration) {
	timer := time.NewTimer(first)
	defer timer.Stop()
	turn := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		// Each region in turn, so alerts come from all of them.
		rs := usable(sim)
		region := rs[turn%len(rs)]
		turn++
		for _, r := range region.Records() {
			if r.Status == scnet.StatusRunning {
				if region.SetStatus(r.ID, scnet.StatusFailed) == nil {
					p.note(p.tr.T("DemoNoteJustFailed", "Name", r.Name, "Region", region.Name()))
				}
				break
			}
		}
		timer.Reset(every)
	}
}

// usable is the simulated regions the account is not suspended in.
func usable(sim *scnettest.Server) []*scnettest.RegionServer {
	var out []*scnettest.RegionServer
	for _, rs := range sim.Regions() {
		if !rs.Suspended() {
			out = append(out, rs)
		}
	}
	return out
}

// regionNames lists the usable regions' names for the demo's greeting.
func regionNames(sim *scnettest.Server) []string {
	var names []string
	for _, rs := range usable(sim) {
		names = append(names, rs.Name())
	}
	return names
}

// findByName finds the instance named name in any usable region, the
// first region's first.
func findByName(sim *scnettest.Server, name string) (*scnettest.RegionServer, scnettest.Record, bool) {
	for _, rs := range usable(sim) {
		if r, ok := rs.FindByName(name); ok {
			return rs, r, true
		}
	}
	return nil, scnettest.Record{}, false
}

// demoPrinter prints messages as they arrive and remembers the recent ones
// so a typed button label can be clicked. It also keeps what the session
// waits for (the replies printed, the views the bot opened), so a wait ends
// only once the message it waits for is on the screen.
type demoPrinter struct {
	mu   sync.Mutex
	w    io.Writer
	json bool
	// tr writes the demo's own words (frames, notes), in -lang.
	tr     *i18n.Printer
	recent []slackemu.Message
	// seen are the last messages printed, seq the number printed in all;
	// seen[i] is message number seq-len(seen)+i.
	seen []slackemu.Message
	seq  int
	// views are the modals the bot opened, in the order opened, each as it
	// is now.
	views []slackemu.View
	// changed is closed and replaced whenever a message is printed or a
	// view changes.
	changed chan struct{}
	// home is what became of the Home tab the demo showed.
	home homeShown
}

// maxSeen bounds the messages kept for waits: a wait looks only at what
// came after it began, a few messages at most.
const maxSeen = 200

func newPrinter(w io.Writer, json bool) *demoPrinter {
	return &demoPrinter{w: w, json: json, tr: i18n.EnglishPrinter(), changed: make(chan struct{})}
}

func (p *demoPrinter) print(m slackemu.Message) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, renderMessage(p.tr, m))
	if p.json && len(m.Blocks) > 0 {
		var pretty strings.Builder
		enc := json.NewEncoder(&pretty)
		enc.SetIndent("", "  ")
		_ = enc.Encode(json.RawMessage(m.Blocks))
		fmt.Fprintf(p.w, "%s(open in Block Kit Builder: %s)\n", pretty.String(), builderLink(m.Blocks))
	}
	// A message replaced (or deleted) through its response_url keeps its
	// ts: its old buttons are gone, and clicking one would fail.
	if m.TS != "" {
		p.recent = slices.DeleteFunc(p.recent, func(old slackemu.Message) bool {
			return old.Channel == m.Channel && old.TS == m.TS
		})
	}
	if !m.DeleteOriginal && len(messageButtons(m.Blocks)) > 0 {
		p.recent = append(p.recent, m)
		if len(p.recent) > 20 {
			p.recent = p.recent[1:]
		}
	}
	p.seen = append(p.seen, m)
	if len(p.seen) > maxSeen {
		p.seen = p.seen[1:]
	}
	p.seq++
	p.notifyLocked()
}

// view keeps the latest state of a modal the bot opened; the emulator
// calls it (WithOnView) when one opens, changes or closes, and when the
// bot publishes a Home tab, which homeChanged handles.
func (p *demoPrinter) view(v slackemu.View) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if v.Type == viewHome {
		p.homeChangedLocked(v)
		return
	}
	if i := slices.IndexFunc(p.views, func(old slackemu.View) bool { return old.ID == v.ID }); i >= 0 {
		p.views[i] = v
	} else {
		p.views = append(p.views, v)
	}
	p.notifyLocked()
}

func (p *demoPrinter) notifyLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// waitFor blocks until cond, called with p.mu held, is true.
func (p *demoPrinter) waitFor(ctx context.Context, cond func() bool) error {
	for {
		p.mu.Lock()
		ok, changed := cond(), p.changed
		p.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// since lists the messages printed after the first n; call with p.mu held.
func (p *demoPrinter) sinceLocked(n int) []slackemu.Message {
	skip := n - (p.seq - len(p.seen))
	return p.seen[min(max(skip, 0), len(p.seen)):]
}

// repliesLocked counts the replies printed that were posted to url; call
// with p.mu held.
func (p *demoPrinter) repliesLocked(url string) int {
	n := 0
	for _, m := range p.seen {
		if m.Via == slackemu.ViaResponseURL && m.ResponseURL == url {
			n++
		}
	}
	return n
}

// note prints a line of the demo's own, text already in -lang.
func (p *demoPrinter) note(text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "(demo) %s\n", text)
}

// show prints what the demo itself shows, a dialog or a modal, among the
// messages.
func (p *demoPrinter) show(text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.printLocked(text)
}

// printLocked prints text as it is; call with p.mu held.
func (p *demoPrinter) printLocked(text string) { fmt.Fprint(p.w, text) }

// find reads a typed line ("Next", "click 🔄 Refresh", "Details 3",
// "Details train-llm-7") as a button of the newest message that has one
// with that label. Labels match with emoji, arrows and letter case
// ignored; words after the label pick among the buttons that share it, by
// row number or by a name in the row.
func (p *demoPrinter) find(typed string) (slackemu.Message, demoButton, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	line := strings.TrimPrefix(strings.TrimPrefix(typed, "click "), "点击")
	msg, b, found, err := p.findLocked(strings.Fields(line))
	if !found {
		// Chinese puts no space before a number: "详情3" is "详情 3".
		label := strings.TrimRightFunc(line, unicode.IsDigit)
		if last, _ := utf8.DecodeLastRuneInString(label); label != line && label != "" && !unicode.IsSpace(last) {
			msg, b, found, err = p.findLocked(append(strings.Fields(label), line[len(label):]))
		}
	}
	if !found {
		return slackemu.Message{}, demoButton{}, errors.New(p.tr.T("DemoErrNoButton", "Typed", strconv.Quote(typed)))
	}
	return msg, b, err
}

// findLocked is find of a line split into words; found is false when no
// recent message has a button of any label the words start with.
func (p *demoPrinter) findLocked(words []string) (_ slackemu.Message, _ demoButton, found bool, _ error) {
	// The whole line as a label first, so a label that ends in a number
	// or a name is still found; then ever shorter labels with a pick.
	for n := len(words); n >= 1; n-- {
		label, pick := buttonKey(strings.Join(words[:n], " ")), strings.Join(words[n:], " ")
		if label == "" {
			continue
		}
		for i := len(p.recent) - 1; i >= 0; i-- {
			var same []demoButton
			for _, b := range messageButtons(p.recent[i].Blocks) {
				if buttonKey(b.Label) == label {
					same = append(same, b)
				}
			}
			if len(same) == 0 {
				continue
			}
			b, err := p.pickButton(same, pick)
			return p.recent[i], b, true, err
		}
	}
	return slackemu.Message{}, demoButton{}, false, nil
}

// buttonKey is a label as it is matched: letters and digits only, in lower
// case, one space between words, so "🔄 Refresh" is "refresh" and
// "Next ▶" is "next".
func buttonKey(label string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(label), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// pickButton picks one of the buttons that share a label: the first when
// pick is empty, the pick-th (from 1), or the one whose row names pick.
func (p *demoPrinter) pickButton(same []demoButton, pick string) (demoButton, error) {
	label := same[0].Label
	if pick == "" {
		return same[0], nil
	}
	if n, err := strconv.Atoi(pick); err == nil {
		if n < 1 || n > len(same) {
			return demoButton{}, errors.New(p.tr.T("DemoErrNoRow", "N", n, "Label", label, "Has", len(same)))
		}
		return same[n-1], nil
	}
	// A row's name is a whole word of its text ("*whisper-asr-3*" is not
	// whisper-asr-36); a part of a name is good enough when only one row
	// has it.
	var partial []demoButton
	for _, b := range same {
		for _, w := range strings.Fields(b.Row) {
			if strings.EqualFold(strings.Trim(w, "*_`~"), pick) {
				return b, nil
			}
		}
		if strings.Contains(strings.ToLower(b.Row), strings.ToLower(pick)) {
			partial = append(partial, b)
		}
	}
	switch len(partial) {
	case 1:
		return partial[0], nil
	case 0:
		return demoButton{}, errors.New(p.tr.T("DemoErrNoPick", "Label", label, "Pick", strconv.Quote(pick)))
	}
	return demoButton{}, errors.New(p.tr.T("DemoErrManyRows", "N", len(partial), "Pick", strconv.Quote(pick)))
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
