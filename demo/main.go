package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	// Embedded as in scnetbot, so the demo shows Asia/Shanghai times on a
	// machine with no zoneinfo too.
	_ "time/tzdata"
)

func main() {
	os.Exit(cli(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// cli runs the demo and returns the process's exit code: 2 for a bad
// command line, 1 when the demo failed.
func cli(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runDemo(ctx, args, stdin, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "scnetbot demo:", err)
		if errors.As(err, new(usageError)) {
			return 2
		}
		return 1
	}
	return 0
}
