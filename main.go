// Command scnetbot is a Slack bot for the people on call for GPU container
// instances on SCNet: it answers /instances and alerts on failures.
package main

import (
	"fmt"
	"os"
)

func main() {
	// Not finished: the runtime lands with the bot package.
	fmt.Fprintln(os.Stderr, "scnetbot: the bot runtime is not built yet")
	os.Exit(1)
}
