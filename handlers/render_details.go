package handlers

import (
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/scnet"
)

// Bounds for the details view. Lists are capped so a hostile or broken
// answer with thousands of ports cannot overflow a section.
const (
	maxListed    = 10
	fieldValue   = 500
	detailsDesc  = 2500
	detailsShort = 200
)

// detailsView is everything a details reply shows.
type detailsView struct {
	inst     *scnet.Instance
	back     *string // list query of the Back button, nil for none
	shared   bool
	sharedBy string
}

// field is one "*label*\nvalue" field of a section; value is already
// escaped.
func field(label, value string) *slack.TextBlockObject {
	return mrkdwn(blockkit.Truncate("*"+label+"*\n"+value, blockkit.MaxFieldText))
}

// details renders one instance. The start script's content never appears:
// scnet.Instance does not even carry it.
func (r renderer) details(v detailsView) *slack.WebhookMessage {
	in := v.inst
	name := strings.TrimSpace(in.Name)
	if name == "" {
		name = strings.TrimSpace(in.ID)
	}
	if name == "" {
		// Slack refuses a message whose header has no text.
		name = "Unnamed instance"
	}
	blocks := []slack.Block{slack.NewHeaderBlock(plain(name, blockkit.MaxHeaderText))}

	accel := text(in.AcceleratorType, detailsShort)
	blocks = append(blocks, slack.NewSectionBlock(nil, []*slack.TextBlockObject{
		field("Status", statusEmoji(in.Status)+" "+statusText(in.Status)),
		field("Task type", text(string(in.TaskType), detailsShort)),
		field("ID", text(in.ID, detailsShort)),
		field("User", text(in.UserName, detailsShort)),
		field("GPUs / CPUs / RAM", resources(in)),
		field("Accelerator", accel),
		field("Spec", text(in.ResourceSpec, fieldValue)),
		field("Resource group", text(in.ResourceGroup, detailsShort)),
		field("Image", text(in.Version, fieldValue)),
		field("Image path", text(in.ImagePath, fieldValue)),
	}, nil))

	script := "not used"
	if in.UseStartScript {
		script = "used: " + text(in.StartScriptPath, fieldValue)
	}
	blocks = append(blocks, slack.NewSectionBlock(nil, []*slack.TextBlockObject{
		field("Created", r.clock(in.CreateTime)),
		field("Started", r.clock(in.StartTime)),
		field("Ended", r.clock(in.EndTime)),
		field("Run time", r.runTime(in)),
		field("Timeout", text(in.TimeoutLimit, detailsShort)),
		field("Remaining", text(in.RemainingTime, detailsShort)),
		field("Tasks", tasks(in)),
		field("Notebook IP", text(in.HeaderNotebookIP, detailsShort)),
		field("TensorBoard", text(in.TensorboardPath, fieldValue)),
		field("Start script", script),
	}, nil))

	if len(in.Ports) > 0 {
		blocks = append(blocks, section("*Ports*\n"+portLines(in.Ports)))
	}
	if len(in.Mounts) > 0 {
		blocks = append(blocks, section("*Mounts*\n"+mountLines(in.Mounts)))
	}
	if d := strings.TrimSpace(in.Description); d != "" {
		blocks = append(blocks, section("*Description*\n"+blockkit.EscapeTruncate(d, detailsDesc)))
	}
	ctx := r.zoneNote() + " · as of " + r.now.In(r.loc).Format("15:04:05")
	if v.shared && v.sharedBy != "" {
		ctx += " · shared by " + userMention(v.sharedBy)
	}
	blocks = append(blocks, contextLine(ctx))

	if !v.shared {
		// An actions block needs at least one element.
		var els []slack.BlockElement
		if v.back != nil {
			els = append(els, button(actionBack, "◀ Back to list", buttonValue{Q: *v.back}))
		}
		if buttonID(in.ID) {
			els = append(els,
				button(actionRefresh, ":arrows_counterclockwise: Refresh", buttonValue{ID: in.ID, B: v.back}),
				button(actionShare, "Share to channel", buttonValue{ID: in.ID}),
			)
		}
		if len(els) > 0 {
			blocks = append(blocks, slack.NewActionBlock("", els...))
		}
	}
	fallback := "Instance " + text(name, rowName) + ": " + statusText(in.Status) + ", " + resources(in) + ", user " + text(in.UserName, detailsShort)
	return message(fallback, blocks...)
}

// portLines lists ports with their access links.
func portLines(ports []scnet.Port) string {
	return bullets(ports, maxListed, func(p scnet.Port) string {
		var b strings.Builder
		if p.Name != "" {
			b.WriteString(text(p.Name, 60) + " ")
		}
		b.WriteString(strconv.Itoa(int(p.ContainerPort)))
		if p.Protocol != "" {
			b.WriteString("/" + text(p.Protocol, 10))
		}
		if link := accessLink(p.AccessURL, "open"); link != "" {
			b.WriteString(" — " + link)
		}
		return b.String()
	})
}

// mountLines lists mounts as "source → target".
func mountLines(ms []scnet.Mount) string {
	return bullets(ms, maxListed, func(m scnet.Mount) string {
		return text(m.Source, 100) + " → " + text(m.Target, 100)
	})
}

// bullets writes one "• " line per item, at most max of them and then how
// many more there are, so a huge list cannot overflow a section.
func bullets[T any](items []T, max int, line func(T) string) string {
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
		return none
	}
	return strconv.Itoa(int(in.CurrentIndex)) + " of " + strconv.Itoa(int(in.TaskNumber))
}
