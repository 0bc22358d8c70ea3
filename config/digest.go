package config

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// clockTime matches a time of day as DIGEST_AT takes it: "09:30", "9:30".
var clockTime = regexp.MustCompile(`^([01]?\d|2[0-3]):([0-5]\d)$`)

// DigestEnabled reports whether a daily digest is configured.
func (c *Config) DigestEnabled() bool { return c.DigestAt != "" }

// DigestTarget is the channel the digest goes to: DIGEST_CHANNEL, else
// WATCH_CHANNEL.
func (c *Config) DigestTarget() string {
	if c.DigestChannel != "" {
		return c.DigestChannel
	}
	return c.WatchChannel
}

func (c *Config) checkDigest() []string {
	var problems []string
	c.Digest = 0
	if c.DigestAt != "" {
		m := clockTime.FindStringSubmatch(c.DigestAt)
		if m == nil {
			problems = append(problems, fmt.Sprintf("DIGEST_AT %q is not a time of day: write HH:MM in DISPLAY_TIMEZONE, e.g. 09:30", c.DigestAt))
		} else {
			h, _ := strconv.Atoi(m[1]) // the pattern admits only small numbers
			min, _ := strconv.Atoi(m[2])
			c.Digest = time.Duration(h)*time.Hour + time.Duration(min)*time.Minute
		}
		// The digest counts the watcher's incidents and goes out through
		// its outbox, exactly once: without the watcher there is neither.
		if !c.WatchEnabled() {
			problems = append(problems, "DIGEST_AT is set but the watcher is off: set WATCH_CHANNEL too (the digest reports the watcher's incidents, and DIGEST_CHANNEL defaults to WATCH_CHANNEL)")
		}
	}
	if c.DigestChannel != "" && !channelID.MatchString(c.DigestChannel) {
		problems = append(problems, fmt.Sprintf("DIGEST_CHANNEL: %q is not a channel id: %s", c.DigestChannel, channelIDHint))
	}
	return problems
}
