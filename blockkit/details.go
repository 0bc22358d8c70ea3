package blockkit

import (
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/scnet"
)

// Bounds for the details view. Lists are capped so a hostile or broken
// answer with thousands of ports cannot overflow a section.
const (
	maxListed    = 10
	fieldValue   = 500
	detailsDesc  = 2500
	detailsShort = 200
	detailsName  = 200
)

// Details is one instance's details view, the same wherever it is shown:
// the /instances <id> reply and an alert's Details button. Its blocks end
// with the context line; callers add their own buttons (Back, Refresh…)
// after it. The instance's own buttons, Open and the actions, come before
// the context line.
type Details struct {
	Instance *scnet.Instance
	// Now is the moment shown as "as of" and the end of a running
	// instance's run time.
	Now time.Time
	// Location is the display zone.
	Location *time.Location
	// Note is added to the context line, already mrkdwn ("shared by <@U1>").
	Note string
	// Region is the name of the SCNet region the instance runs in, shown
	// first on the context line; "" shows none (a bot with one region has
	// nothing to tell apart).
	Region string
	// AccessURL is the instance's access URL as SCNet gives it, "" for
	// none. An http(s) URL becomes an Open link button showing only its
	// scheme, host, port and path (SafeAccessURL: a token in the query
	// never shows); an ssh URL is shown as the ssh command, with no
	// button; anything else is not shown.
	AccessURL string
	// Actions are the instance's action buttons (restart, stop, delete)
	// as the caller has them, e.g. from actions.Service.Buttons; nil for
	// none. They share one actions block with Open.
	Actions []slack.BlockElement
}

// OpenActionID is the action id of the Open link button. Slack opens the
// link in the browser and still sends the click to the app, which acks it
// and answers nothing.
const OpenActionID = "inst.open"

// accessBlocks are the instance's own access and action blocks: the ssh
// command of an ssh access URL, and one actions block with Open and the
// caller's action buttons.
func (v Details) accessBlocks() []slack.Block {
	var blocks []slack.Block
	var els []slack.BlockElement
	if u := SafeAccessURL(v.AccessURL); u != "" && len(u) <= MaxButtonURL {
		open := slack.NewButtonBlockElement(OpenActionID, "", slack.NewTextBlockObject(slack.PlainTextType, ":link: Open", true, false))
		open.URL = u
		els = append(els, open)
	} else if cmd := SSHCommand(v.AccessURL); cmd != "" {
		blocks = append(blocks, Section("*Access* "+cmd))
	}
	for _, a := range v.Actions {
		if a != nil && len(els) < MaxActionsElements {
			els = append(els, a)
		}
	}
	if len(els) > 0 {
		blocks = append(blocks, slack.NewActionBlock("", els...))
	}
	return blocks
}

