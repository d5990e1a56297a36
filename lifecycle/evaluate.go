package lifecycle

import (
	"fmt"
	"math"
	"strings"
)

// Tier is a blob access tier, ordered from warmest to coolest so that
// "cooler than" is a comparison. Premium is the single tier of premium
// block blob accounts.
type Tier uint8

const (
	TierUnknown Tier = iota
	TierHot
	TierCool
	TierCold
	TierArchive
	TierPremium
	NumTiers
)

var tierNames = [NumTiers]string{"", "Hot", "Cool", "Cold", "Archive", "Premium"}

func (t Tier) String() string {
	if t < NumTiers {
		return tierNames[t]
	}
	return fmt.Sprintf("Tier(%d)", t)
}

// ParseTier reads an access tier as inventories and the REST API spell it
// ("Hot", "cool", ...); the empty string is TierUnknown.
func ParseTier(s string) (Tier, bool) {
	switch s { // the exact spellings first: no case folding per row
	case "Hot":
		return TierHot, true
	case "Cool":
		return TierCool, true
	case "Cold":
		return TierCold, true
	case "Archive":
		return TierArchive, true
	}
	for t := TierHot; t < NumTiers; t++ {
		if strings.EqualFold(s, tierNames[t]) {
			return t, true
		}
	}
	// Premium page blob tiers (P10, P20, ...) are not lifecycle tiers.
	return TierUnknown, s == ""
}

// BlobType is block, append or page.
type BlobType uint8

const (
	BlockBlob BlobType = iota
	AppendBlob
	PageBlob
)

func (t BlobType) String() string {
	return [...]string{"BlockBlob", "AppendBlob", "PageBlob"}[t]
}

// ParseBlobType reads "BlockBlob", "blockBlob", "AppendBlob", "PageBlob".
func ParseBlobType(s string) (BlobType, bool) {
	switch s {
	case "BlockBlob":
		return BlockBlob, true
	case "AppendBlob":
		return AppendBlob, true
	}
	switch strings.ToLower(s) {
	case "blockblob":
		return BlockBlob, true
	case "appendblob":
		return AppendBlob, true
	case "pageblob":
		return PageBlob, true
	}
	return BlockBlob, false
}

// Target is what an action set acts on: the current version (baseBlob), a
// snapshot, or a previous version.
type Target uint8

const (
	TargetBase Target = iota
	TargetSnapshot
	TargetVersion
)

func (t Target) String() string { return [...]string{"baseBlob", "snapshot", "version"}[t] }

// Action is what a daily run does to one blob. The order is the documented
// precedence: when several actions qualify, the least expensive wins —
// delete over tierToArchive over tierToCold over tierToCool (L-ST).
// tierToHot, which exists only in premium accounts, comes last.
type Action uint8

const (
	Delete Action = iota
	TierToArchive
	TierToCold
	TierToCool
	TierToHot
	None
)

func (a Action) String() string {
	return [...]string{"delete", "tierToArchive", "tierToCold", "tierToCool", "tierToHot", "none"}[a]
}

// ParseAction reads an action name as the policy JSON spells it, or "none".
func ParseAction(s string) (Action, bool) {
	for a := Delete; a <= None; a++ {
		if s == a.String() {
			return a, true
		}
	}
	return None, false
}

// Dest is the tier a tiering action moves a blob to.
func (a Action) Dest() Tier {
	switch a {
	case TierToArchive:
		return TierArchive
	case TierToCold:
		return TierCold
	case TierToCool:
		return TierCool
	case TierToHot:
		return TierHot
	}
	return TierUnknown
}

// Tag is a blob index tag.
type Tag struct{ Key, Value string }

// Day is the length of the day the run conditions count in.
const Day = 86400

// Forever is a time (Unix seconds) no run reaches: an unexpiring legal
// hold, or versions that are never deleted.
const Forever = math.MaxInt64

