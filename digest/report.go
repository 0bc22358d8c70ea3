package digest

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"

	"scnetbot/scnet"
	"scnetbot/state"
)

// Window is how far back a digest looks.
const Window = 24 * time.Hour

// Report is what one digest says, computed from the store and SCNet; the
// renderer only writes it down.
type Report struct {
	// Day is the calendar day the digest is for, as it is recorded.
	Day string
	// From and To bound the window, To being when the digest was written.
	From, To time.Time

	Incidents Incidents

	// GPUs are the GPUs of running instances by region and resource group,
	// most first within a region, regions in the set's order.
	GPUs []GroupGPUs
	// TopUsers are the users with the most GPU-hours in the window, most
	// first.
	TopUsers []UserHours
	// Expiring are the running instances whose time limit runs out within
	// ExpiryWarn, soonest first.
	Expiring []Expiring
	// ExpiryWarn is the threshold Expiring used; ExpiryDefault says it is
	// the digest's default because WATCH_EXPIRY_WARN is not set.
	ExpiryWarn    time.Duration
	ExpiryDefault bool

	// Snoozes are the snoozes still running that last more than a day,
	// longest first.
	Snoozes []LongSnooze

	// Missing names the regions whose SCNet numbers (GPUs, users, time
	// limits) are missing because SCNet failed, and Suspended those the
	// account cannot use. Partial names the regions whose listing was cut
	// at the digest's bound. NoRegions is set when the regions themselves
	// could not be found: no SCNet numbers and no snoozes at all.
	Missing, Suspended, Partial []string
	NoRegions                   bool
}

// Incidents are the incidents of the window. A storm is one summary
// message over many incidents; its incidents count one by one, and Storms
// says how many storms they came in.
type Incidents struct {
	Opened int
	// InStorms of Opened came in Storms storms.
	InStorms, Storms int
	Resolved         int
	// ByHand of Resolved were resolved with the Resolve button.
	ByHand int
	// StillOpen counts every open incident, whenever it opened.
	StillOpen int
	// Longest is the incident open longest, nil when none is open.
	Longest *OpenIncident
}

// OpenIncident is an incident still open.
type OpenIncident struct {
	Name, Region string
	To           scnet.Status
	Since        time.Time
	AckedBy      string
}

// GroupGPUs is the GPUs running instances hold in one resource group.
type GroupGPUs struct {
	Region, Group   string
	GPUs, Instances int
}

// UserHours is one user's GPU-hours in the window.
type UserHours struct {
	User  string
	Hours float64
}

// Expiring is a running instance close to its time limit.
type Expiring struct {
	Name, Region, User string
	Left               time.Duration
}

// LongSnooze is a snooze longer than a day.
type LongSnooze struct {
	Name, Region, By string
	// Since is zero for a snooze recorded before starts were kept.
	Since, Until time.Time
}

// regionName is the name of a region by id, for records that keep only
// the id.
type regionNames map[string]string

func (n regionNames) of(id string) string {
	if name, ok := n[id]; ok {
		return name
	}
	return id
}

// countIncidents reads the alert records: an incident is an alert with an
// instance (a storm summary only groups them; account and outage notices
// are no incident of an instance).
func countIncidents(alerts []state.Alert, from, to time.Time, names regionNames) Incidents {
	in := func(t time.Time) bool { return t.After(from) && !t.After(to) }
	var inc Incidents
	storms := map[string]bool{}
	// A storm's members are acknowledged by whoever acknowledged its
	// summary, the one message people saw, as the Home tab shows them.
	stormAcks := map[string]string{}
	for _, a := range alerts {
		if a.Storm {
			stormAcks[a.ID] = a.AckedBy
		}
	}
	for _, a := range alerts {
		if a.Storm {
			if in(a.Created) {
				storms[a.ID] = true
			}
			continue
		}
		if a.InstanceID == "" {
			continue
		}
		if in(a.Created) {
			inc.Opened++
		}
		if !a.Closed.IsZero() {
			if in(a.Closed) {
				inc.Resolved++
				if a.ResolvedBy != "" {
					inc.ByHand++
				}
			}
			continue
		}
		if a.Created.After(to) {
			continue
		}
		inc.StillOpen++
		if inc.Longest == nil || a.Created.Before(inc.Longest.Since) {
			inc.Longest = &OpenIncident{Name: snapshotName(a), Region: names.of(a.Region), To: a.To, Since: a.Created, AckedBy: cmp.Or(a.AckedBy, stormAcks[a.Parent])}
		}
	}
	// Members point to their storm; a storm whose members were pruned
	// still counts as one.
	for _, a := range alerts {
		if a.Parent != "" && storms[a.Parent] && in(a.Created) && !a.Storm {
			inc.InStorms++
		}
	}
	inc.Storms = len(storms)
	return inc
}

