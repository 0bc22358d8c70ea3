package blockkit

import (
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/i18n"
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
	// Printer writes the view's words; nil writes English.
	Printer  *i18n.Printer
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
func (v Details) accessBlocks(p *i18n.Printer) []slack.Block {
	var blocks []slack.Block
	var els []slack.BlockElement
	if u := SafeAccessURL(v.AccessURL); u != "" && len(u) <= MaxButtonURL {
		open := slack.NewButtonBlockElement(OpenActionID, "", slack.NewTextBlockObject(slack.PlainTextType, p.T("KitOpen"), true, false))
		open.URL = u
		els = append(els, open)
	} else if cmd := SSHCommand(v.AccessURL); cmd != "" {
		blocks = append(blocks, Section("*"+p.T("KitAccess")+"* "+cmd))
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
	in, loc, p := v.Instance, v.Location, v.printer()
	blocks := []slack.Block{slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, PlainText(v.title(p), MaxHeaderText), false, false))}

	blocks = append(blocks, slack.NewSectionBlock(nil, []*slack.TextBlockObject{
		Field(p.T("KitFieldStatus"), StatusEmoji(in.Status)+" "+StatusText(p, in.Status)),
		Field(p.T("KitFieldTaskType"), Value(string(in.TaskType), detailsShort)),
		Field(p.T("KitFieldID"), Value(in.ID, detailsShort)),
		Field(p.T("KitFieldUser"), Value(in.UserName, detailsShort)),
		Field(p.T("KitFieldResources"), Resources(p, in, "")),
		Field(p.T("KitFieldAccelerator"), Value(in.AcceleratorType, detailsShort)),
		Field(p.T("KitFieldSpec"), Spec(p, in.ResourceSpec, fieldValue)),
		Field(p.T("KitFieldResourceGroup"), Value(in.ResourceGroup, detailsShort)),
		Field(p.T("KitFieldImage"), Value(in.Version, fieldValue)),
		Field(p.T("KitFieldImagePath"), Value(in.ImagePath, fieldValue)),
	}, nil))

	script := p.T("KitStartScriptUnused")
	if in.UseStartScript {
		script = p.T("KitStartScriptUsed", "Path", Value(in.StartScriptPath, fieldValue))
	}
	blocks = append(blocks, slack.NewSectionBlock(nil, []*slack.TextBlockObject{
		Field(p.T("KitFieldCreated"), Clock(in.CreateTime, loc)),
		Field(p.T("KitFieldStarted"), Clock(in.StartTime, loc)),
		Field(p.T("KitFieldEnded"), Clock(in.EndTime, loc)),
		Field(p.T("KitFieldRunTime"), RunTime(p, in, v.Now)),
		Field(p.T("KitFieldTimeout"), SCNetDuration(p, in.TimeoutLimit, detailsShort)),
		Field(p.T("KitFieldRemaining"), SCNetDuration(p, in.RemainingTime, detailsShort)),
		Field(p.T("KitFieldTasks"), tasks(p, in)),
		Field(p.T("KitFieldNotebookIP"), Value(in.HeaderNotebookIP, detailsShort)),
		Field(p.T("KitFieldTensorBoard"), Value(in.TensorboardPath, fieldValue)),
		Field(p.T("KitFieldStartScript"), script),
	}, nil))

	if len(in.Ports) > 0 {
		blocks = append(blocks, Section("*"+p.T("KitPorts")+"*\n"+portLines(p, in.Ports)))
	}
	if len(in.Mounts) > 0 {
		blocks = append(blocks, Section("*"+p.T("KitMounts")+"*\n"+mountLines(p, in.Mounts)))
	}
	if d := strings.TrimSpace(in.Description); d != "" {
		blocks = append(blocks, Section("*"+p.T("KitDescription")+"*\n"+EscapeTruncate(d, detailsDesc)))
	}
	blocks = append(blocks, v.accessBlocks(p)...)
	ctx := ZoneNote(p, v.Now, loc) + " · " + p.T("KitAsOf", "Time", v.Now.In(loc).Format("15:04:05"))
	if r := strings.TrimSpace(v.Region); r != "" {
		ctx = p.T("KitRegion", "Region", Value(r, detailsShort)) + " · " + ctx
	}
	if v.Note != "" {
		ctx += " · " + v.Note
	}
	blocks = append(blocks, Context(ctx))
	return blocks
}

// Fallback is the view's notification text.
func (v Details) Fallback() string {
	in, p := v.Instance, v.printer()
	args := []any{"Name", Value(v.title(p), detailsName), "Status", StatusText(p, in.Status),
		"Resources", Resources(p, in, ""), "User", Value(in.UserName, detailsShort)}
	if r := strings.TrimSpace(v.Region); r != "" {
		return Truncate(p.T("KitDetailsFallbackIn", append(args, "Region", Value(r, detailsShort))...), MaxMessageText)
	}
	return Truncate(p.T("KitDetailsFallback", args...), MaxMessageText)
}

// printer is the view's printer, English when none was given.
func (v Details) printer() *i18n.Printer {
	if v.Printer != nil {
		return v.Printer
	}
	return i18n.EnglishPrinter()
}

// title is what the header names: the instance's name, else its id, never
// nothing (Slack refuses a header without text).
func (v Details) title(p *i18n.Printer) string {
	for _, s := range []string{v.Instance.Name, v.Instance.ID} {
		if s = strings.TrimSpace(Clean(s)); s != "" {
			return s
		}
	}
	return p.T("KitUnnamed")
}

// portLines lists ports with how to reach them: a link for http(s), the
// command for ssh.
func portLines(p *i18n.Printer, ports []scnet.Port) string {
	return Bullets(p, ports, maxListed, func(port scnet.Port) string {
		var b strings.Builder
		if strings.TrimSpace(port.Name) != "" {
			b.WriteString(Value(port.Name, 60) + " ")
		}
		b.WriteString(strconv.Itoa(int(port.ContainerPort)))
		if strings.TrimSpace(port.Protocol) != "" {
			b.WriteString("/" + Value(port.Protocol, 10))
		}
		if link := AccessLink(port.AccessURL, p.T("KitOpenLink")); link != "" {
			b.WriteString(" — " + link)
		} else if cmd := SSHCommand(port.AccessURL); cmd != "" {
			b.WriteString(" — " + cmd)
		}
		return b.String()
	})
}

// mountLines lists mounts as "source → target".
func mountLines(p *i18n.Printer, ms []scnet.Mount) string {
	return Bullets(p, ms, maxListed, func(m scnet.Mount) string {
		return Value(m.Source, 100) + " → " + Value(m.Target, 100)
	})
}

// Bullets writes one "• " line per item, at most max of them and then how
// many more there are, so a huge list cannot overflow a section.
func Bullets[T any](p *i18n.Printer, items []T, max int, line func(T) string) string {
	lines := make([]string, 0, min(len(items), max)+1)
	for i, it := range items {
		if i == max {
			lines = append(lines, "• "+p.T("KitMore", "N", len(items)-max))
			break
		}
		lines = append(lines, "• "+line(it))
	}
	return strings.Join(lines, "\n")
}

// tasks writes the task counter of a multi-task instance.
func tasks(p *i18n.Printer, in *scnet.Instance) string {
	if in.TaskNumber <= 0 {
		return None
	}
	return p.T("KitTasks", "Current", int(in.CurrentIndex), "Total", int(in.TaskNumber))
}