// Blob is the state of one object (current version, snapshot or previous
// version) as a lifecycle run sees it. Times are Unix seconds; 0 means the
// property is null.
type Blob struct {
	Name   string // container/path, as prefixMatch sees it
	Type   BlobType
	Target Target
	Tier   Tier
	// Created is the creation time of the object the rule looks at: the
	// blob's creation for the current version, the version's own creation
	// for a previous version, the snapshot time for a snapshot (L-ST).
	Created  int64
	Modified int64
	// LastAccess is LastAccessTime; 0 when null.
	LastAccess int64
	// TierChanged is AccessTierChangeTime; 0 when the tier was never
	// changed, and the creation time stands in for it.
	TierChanged int64
	Tags        []Tag
	// EncryptionScope: blobs with an encryption scope cannot be archived.
	EncryptionScope bool
	// ImmutableUntil: delete is blocked while the run is before it (an
	// immutability policy's expiry; Forever for a legal hold).
	ImmutableUntil int64
	// DependentsUntil, for a current version: previous versions or
	// snapshots exist before this time, and the current version is not
	// deleted while they do (L-ST).
	DependentsUntil int64
	// AutoTierEligible: the blob went to Cool through a rule that had
	// enableAutoTierToHotFromCool on, so access brings it back to Hot;
	// blobs that were cool before the setting are not affected.
	AutoTierEligible bool
	// LastAutoTierToHot is when access last moved it from Cool to Hot.
	LastAutoTierToHot int64
}

// Engine evaluates a validated policy for one account.
type Engine struct {
	rules []compiledRule
	acct  Account
	// zoneRedundant is acct.ZoneRedundant(), which folds case: asked once
	// per blob it would cost more than the rest of the test.
	zoneRedundant bool
}

type compiledRule struct {
	name      string
	index     int
	block     bool // blobTypes admits block blobs
	appendOK  bool // blobTypes admits append blobs
	prefixes  []string
	tags      []TagFilter
	actions   [3][]compiledAction // by Target, cheapest first
	autoToHot bool
}

type compiledAction struct {
	action Action
	cond   Condition
}

// NewEngine compiles a policy. The policy should have passed Validate; an
// invalid rule still compiles but may never match.
func NewEngine(p *Policy, acct Account) *Engine {
	e := &Engine{acct: acct, zoneRedundant: acct.ZoneRedundant()}
	for i := range p.Rules {
		r := &p.Rules[i]
		if r.Enabled != nil && !*r.Enabled {
			continue // disabled rules do not run
		}
		cr := compiledRule{name: r.Name, index: i}
		if f := r.Definition.Filters; f != nil {
			for _, t := range f.BlobTypes {
				cr.block = cr.block || t == "blockBlob"
				cr.appendOK = cr.appendOK || t == "appendBlob"
			}
			cr.prefixes = f.PrefixMatch
			cr.tags = f.BlobIndexMatch
		}
		a := &r.Definition.Actions
		if b := a.BaseBlob; b != nil {
			for _, x := range b.each() {
				if x.cond != nil {
					cr.actions[TargetBase] = append(cr.actions[TargetBase], compiledAction{x.action, *x.cond})
				}
			}
			cr.autoToHot = b.EnableAutoTierToHotFromCool != nil && *b.EnableAutoTierToHotFromCool
		}
		for t, va := range map[Target]*VersionActions{TargetSnapshot: a.Snapshot, TargetVersion: a.Version} {
			if va == nil {
				continue
			}
			for _, x := range va.each() {
				if x.cond != nil {
					cr.actions[t] = append(cr.actions[t], compiledAction{x.action, *x.cond})
				}
			}
		}
		e.rules = append(e.rules, cr)
	}
	return e
}

// Account returns the account the engine evaluates for.
func (e *Engine) Account() Account { return e.acct }

// Decision is what one daily run does to one blob.
type Decision struct {
	Action Action
	Rule   string // the rule whose action won; "" for None
	// AutoTierToHot: the winning rule is a tierToCool with
	// enableAutoTierToHotFromCool, so the blob becomes eligible for
	// tier-to-hot on access.
	AutoTierToHot bool
	// Why is a short explanation, filled only by Explain.
	Why string
}

