// Command scnetbot is a Slack bot for the people on call for GPU container
// instances on SCNet: it answers /instances and alerts on failures.
//
// Usage:
//
//	scnetbot              run the bot (configured from the environment)
//	scnetbot version      print the version
//	scnetbot healthcheck  exit 0 when the running bot's /healthz answers
//	scnetbot -h           list the environment variables
//
// The demo, the bot against a built-in SCNet and Slack, is a program of its
// own (go run ./demo), so that this binary carries no simulator.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	// Embedded so DISPLAY_TIMEZONE works in a static image with no zoneinfo.
	_ "time/tzdata"

	"scnetbot/app"
	"scnetbot/config"
)

// version is stamped at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr))
}

// cli runs one subcommand and returns the process's exit code.
func cli(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	switch sub {
	case "":
		return runFromEnv(ctx, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "scnetbot", version)
		return 0
	case "demo":
		fmt.Fprintln(stderr, "scnetbot: the demo is its own program, so that this binary carries no simulator: run go run ./demo in scnetbot's source (go run ./demo --lang zh for the Chinese interface)")
		return 2
	case "healthcheck":
		return healthcheck(stderr)
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "scnetbot: unknown command %q\n\n", sub)
		usage(stderr)
		return 2
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `scnetbot: SCNet container instances for on-call, in Slack.

Commands:
  scnetbot              run the bot
  scnetbot version      print the version
  scnetbot healthcheck  check the running bot's /healthz (for container HEALTHCHECK)

The demo (the bot against a built-in SCNet and Slack) runs from the source: go run ./demo
(go run ./demo --lang zh in Chinese)

`)
	_ = config.Usage(w)
}

func runFromEnv(ctx context.Context, stderr io.Writer) int {
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintln(stderr, "scnetbot:", err)
		return 2
	}
	logger := newLogger(stderr, cfg)
	logger.Info("starting scnetbot", "version", version, "config", cfg)
	a, err := app.New(cfg, logger, version)
	if err != nil {
		logger.Error("scnetbot stopped", "err", err)
		return 1
	}
	if err := a.Run(ctx); err != nil {
		logger.Error("scnetbot stopped", "err", err)
		return 1
	}
	logger.Info("scnetbot stopped")
	return 0
}

func newLogger(w io.Writer, cfg *config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	if strings.EqualFold(cfg.LogFormat, "json") {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// healthcheck asks the local bot's /healthz; distroless images have no curl.
// It reads HTTP_ADDR as the bot does: unset is the default address, and set
// to empty means the bot runs no health server, so there is nothing to ask.
func healthcheck(stderr io.Writer) int {
	addr, set := os.LookupEnv("HTTP_ADDR")
	if !set {
		addr = config.Defaults().HTTPAddr
	}
	if addr == "" {
		fmt.Fprintln(stderr, "healthcheck: HTTP_ADDR is empty, so the health server is off and there is nothing to check; "+
			"set HTTP_ADDR (e.g. :8080), or run the container without a health check (docker run --no-healthcheck)")
		return 1
	}
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(stderr, "healthcheck: /healthz answered", resp.Status)
		return 1
	}
	return 0
}