// Blocks renders the view. The start script's content never appears:
// scnet.Instance does not even carry it.
func (v Details) Blocks() []slack.Block {
	in, loc := v.Instance, v.Location
	blocks := []slack.Block{slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, PlainText(v.title(), MaxHeaderText), false, false))}

	blocks = append(blocks, slack.NewSectionBlock(nil, []*slack.TextBlockObject{
		Field("Status", StatusEmoji(in.Status)+" "+StatusText(in.Status)),
		Field("Task type", Value(string(in.TaskType), detailsShort)),
		Field("ID", Value(in.ID, detailsShort)),
		Field("User", Value(in.UserName, detailsShort)),
		Field("GPUs / CPUs / RAM", Resources(in, "")),
		Field("Accelerator", Value(in.AcceleratorType, detailsShort)),
		Field("Spec", Spec(in.ResourceSpec, fieldValue)),
		Field("Resource group", Value(in.ResourceGroup, detailsShort)),
		Field("Image", Value(in.Version, fieldValue)),
		Field("Image path", Value(in.ImagePath, fieldValue)),
	}, nil))

	script := "not used"
	if in.UseStartScript {
		script = "used: " + Value(in.StartScriptPath, fieldValue)
	}
	blocks = append(blocks, slack.NewSectionBlock(nil, []*slack.TextBlockObject{
		Field("Created", Clock(in.CreateTime, loc)),
		Field("Started", Clock(in.StartTime, loc)),
		Field("Ended", Clock(in.EndTime, loc)),
		Field("Run time", RunTime(in, v.Now)),
		Field("Timeout", SCNetDuration(in.TimeoutLimit, detailsShort)),
		Field("Remaining", SCNetDuration(in.RemainingTime, detailsShort)),
		Field("Tasks", tasks(in)),
		Field("Notebook IP", Value(in.HeaderNotebookIP, detailsShort)),
		Field("TensorBoard", Value(in.TensorboardPath, fieldValue)),
		Field("Start script", script),
	}, nil))

	if len(in.Ports) > 0 {
		blocks = append(blocks, Section("*Ports*\n"+portLines(in.Ports)))
	}
	if len(in.Mounts) > 0 {
		blocks = append(blocks, Section("*Mounts*\n"+mountLines(in.Mounts)))
	}
	if d := strings.TrimSpace(in.Description); d != "" {
		blocks = append(blocks, Section("*Description*\n"+EscapeTruncate(d, detailsDesc)))
	}
	blocks = append(blocks, v.accessBlocks()...)
	ctx := ZoneNote(v.Now, loc) + " · as of " + v.Now.In(loc).Format("15:04:05")
	if r := strings.TrimSpace(v.Region); r != "" {
		ctx = "Region *" + Value(r, detailsShort) + "* · " + ctx
	}
	if v.Note != "" {
		ctx += " · " + v.Note
	}
	blocks = append(blocks, Context(ctx))
	return blocks
}

// Fallback is the view's notification text.
func (v Details) Fallback() string {
	in := v.Instance
	where := ""
	if r := strings.TrimSpace(v.Region); r != "" {
		where = " in " + Value(r, detailsShort)
	}
	return Truncate("Instance "+Value(v.title(), detailsName)+where+": "+StatusText(in.Status)+", "+Resources(in, "")+", user "+Value(in.UserName, detailsShort), MaxMessageText)
}

// title is what the header names: the instance's name, else its id, never
// nothing (Slack refuses a header without text).
func (v Details) title() string {
	for _, s := range []string{v.Instance.Name, v.Instance.ID} {
		if s = strings.TrimSpace(Clean(s)); s != "" {
			return s
		}
	}
	return "Unnamed instance"
}

// portLines lists ports with how to reach them: a link for http(s), the
// command for ssh.
func portLines(ports []scnet.Port) string {
	return Bullets(ports, maxListed, func(p scnet.Port) string {
		var b strings.Builder
		if strings.TrimSpace(p.Name) != "" {
			b.WriteString(Value(p.Name, 60) + " ")
		}
		b.WriteString(strconv.Itoa(int(p.ContainerPort)))
		if strings.TrimSpace(p.Protocol) != "" {
			b.WriteString("/" + Value(p.Protocol, 10))
		}
		if link := AccessLink(p.AccessURL, "open"); link != "" {
			b.WriteString(" — " + link)
		} else if cmd := SSHCommand(p.AccessURL); cmd != "" {
			b.WriteString(" — " + cmd)
		}
		return b.String()
	})
}

// mountLines lists mounts as "source → target".
func mountLines(ms []scnet.Mount) string {
	return Bullets(ms, maxListed, func(m scnet.Mount) string {
		return Value(m.Source, 100) + " → " + Value(m.Target, 100)
	})
}

// Bullets writes one "• " line per item, at most max of them and then how
// many more there are, so a huge list cannot overflow a section.
func Bullets[T any](items []T, max int, line func(T) string) string {
	lines := make([]string, 0, min(len(items), max)+1)
	for i, it := range items {
		if i == max {
			lines = append(lines, "• … and "+strconv.Itoa(len(items)-max)+" more")
			break
		}
		lines = append(lines, "• "+line(it))
	}
	return strings.Join(lines, "\n")
}

// tasks writes the task counter of a multi-task instance.
func tasks(in *scnet.Instance) string {
	if in.TaskNumber <= 0 {
		return None
	}
	return strconv.Itoa(int(in.CurrentIndex)) + " of " + strconv.Itoa(int(in.TaskNumber))
}
