package lifecycle

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Documented limits (../shared/reference/lifecycle.md, L-ST and L-ARM).
const (
	MaxRules          = 100 // rules per policy
	MaxRuleNameLength = 256 // characters in a rule name
	MaxPrefixes       = 10  // prefixMatch entries per rule
	MaxTagFilters     = 10  // blobIndexMatch conditions per rule
	MaxTagNameLength  = 128 // characters in a tag filter's name (minimum 1)
	MaxTagValueLength = 256 // characters in a tag filter's value (minimum 0)
)

// Account is what validation and evaluation need to know about the storage
// account a policy runs in. The zero value is a standard general-purpose v2
// account with LRS and last-access tracking off.
type Account struct {
	// Premium is a premium block blob account (kind BlockBlobStorage):
	// no tiering, and the only account where tierToHot is allowed.
	Premium bool
	// Redundancy is LRS, GRS, RA-GRS, ZRS, GZRS or RA-GZRS; Archive is not
	// available with the zone-redundant ones.
	Redundancy string
	// AccessTracking is whether last-access-time tracking is on now, and
	// AccessTrackingSince (Unix seconds) when it was last enabled: the
	// documented stand-in for a blob whose LastAccessTime is null.
	AccessTracking      bool
	AccessTrackingSince int64
}

// ZoneRedundant reports whether the account's redundancy rules out Archive.
func (a *Account) ZoneRedundant() bool {
	switch strings.ToUpper(a.Redundancy) {
	case "ZRS", "GZRS", "RA-GZRS", "RAGZRS":
		return true
	}
	return false
}

// AccountFromSKU fills Premium and Redundancy from ARM kind and SKU name
// ("StorageV2", "Standard_RAGZRS").
func AccountFromSKU(kind, sku string) Account {
	a := Account{Premium: strings.EqualFold(kind, "BlockBlobStorage")}
	if _, r, ok := strings.Cut(sku, "_"); ok {
		a.Redundancy = strings.ToUpper(r)
		if strings.HasPrefix(a.Redundancy, "RA") && !strings.HasPrefix(a.Redundancy, "RA-") {
			a.Redundancy = "RA-" + a.Redundancy[2:]
		}
	}
	return a
}

// Validate checks every documented limit and rule of a policy. acct may be
// nil when the account is unknown; the checks that depend on it (tierToHot
// only on premium block blob accounts, no tiering there, no Archive with
// zone-redundant storage) are then skipped.
func Validate(p *Policy, acct *Account) Errors {
	v := &validator{acct: acct}
	v.policy(p)
	return v.errs
}

type validator struct {
	acct *Account
	errs Errors
}

