package lifecycle

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

// conformanceCase is one file of testdata/conformance: a policy, one
// blob's state and a daily run (or an access), and what the documentation
// says happens. Each case names the documented sentence it follows.
type conformanceCase struct {
	Doc     string `yaml:"doc"`
	Account struct {
		Premium             bool   `yaml:"premium"`
		Redundancy          string `yaml:"redundancy"`
		AccessTracking      bool   `yaml:"access_tracking"`
		AccessTrackingSince string `yaml:"access_tracking_since"`
	} `yaml:"account"`
	Policy any `yaml:"policy"`
	Blob   struct {
		Name              string            `yaml:"name"`
		Type              string            `yaml:"type"`
		Target            string            `yaml:"target"`
		Tier              string            `yaml:"tier"`
		Created           string            `yaml:"created"`
		Modified          string            `yaml:"modified"`
		LastAccess        string            `yaml:"last_access"`
		TierChanged       string            `yaml:"tier_changed"`
		Tags              map[string]string `yaml:"tags"`
		EncryptionScope   bool              `yaml:"encryption_scope"`
		ImmutableUntil    string            `yaml:"immutable_until"`
		DependentsUntil   string            `yaml:"dependents_until"`
		AutoTierEligible  bool              `yaml:"auto_tier_eligible"`
		LastAutoTierToHot string            `yaml:"last_auto_tier_to_hot"`
	} `yaml:"blob"`
	Run  string `yaml:"run"`
	Want *struct {
		Action        string `yaml:"action"`
		Rule          string `yaml:"rule"`
		AutoTierToHot bool   `yaml:"auto_tier_to_hot"`
	} `yaml:"want"`
	Access     string `yaml:"access"`
	WantAccess *struct {
		ToHot             bool `yaml:"to_hot"`
		UpdatesLastAccess bool `yaml:"updates_last_access"`
	} `yaml:"want_access"`
}

// caseTime reads 2024-01-31, 2024-01-31T10:00:00Z or "forever"; "" is 0
// (a null property).
func caseTime(t *testing.T, s string) int64 {
	t.Helper()
	switch s {
	case "":
		return 0
	case "forever":
		return Forever
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if v, err := time.Parse(layout, s); err == nil {
			return v.Unix()
		}
	}
	t.Fatalf("bad time %q", s)
	return 0
}

func TestConformance(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "conformance", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The issue asks for at least 40 cases; fewer means files went missing.
	if len(files) < 40 {
		t.Fatalf("found %d conformance cases, want at least 40", len(files))
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var c conformanceCase
			if err := yaml.UnmarshalWithOptions(data, &c, yaml.Strict()); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if c.Doc == "" {
				t.Fatalf("%s: every case names the documentation it follows (doc:)", f)
			}
			pj, err := json.Marshal(c.Policy)
			if err != nil {
				t.Fatal(err)
			}
			// Policies are validated without the account: some cases check
			// what the service does when the account rules an action out.
			p, err := Load(f, pj, nil)
			if err != nil {
				t.Fatalf("policy does not load: %v", err)
			}
			acct := Account{Premium: c.Account.Premium, Redundancy: c.Account.Redundancy,
				AccessTracking: c.Account.AccessTracking, AccessTrackingSince: caseTime(t, c.Account.AccessTrackingSince)}
			e := NewEngine(p, acct)
			b := Blob{Name: c.Blob.Name, Created: caseTime(t, c.Blob.Created), Modified: caseTime(t, c.Blob.Modified),
				LastAccess: caseTime(t, c.Blob.LastAccess), TierChanged: caseTime(t, c.Blob.TierChanged),
				EncryptionScope: c.Blob.EncryptionScope, ImmutableUntil: caseTime(t, c.Blob.ImmutableUntil),
				DependentsUntil: caseTime(t, c.Blob.DependentsUntil), AutoTierEligible: c.Blob.AutoTierEligible,
				LastAutoTierToHot: caseTime(t, c.Blob.LastAutoTierToHot)}
			if b.Modified == 0 {
				b.Modified = b.Created
			}
			var ok bool
			if c.Blob.Type != "" {
				if b.Type, ok = ParseBlobType(c.Blob.Type); !ok {
					t.Fatalf("bad blob type %q", c.Blob.Type)
				}
			}
			switch c.Blob.Target {
			case "", "base":
				b.Target = TargetBase
			case "snapshot":
				b.Target = TargetSnapshot
			case "version":
				b.Target = TargetVersion
			default:
				t.Fatalf("bad target %q", c.Blob.Target)
			}
			if b.Tier, ok = ParseTier(c.Blob.Tier); !ok {
				t.Fatalf("bad tier %q", c.Blob.Tier)
			}
			for k, v := range c.Blob.Tags {
				b.Tags = append(b.Tags, Tag{k, v})
			}
			switch {
			case c.Want != nil:
				want, ok := ParseAction(c.Want.Action)
				if !ok {
					t.Fatalf("bad action %q", c.Want.Action)
				}
				got := e.Explain(&b, caseTime(t, c.Run))
				if got.Action != want || got.Rule != c.Want.Rule || got.AutoTierToHot != c.Want.AutoTierToHot {
					t.Errorf("%s\ngot  %s rule=%q autoTierToHot=%v (%s)\nwant %s rule=%q autoTierToHot=%v",
						c.Doc, got.Action, got.Rule, got.AutoTierToHot, got.Why, want, c.Want.Rule, c.Want.AutoTierToHot)
				}
				// The event list must contain a run time that reproduces
				// the decision: the simulator looks only there.
				checkChanges(t, e, &b, caseTime(t, c.Run))
			case c.WantAccess != nil:
				got := e.Access(&b, caseTime(t, c.Access))
				if got.ToHot != c.WantAccess.ToHot || got.UpdatesLastAccess != c.WantAccess.UpdatesLastAccess {
					t.Errorf("%s\ngot  toHot=%v updatesLastAccess=%v (%s)\nwant toHot=%v updatesLastAccess=%v",
						c.Doc, got.ToHot, got.UpdatesLastAccess, got.Why, c.WantAccess.ToHot, c.WantAccess.UpdatesLastAccess)
				}
			default:
				t.Fatal("a case has want (a daily run) or want_access (an access)")
			}
		})
	}
}

// checkChanges verifies the promise of Changes: the decision at run equals
// the decision at the latest change time not after it.
func checkChanges(t *testing.T, e *Engine, b *Blob, run int64) {
	t.Helper()
	from := run - 4000*Day
	ch := e.Changes(b, from, nil)
	last := from
	for _, c := range ch {
		if c <= run {
			last = c
		}
	}
	if got, at := e.Evaluate(b, run), e.Evaluate(b, last); got != at {
		t.Errorf("Changes missed an event: decision at run %v, at last change %v", got, at)
	}
}