// snapshotName is the instance name an alert kept, its id when it kept
// none.
func snapshotName(a state.Alert) string {
	var in struct {
		Name string `json:"instanceServiceName"`
	}
	if json.Unmarshal(a.Snapshot, &in) == nil && in.Name != "" {
		return in.Name
	}
	return a.InstanceID
}

// regionInstances is one region's listing.
type regionInstances struct {
	name      string
	instances []scnet.Instance
}

// usage sums the GPUs of running instances per resource group, and the
// GPU-hours of every instance in [from, to] per user: gpuNumber times the
// part of [startTime, endTime] (to for one still running) inside the
// window. An instance that ended without an endTime is left out of the
// hours: how long it ran is not known.
func usage(rs []regionInstances, from, to time.Time, top int) ([]GroupGPUs, []UserHours) {
	var groups []GroupGPUs
	hours := map[string]float64{}
	for _, r := range rs {
		byGroup := map[string]*GroupGPUs{}
		var order []*GroupGPUs
		for _, in := range r.instances {
			gpus := int(in.GPUNumber)
			if gpus <= 0 {
				continue
			}
			if in.Status == scnet.StatusRunning {
				g := byGroup[in.ResourceGroup]
				if g == nil {
					g = &GroupGPUs{Region: r.name, Group: in.ResourceGroup}
					byGroup[in.ResourceGroup] = g
					order = append(order, g)
				}
				g.GPUs += gpus
				g.Instances++
			}
			if in.StartTime.IsZero() {
				continue
			}
			end := in.EndTime.Time
			if end.IsZero() {
				if in.Status != scnet.StatusRunning {
					continue
				}
				end = to
			}
			start := in.StartTime.Time
			if start.Before(from) {
				start = from
			}
			if end.After(to) {
				end = to
			}
			if end.After(start) {
				hours[in.UserName] += float64(gpus) * end.Sub(start).Hours()
			}
		}
		slices.SortStableFunc(order, func(a, b *GroupGPUs) int {
			return cmp.Or(cmp.Compare(b.GPUs, a.GPUs), cmp.Compare(a.Group, b.Group))
		})
		for _, g := range order {
			groups = append(groups, *g)
		}
	}
	users := make([]UserHours, 0, len(hours))
	for u, h := range hours {
		users = append(users, UserHours{User: u, Hours: h})
	}
	slices.SortFunc(users, func(a, b UserHours) int {
		return cmp.Or(cmp.Compare(b.Hours, a.Hours), cmp.Compare(a.User, b.User))
	})
	if len(users) > top {
		users = users[:top]
	}
	return groups, users
}

// expiring lists the live instances whose time left is below warn at to.
func expiring(rs []regionInstances, to time.Time, warn time.Duration) []Expiring {
	var out []Expiring
	for _, r := range rs {
		for _, in := range r.instances {
			if !in.Status.Live() {
				continue
			}
			if left, ok := in.TimeLeft(to); ok && left < warn {
				out = append(out, Expiring{Name: in.Name, Region: r.name, User: in.UserName, Left: left})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Expiring) int { return cmp.Compare(a.Left, b.Left) })
	return out
}

// longSnoozes keeps the snoozes still running at to that last more than a
// day from their start to their end. A record without a start (written
// before starts were kept) counts when what is left of it alone is more
// than a day: it is at least that long.
func longSnoozes(region string, ss []state.Snooze, to time.Time) []LongSnooze {
	var out []LongSnooze
	for _, s := range ss {
		if !s.Until.After(to) {
			continue
		}
		start := s.Since
		if start.IsZero() {
			start = to
		}
		if s.Until.Sub(start) > Window {
			out = append(out, LongSnooze{Name: cmp.Or(s.InstanceName, s.InstanceID), Region: region, By: s.By, Since: s.Since, Until: s.Until})
		}
	}
	return out
}

// sortSnoozes puts the longest first: the one that has been silent
// longest, then the one that stays silent longest.
func sortSnoozes(ss []LongSnooze, to time.Time) {
	slices.SortStableFunc(ss, func(a, b LongSnooze) int {
		as, bs := cmp.Or(a.Since, to), cmp.Or(b.Since, to)
		return cmp.Or(as.Compare(bs), b.Until.Compare(a.Until))
	})
}