// matches applies a rule's filters (logical AND): blob type, any prefix,
// every tag condition.
func (r *compiledRule) matches(b *Blob) bool {
	switch b.Type {
	case BlockBlob:
		if !r.block {
			return false
		}
	case AppendBlob:
		if !r.appendOK {
			return false
		}
	default:
		return false // page blobs are not managed
	}
	if len(r.prefixes) > 0 {
		ok := false
		for _, p := range r.prefixes {
			if strings.HasPrefix(b.Name, p) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, t := range r.tags {
		ok := false
		for _, bt := range b.Tags {
			if bt.Key == t.Name && bt.Value == t.Value {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// systemContainer: lifecycle management does not touch $logs or $web.
func systemContainer(name string) bool {
	return strings.HasPrefix(name, "$logs/") || strings.HasPrefix(name, "$web/")
}

// olderThan is the documented test "days since ref greater than n", with
// days counted whole: floor((run-ref)/day) > n.
func olderThan(run, ref int64, n int) bool {
	return run-ref >= int64(n+1)*Day
}

// threshold is the first run time at which olderThan holds.
func threshold(ref int64, n int) int64 { return ref + int64(n+1)*Day }

// accessRef is the time daysAfterLastAccessTimeGreaterThan counts from:
// LastAccessTime, or when tracking was last enabled if that is null or
// tracking is off (L-ST "Access time tracking"). ok is false when tracking
// was never enabled: no date to count from, so the condition never holds.
func (e *Engine) accessRef(b *Blob) (int64, bool) {
	if e.acct.AccessTracking && b.LastAccess != 0 {
		return b.LastAccess, true
	}
	if e.acct.AccessTrackingSince != 0 {
		return e.acct.AccessTrackingSince, true
	}
	return 0, false
}

func (b *Blob) tierRef() int64 {
	if b.TierChanged != 0 {
		return b.TierChanged
	}
	return b.Created
}

// met reports whether an action's run condition holds at run. On the
// current version the three clocks are alternatives (validation keeps one);
// daysAfterLastTierChangeGreaterThan must hold as well when present.
func (e *Engine) met(b *Blob, c *Condition, run int64) bool {
	ok := false
	switch {
	case c.DaysAfterModificationGreaterThan != nil && b.Target == TargetBase:
		ok = olderThan(run, b.Modified, *c.DaysAfterModificationGreaterThan)
	case c.DaysAfterCreationGreaterThan != nil:
		ok = olderThan(run, b.Created, *c.DaysAfterCreationGreaterThan)
	case c.DaysAfterLastAccessTimeGreaterThan != nil && b.Target == TargetBase:
		ref, tracked := e.accessRef(b)
		ok = tracked && olderThan(run, ref, *c.DaysAfterLastAccessTimeGreaterThan)
	}
	if ok && c.DaysAfterLastTierChangeGreaterThan != nil {
		ok = olderThan(run, b.tierRef(), *c.DaysAfterLastTierChangeGreaterThan)
	}
	return ok
}

// when is the first run time from which the condition holds (given the
// blob's state does not change), or Forever.
func (e *Engine) when(b *Blob, c *Condition) int64 {
	t := e.clock(b, c)
	if t != Forever && c.DaysAfterLastTierChangeGreaterThan != nil {
		t = max(t, threshold(b.tierRef(), *c.DaysAfterLastTierChangeGreaterThan))
	}
	return t
}

// clock is when without the tier-change condition: the first run time
// the condition's one clock allows, or Forever.
func (e *Engine) clock(b *Blob, c *Condition) int64 {
	t := int64(Forever)
	switch {
	case c.DaysAfterModificationGreaterThan != nil && b.Target == TargetBase:
		t = threshold(b.Modified, *c.DaysAfterModificationGreaterThan)
	case c.DaysAfterCreationGreaterThan != nil:
		t = threshold(b.Created, *c.DaysAfterCreationGreaterThan)
	case c.DaysAfterLastAccessTimeGreaterThan != nil && b.Target == TargetBase:
		if ref, ok := e.accessRef(b); ok {
			t = threshold(ref, *c.DaysAfterLastAccessTimeGreaterThan)
		}
	}
	return t
}

// applicable reports whether the service can carry out an action on the
// blob now, whatever the conditions: tiering only moves block blobs to a
// cooler tier (a policy cannot rehydrate from Archive), never in premium
// accounts (except tierToHot, which exists only there); Archive is not
// possible for blobs with an encryption scope or in zone-redundant
// accounts; delete waits for immutability and for the current version's
// previous versions and snapshots.
func (e *Engine) applicable(b *Blob, a Action, run int64) bool {
	if a == Delete {
		if run < b.ImmutableUntil {
			return false
		}
		return b.Target != TargetBase || run >= b.DependentsUntil
	}
	return e.canTier(b, a)
}

// canTier is applicable for a tiering action, which depends on the blob's
// state and the account, never on the time of the run.
func (e *Engine) canTier(b *Blob, a Action) bool {
	if b.Type != BlockBlob {
		return false
	}
	if a == TierToHot {
		return e.acct.Premium && (b.Tier == TierCool || b.Tier == TierCold)
	}
	if e.acct.Premium || b.Tier == TierPremium {
		return false
	}
	cur := b.Tier
	if cur == TierUnknown {
		cur = TierHot // the account default tier, inferred
	}
	if a.Dest() <= cur {
		return false
	}
	if a == TierToArchive && (b.EncryptionScope || e.zoneRedundant) {
		return false
	}
	return true
}

// Evaluate returns what the daily run at time run (Unix seconds) does to
// the blob: of every action of every enabled rule whose filters match and
// whose run condition holds, the least expensive one the service can carry
// out; among equals, the first rule in the policy.
func (e *Engine) Evaluate(b *Blob, run int64) Decision {
	best := Decision{Action: None}
	if systemContainer(b.Name) {
		return best
	}
	for i := range e.rules {
		r := &e.rules[i]
		acts := r.actions[b.Target]
		if len(acts) == 0 || !r.matches(b) {
			continue
		}
		for j := range acts {
			a := &acts[j]
			if a.action >= best.Action {
				break // cheapest first: nothing later in this rule can win
			}
			if e.met(b, &a.cond, run) && e.applicable(b, a.action, run) {
				best = Decision{Action: a.action, Rule: r.name,
					AutoTierToHot: a.action == TierToCool && r.autoToHot && a.cond.DaysAfterLastAccessTimeGreaterThan != nil}
				break
			}
		}
	}
	return best
}

// Explain is Evaluate with a reason a person can read.
func (e *Engine) Explain(b *Blob, run int64) Decision {
	d := e.Evaluate(b, run)
	switch {
	case systemContainer(b.Name):
		d.Why = "lifecycle management does not act on system containers"
	case d.Action == None:
		d.Why = "no enabled rule matches with a condition met and an action the service can carry out"
	default:
		d.Why = fmt.Sprintf("rule %s: %s is the least expensive qualifying action for the %s", d.Rule, d.Action, b.Target)
	}
	return d
}

// Changes lists the run times, after from, at which the outcome of
// Evaluate may change while the blob's state stays as it is: the moments
// conditions start to hold, immutability ends, or previous versions and
// snapshots are gone. Between two consecutive times the set of qualifying
// actions is constant, so evaluating at each is enough to find the next
// action (the simulator relies on this instead of stepping day by day).
func (e *Engine) Changes(b *Blob, from int64, out []int64) []int64 {
	out = out[:0]
	add := func(t int64) {
		if t <= from {
			t = from
		}
		for _, x := range out {
			if x == t {
				return
			}
		}
		out = append(out, t)
	}
	add(from)
	if systemContainer(b.Name) {
		return out
	}
	for i := range e.rules {
		r := &e.rules[i]
		acts := r.actions[b.Target]
		if len(acts) == 0 || !r.matches(b) {
			continue
		}
		for j := range acts {
			if t := e.when(b, &acts[j].cond); t != Forever {
				add(t)
			}
		}
	}
	if b.ImmutableUntil > from && b.ImmutableUntil != Forever {
		add(b.ImmutableUntil)
	}
	if b.Target == TargetBase && b.DependentsUntil > from && b.DependentsUntil != Forever {
		add(b.DependentsUntil)
	}
	// Few entries: insertion sort.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// AccessResult is what a read or write of a blob does outside the daily
// run.
type AccessResult struct {
	// ToHot: the blob moves from Cool to Hot (enableAutoTierToHotFromCool).
	ToHot bool
	// UpdatesLastAccess: LastAccessTime is written, billed as one "other
	// operation"; only the first access in 24 hours does it.
	UpdatesLastAccess bool
	Why               string
}

// Access returns what reading or writing the current version at time at
// does. Auto tier-to-hot applies to blobs a rule with
// enableAutoTierToHotFromCool moved to Cool, at most once in 30 days, and
// needs last-access tracking on; it goes on even if that rule is later
// disabled or deleted (storage FAQ), so it depends on the blob and the
// account, not on the policy's current rules.
func (e *Engine) Access(b *Blob, at int64) AccessResult {
	var r AccessResult
	if b.Target != TargetBase || !e.acct.AccessTracking {
		r.Why = "last-access tracking is off or the object is not a current version"
		return r
	}
	r.UpdatesLastAccess = b.LastAccess == 0 || at-b.LastAccess >= Day
	switch {
	case b.Tier != TierCool:
		r.Why = "auto tier-to-hot moves blobs from Cool only"
	case !b.AutoTierEligible:
		r.Why = "the blob was not moved to Cool by a rule with enableAutoTierToHotFromCool"
	case b.LastAutoTierToHot != 0 && at-b.LastAutoTierToHot < 30*Day:
		r.Why = "auto tier-to-hot happens at most once in 30 days"
	default:
		r.ToHot = true
		r.Why = "accessed in Cool after a rule with enableAutoTierToHotFromCool moved it there"
	}
	return r
}