func (v *validator) fail(path, hint, format string, args ...any) {
	v.errs = append(v.errs, &Error{Path: path, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (v *validator) policy(p *Policy) {
	switch {
	case len(p.Rules) == 0:
		v.fail("rules", "add a rule, or delete the policy", "a policy needs at least one rule")
	case len(p.Rules) > MaxRules:
		v.fail("rules", "merge rules that share actions", "%d rules; a policy holds at most %d", len(p.Rules), MaxRules)
	}
	seen := map[string]int{}
	for i := range p.Rules {
		r := &p.Rules[i]
		path := fmt.Sprintf("rules[%d]", i)
		if j, dup := seen[r.Name]; dup && r.Name != "" {
			v.fail(path+".name", fmt.Sprintf("rules[%d] has the same name; names are unique within a policy", j), "duplicate rule name %q", r.Name)
		} else {
			seen[r.Name] = i
		}
		v.rule(r, path)
	}
}

// The documentation says a rule name is "up to 256 alphanumeric
// characters", but its own examples use hyphens and the service accepts
// other printable characters (the Terraform provider relaxed its check for
// that reason), so only the length, emptiness and control characters are
// errors.
func (v *validator) rule(r *Rule, path string) {
	switch n := utf8.RuneCountInString(r.Name); {
	case r.Name == "":
		v.fail(path+".name", "such as archiveRule", "a rule needs a name")
	case n > MaxRuleNameLength:
		v.fail(path+".name", "", "rule name has %d characters; at most %d", n, MaxRuleNameLength)
	case strings.IndexFunc(r.Name, unicode.IsControl) >= 0:
		v.fail(path+".name", "use letters and digits", "rule name contains a control character")
	}
	if r.Type != "Lifecycle" {
		v.fail(path+".type", `the only valid value is "Lifecycle"`, "rule type is %q", r.Type)
	}
	d := &r.Definition
	dp := path + ".definition"
	appendOnly := false
	if d.Filters == nil {
		v.fail(dp+".filters", `such as {"blobTypes": ["blockBlob"]}`, "filters with blobTypes are required")
	} else {
		appendOnly = v.filters(d.Filters, dp+".filters")
	}
	v.actions(&d.Actions, dp+".actions", appendOnly)
}

// filters validates the filter set and reports whether it admits append
// blobs, which only delete actions may act on.
func (v *validator) filters(f *Filters, path string) bool {
	hasAppend := false
	if len(f.BlobTypes) == 0 {
		v.fail(path+".blobTypes", `list "blockBlob", "appendBlob" or both`, "at least one blob type is required")
	}
	seen := map[string]bool{}
	for i, t := range f.BlobTypes {
		p := fmt.Sprintf("%s.blobTypes[%d]", path, i)
		switch t {
		case "blockBlob":
		case "appendBlob":
			hasAppend = true
		case "pageBlob":
			v.fail(p, "lifecycle management supports block and append blobs", "page blobs are not supported")
		default:
			hint := `"blockBlob" or "appendBlob"`
			if strings.EqualFold(t, "blockBlob") || strings.EqualFold(t, "appendBlob") {
				hint = "values are case-sensitive: " + hint
			}
			v.fail(p, hint, "unknown blob type %q", t)
		}
		if seen[t] {
			v.fail(p, "", "blob type %q listed twice", t)
		}
		seen[t] = true
	}
	if len(f.PrefixMatch) > MaxPrefixes {
		v.fail(path+".prefixMatch", "split the rule, or use a shorter common prefix", "%d prefixes; a rule allows at most %d", len(f.PrefixMatch), MaxPrefixes)
	}
	for i, pre := range f.PrefixMatch {
		v.prefix(pre, fmt.Sprintf("%s.prefixMatch[%d]", path, i))
	}
	if len(f.BlobIndexMatch) > MaxTagFilters {
		v.fail(path+".blobIndexMatch", "", "%d tag conditions; a rule allows at most %d", len(f.BlobIndexMatch), MaxTagFilters)
	}
	for i, t := range f.BlobIndexMatch {
		p := fmt.Sprintf("%s.blobIndexMatch[%d]", path, i)
		switch n := utf8.RuneCountInString(t.Name); {
		case n == 0:
			v.fail(p+".name", "the tag key to match, such as Project", "tag name is empty; it has 1 to %d characters", MaxTagNameLength)
		case n > MaxTagNameLength:
			v.fail(p+".name", "", "tag name has %d characters; at most %d", n, MaxTagNameLength)
		}
		if t.Op != "==" {
			v.fail(p+".op", `only "==" is supported`, "operator %q is not supported", t.Op)
		}
		if n := utf8.RuneCountInString(t.Value); n > MaxTagValueLength {
			v.fail(p+".value", "", "tag value has %d characters; at most %d", n, MaxTagValueLength)
		}
	}
	return hasAppend
}

// prefix checks one prefixMatch entry: it starts with a container name (or
// the start of one), so the part before the first slash may hold only the
// characters container names allow.
func (v *validator) prefix(pre, path string) {
	if pre == "" {
		v.fail(path, "omit prefixMatch to match the whole account", "empty prefix")
		return
	}
	container, _, hasSlash := strings.Cut(pre, "/")
	if container == "" {
		v.fail(path, "write container/path, such as mycontainer/logs/", "prefix %q starts with a slash; prefixes start with the container name", pre)
		return
	}
	for i, c := range container {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '$' && i == 0
		if !ok {
			hint := "container names use lowercase letters, digits and hyphens"
			if c == '*' || c == '?' {
				hint = "prefixes have no wildcards: * and ? match themselves"
			}
			v.fail(path, hint, "prefix %q does not start with a container name", pre)
			return
		}
	}
	if hasSlash && !strings.HasPrefix(container, "$") && (len(container) < 3 || len(container) > 63) {
		v.fail(path, "container names have 3 to 63 characters", "container %q in prefix %q is not a valid name", container, pre)
	}
}

func (v *validator) actions(a *Actions, path string, appendBlobs bool) {
	if a.BaseBlob == nil && a.Snapshot == nil && a.Version == nil {
		v.fail(path, "add baseBlob, snapshot or version actions", "a rule needs at least one action")
		return
	}
	if b := a.BaseBlob; b != nil {
		p := path + ".baseBlob"
		n := 0
		for _, x := range b.each() {
			if x.cond == nil {
				continue
			}
			n++
			v.condition(x.cond, TargetBase, x.action, p+"."+x.action.String(), appendBlobs)
		}
		if n == 0 {
			v.fail(p, "add tierToCool, tierToCold, tierToArchive or delete", "no action for the current version")
		}
		if b.EnableAutoTierToHotFromCool != nil && *b.EnableAutoTierToHotFromCool {
			if b.TierToCool == nil || b.TierToCool.DaysAfterLastAccessTimeGreaterThan == nil {
				v.fail(p+".enableAutoTierToHotFromCool", "add tierToCool with daysAfterLastAccessTimeGreaterThan", "auto tier-to-hot needs a last-access tierToCool action")
			}
			if appendBlobs {
				v.fail(p+".enableAutoTierToHotFromCool", "append blobs are not tiered", "auto tier-to-hot is not supported with appendBlob")
			}
		}
	}
	for _, t := range []struct {
		name   string
		acts   *VersionActions
		target Target
	}{{"snapshot", a.Snapshot, TargetSnapshot}, {"version", a.Version, TargetVersion}} {
		if t.acts == nil {
			continue
		}
		p := path + "." + t.name
		n := 0
		for _, x := range t.acts.each() {
			if x.cond == nil {
				continue
			}
			n++
			v.condition(x.cond, t.target, x.action, p+"."+x.action.String(), appendBlobs)
		}
		if n == 0 {
			v.fail(p, "add tierToCool, tierToCold, tierToArchive or delete", "no action for %ss", t.name)
		}
	}
}

// condition checks one action's run condition against the documented
// combinations (L-ST, and the ARM schema's DateAfterModification and
// DateAfterCreation descriptions).
func (v *validator) condition(c *Condition, target Target, act Action, path string, appendBlobs bool) {
	mod, created, access, tier := c.DaysAfterModificationGreaterThan != nil, c.DaysAfterCreationGreaterThan != nil,
		c.DaysAfterLastAccessTimeGreaterThan != nil, c.DaysAfterLastTierChangeGreaterThan != nil
	if target == TargetBase {
		n := 0
		for _, b := range []bool{mod, created, access} {
			if b {
				n++
			}
		}
		switch {
		case n == 0:
			v.fail(path, "daysAfterModificationGreaterThan, daysAfterCreationGreaterThan or daysAfterLastAccessTimeGreaterThan", "the action has no run condition")
		case n > 1:
			v.fail(path, "keep one of them; use two rules for two conditions", "daysAfterModificationGreaterThan, daysAfterCreationGreaterThan and daysAfterLastAccessTimeGreaterThan are mutually exclusive")
		}
		if tier && act == TierToArchive && !mod {
			v.fail(path+".daysAfterLastTierChangeGreaterThan", "add daysAfterModificationGreaterThan; both must hold", "daysAfterLastTierChangeGreaterThan on the current version needs daysAfterModificationGreaterThan")
		}
	} else {
		if !created {
			v.fail(path, "snapshots and versions age from their creation", "daysAfterCreationGreaterThan is required for %s actions", targetWord(target))
		}
		if mod {
			v.fail(path+".daysAfterModificationGreaterThan", "use daysAfterCreationGreaterThan", "not allowed for %s actions", targetWord(target))
		}
		if access {
			v.fail(path+".daysAfterLastAccessTimeGreaterThan", "last access applies to the current version only", "not allowed for %s actions", targetWord(target))
		}
	}
	if tier && act != TierToArchive {
		v.fail(path+".daysAfterLastTierChangeGreaterThan", "it guards rehydrated blobs from going back to Archive", "daysAfterLastTierChangeGreaterThan applies only to tierToArchive")
	}
	if appendBlobs && act != Delete {
		v.fail(path, `append blobs support delete only; give tiering its own rule with blobTypes ["blockBlob"]`, "%s is not supported with appendBlob", act)
	}
	if v.acct == nil {
		return
	}
	switch {
	case act == TierToHot && !v.acct.Premium:
		v.fail(path, "tierToHot is only for premium block blob accounts", "tierToHot is not supported in this account")
	case v.acct.Premium && (act == TierToCool || act == TierToCold || act == TierToArchive):
		v.fail(path, "premium block blob accounts have no access tiers", "%s is not supported in a premium block blob account", act)
	case act == TierToArchive && v.acct.ZoneRedundant():
		v.fail(path, "Archive needs LRS, GRS or RA-GRS", "tierToArchive is not supported with %s", strings.ToUpper(v.acct.Redundancy))
	}
}

func targetWord(t Target) string {
	if t == TargetSnapshot {
		return "snapshot"
	}
	return "version"
}

type actionCond struct {
	action Action
	cond   *Condition
}

// each lists a target's actions in precedence order (cheapest first).
func (b *BaseBlobActions) each() [5]actionCond {
	return [5]actionCond{{Delete, b.Delete}, {TierToArchive, b.TierToArchive}, {TierToCold, b.TierToCold}, {TierToCool, b.TierToCool}, {TierToHot, b.TierToHot}}
}

func (b *VersionActions) each() [5]actionCond {
	return [5]actionCond{{Delete, b.Delete}, {TierToArchive, b.TierToArchive}, {TierToCold, b.TierToCold}, {TierToCool, b.TierToCool}, {TierToHot, b.TierToHot}}
}
