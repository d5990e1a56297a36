package lifecycle

import (
	"strings"
	"unicode"
)

// Minimum days a blob is billed in a tier (early-deletion period), from the
// Blob access tiers overview (../shared/reference/storage.md).
const (
	CoolMinimumDays    = 30
	ColdMinimumDays    = 90
	ArchiveMinimumDays = 180
)

// Item is one class of data under a prefix.
type Item struct {
	Name       string // becomes the rule name
	Prefix     string // "container/" or "container/path/"
	HotDays    int    // days after last modification before leaving Hot
	RetainDays int    // days after last modification before deletion
	// Archive allows the Archive tier; off for data that must stay readable
	// within milliseconds (checkpoints a job may resume from).
	Archive bool
}

// Step is one tier change or deletion of a schedule.
type Step struct {
	Day    int    `json:"day"`
	Action string `json:"action"` // tierToCool, tierToCold, tierToArchive, delete
}

// Schedule is the tiering plan of an item: each tier is used only if the
// data stays in it at least that tier's minimum, so that no step pays an
// early-deletion fee.
func Schedule(it Item) []Step {
	var steps []Step
	day := it.HotDays
	next := func(action string, minDays int, allowed bool) {
		if allowed && it.RetainDays-day >= minDays {
			steps = append(steps, Step{Day: day, Action: action})
			day += minDays
		}
	}
	next("tierToCool", CoolMinimumDays, true)
	next("tierToCold", ColdMinimumDays, true)
	next("tierToArchive", ArchiveMinimumDays, it.Archive)
	steps = append(steps, Step{Day: it.RetainDays, Action: "delete"})
	return steps
}

// Generate writes one rule per item: tier down the current version on its
// schedule and delete it, and its snapshots and previous versions, at
// retention (a current version is not deleted while versions remain).
func Generate(items []Item) Policy {
	p := Policy{Rules: []Rule{}}
	for _, it := range items {
		base := &BaseBlobActions{}
		for _, s := range Schedule(it) {
			c := AfterModification(s.Day)
			switch s.Action {
			case "tierToCool":
				base.TierToCool = c
			case "tierToCold":
				base.TierToCold = c
			case "tierToArchive":
				base.TierToArchive = c
			case "delete":
				base.Delete = c
			}
		}
		enabled := true
		p.Rules = append(p.Rules, Rule{
			Enabled: &enabled,
			Name:    RuleName(it.Name),
			Type:    "Lifecycle",
			Definition: Definition{
				Filters: &Filters{BlobTypes: []string{"blockBlob"}, PrefixMatch: []string{it.Prefix}},
				Actions: Actions{
					BaseBlob: base,
					Snapshot: &VersionActions{Delete: AfterCreation(it.RetainDays)},
					Version:  &VersionActions{Delete: AfterCreation(it.RetainDays)},
				},
			},
		})
	}
	return p
}

// RuleName turns "sft-corpus" into "sftCorpus": rule names are alphanumeric.
func RuleName(s string) string {
	var b strings.Builder
	upper := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if upper {
				r = unicode.ToUpper(r)
				upper = false
			}
			b.WriteRune(r)
		default:
			upper = b.Len() > 0
		}
	}
	if b.Len() == 0 {
		return "rule"
	}
	return b.String()
}
