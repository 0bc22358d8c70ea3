package actions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/i18n"
)

// access decides who may act: the configured users, and the members of
// the user group as Slack lists them, reused for ttl. One Slack call at a
// time reads the group: clicks arriving while it runs wait for its answer
// instead of calling again.
type access struct {
	users   []string
	group   string
	groups  UserGroups
	ttl     time.Duration
	timeout time.Duration
	now     func() time.Time
	log     *slog.Logger // nil discards

	mu      sync.Mutex
	members map[string]bool
	fetched time.Time
	// flight is the group read in progress, nil when none.
	flight *groupRead
}

// groupReadTimeout bounds a read of the group's members: the Delete button
// checks permission before it opens its modal, and Slack's trigger_id for
// that lasts 3 seconds. A slower Slack is a refusal to try again.
const groupReadTimeout = 2 * time.Second

// groupRead is one usergroups.users.list call; done is closed when members
// and err are set.
type groupRead struct {
	done    chan struct{}
	members map[string]bool
	err     error
}

// allowed reports whether user may act, and the refusal when not, in p's
// language.
func (a *access) allowed(ctx context.Context, p *i18n.Printer, user string) (bool, string) {
	if user != "" && slices.Contains(a.users, user) {
		return true, ""
	}
	if a.group == "" || user == "" {
		return false, a.refusal(p)
	}
	members, err := a.groupMembers(ctx)
	var refused slack.SlackErrorResponse
	switch {
	case errors.As(err, &refused):
		// Slack answered, with an error that waiting does not cure (an
		// unknown group, a missing scope): the operator must act.
		group := "ACTION_USERGROUP"
		if slackID(a.group) {
			group += " (" + a.group + ")"
		}
		return false, p.T("ActGroupRefused", "Error", blockkit.EscapeTruncate(refused.Err, 60), "Group", group)
	case err != nil:
		return false, p.T("ActGroupUnknown")
	}
	if members[user] {
		return true, ""
	}
	return false, a.refusal(p)
}

// groupMembers returns the group's members, read from Slack when the last
// read is older than ttl.
func (a *access) groupMembers(ctx context.Context) (map[string]bool, error) {
	a.mu.Lock()
	if a.members != nil && a.now().Sub(a.fetched) < a.ttl {
		m := a.members
		a.mu.Unlock()
		return m, nil
	}
	f := a.flight
	if f == nil {
		f = &groupRead{done: make(chan struct{})}
		a.flight = f
		a.mu.Unlock()
		a.read(ctx, f)
	} else {
		a.mu.Unlock()
	}
	select {
	case <-f.done:
		return f.members, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// read runs one group read and shares its answer.
func (a *access) read(ctx context.Context, f *groupRead) {
	var ids []string
	err := fmt.Errorf("user group %s: no client to read it", a.group)
	if a.groups != nil {
		// The read is shared by every waiting click, so one click's end
		// must not cut it short; the timeout still bounds it.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.timeout)
		ids, err = a.groups.GetUserGroupMembersContext(rctx, a.group)
		cancel()
		if err != nil {
			err = fmt.Errorf("read members of user group %s: %w", a.group, err)
			if a.log != nil {
				a.log.Warn("cannot read ACTION_USERGROUP's members: nobody but ACTION_USERS may act until Slack lists them", "usergroup", a.group, "err", err)
			}
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.flight = nil
	if err == nil {
		f.members = make(map[string]bool, len(ids))
		for _, id := range ids {
			f.members[id] = true
		}
		a.members, a.fetched = f.members, a.now()
	}
	f.err = err
	close(f.done)
}

// maxNamed bounds how many users a refusal names.
const maxNamed = 10

// refusal names who may act. The ids come from the configuration; only
// those shaped like Slack ids are written as mentions.
func (a *access) refusal(p *i18n.Printer) string {
	var who []string
	for _, u := range a.users {
		if len(who) == maxNamed {
			who = append(who, p.N("ActMore", len(a.users)-maxNamed))
			break
		}
		if slackID(u) {
			who = append(who, "<@"+u+">")
		}
	}
	if a.group != "" && slackID(a.group) {
		who = append(who, p.T("ActGroupMembers", "Group", a.group))
	}
	if len(who) == 0 {
		return p.T("ActNobody")
	}
	list := who[0]
	if len(who) > 1 {
		list = p.T("ActAnd", "List", p.Join(who[:len(who)-1]), "Last", who[len(who)-1])
	}
	return p.T("ActOnly", "Who", list)
}

// slackID reports whether s looks like a Slack user or group id.
func slackID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
