package lifecycle

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// randomPolicy draws a policy of one to four rules over the prefixes, tags
// and clocks the random blobs use, with every action on every target and
// thresholds that fall inside, before and after a short period.
func randomPolicy(rng *rand.Rand) *Policy {
	days := func() *int { n := rng.IntN(60) - 5; n = max(n, 0); return &n }
	cond := func(target Target) *Condition {
		if rng.IntN(4) == 0 {
			return nil
		}
		c := &Condition{}
		switch k := rng.IntN(3); {
		case k == 0 && target == TargetBase:
			c.DaysAfterModificationGreaterThan = days()
		case k == 1 && target == TargetBase:
			c.DaysAfterLastAccessTimeGreaterThan = days()
		default:
			c.DaysAfterCreationGreaterThan = days()
		}
		if rng.IntN(4) == 0 {
			c.DaysAfterLastTierChangeGreaterThan = days()
		}
		return c
	}
	p := &Policy{}
	for i := range 1 + rng.IntN(4) {
		r := Rule{Name: fmt.Sprintf("r%d", i), Type: "Lifecycle"}
		if rng.IntN(8) == 0 {
			off := false
			r.Enabled = &off
		}
		f := &Filters{BlobTypes: []string{"blockBlob"}}
		if rng.IntN(3) == 0 {
			f.BlobTypes = append(f.BlobTypes, "appendBlob")
		}
		if rng.IntN(2) == 0 {
			f.PrefixMatch = []string{[]string{"a/", "a/x", "b/", "$logs/"}[rng.IntN(4)]}
		}
		if rng.IntN(4) == 0 {
			f.BlobIndexMatch = []TagFilter{{Name: "Project", Op: "==", Value: []string{"x", "y"}[rng.IntN(2)]}}
		}
		auto := rng.IntN(3) == 0
		r.Definition = Definition{Filters: f, Actions: Actions{
			BaseBlob: &BaseBlobActions{Delete: cond(TargetBase), TierToArchive: cond(TargetBase), TierToCold: cond(TargetBase),
				TierToCool: cond(TargetBase), TierToHot: cond(TargetBase), EnableAutoTierToHotFromCool: &auto},
			Snapshot: &VersionActions{Delete: cond(TargetSnapshot), TierToArchive: cond(TargetSnapshot), TierToCool: cond(TargetSnapshot)},
			Version:  &VersionActions{Delete: cond(TargetVersion), TierToCold: cond(TargetVersion), TierToCool: cond(TargetVersion)},
		}}
		p.Rules = append(p.Rules, r)
	}
	return p
}

// randomBlob draws a blob whose times fall on, just before and just after
// run boundaries, before and inside the period, or are null.
func randomBlob(rng *rand.Rand, start int64) Blob {
	t := func() int64 {
		switch rng.IntN(5) {
		case 0:
			return start - int64(rng.IntN(80))*Day // on a run boundary
		case 1:
			return start - int64(rng.IntN(80))*Day + int64(rng.IntN(3)-1) // a second either side
		default:
			return start - int64(rng.IntN(80*Day)) + 20*Day
		}
	}
	b := Blob{Name: []string{"a/x1", "a/y", "b/z", "$logs/l", "c/w"}[rng.IntN(5)], Type: BlobType(rng.IntN(3)),
		Target: Target(rng.IntN(3)), Tier: Tier(rng.IntN(int(NumTiers))), Created: t(), Modified: t()}
	if rng.IntN(2) == 0 {
		b.LastAccess = t()
	}
	if rng.IntN(2) == 0 {
		b.TierChanged = t()
	}
	if rng.IntN(3) == 0 {
		b.Tags = []Tag{{Key: "Project", Value: []string{"x", "y"}[rng.IntN(2)]}}
	}
	b.EncryptionScope = rng.IntN(5) == 0
	switch rng.IntN(6) {
	case 0:
		b.ImmutableUntil = t() + int64(rng.IntN(40))*Day
	case 1:
		b.ImmutableUntil = Forever
	}
	switch rng.IntN(4) {
	case 0:
		b.DependentsUntil = start + int64(rng.IntN(40))*Day
	case 1:
		b.DependentsUntil = Forever
	}
	return b
}

// stepDays is what Schedule replaces: Evaluate at every run, the blob
// updated after each tier change.
func stepDays(e *Engine, b Blob, from, end int64) []Change {
	var steps []Change
	for run := from; run < end; run += Day {
		d := e.Evaluate(&b, run)
		if d.Action == None {
			continue
		}
		steps = append(steps, Change{Run: run, Action: d.Action})
		if d.Action == Delete {
			break
		}
		b.Tier, b.TierChanged = d.Action.Dest(), run
		b.AutoTierEligible = b.AutoTierEligible || d.AutoTierToHot
	}
	return steps
}

// TestScheduleStepsDays: the closed-form schedule equals stepping through
// every day, for random policies, blobs and accounts.
func TestScheduleStepsDays(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 1))
	const start = 1767225600 // 2026-01-01
	acted := 0
	for i := range 3000 {
		p := randomPolicy(rng)
		acct := Account{Premium: rng.IntN(6) == 0, Redundancy: []string{"LRS", "ZRS", "gzrs"}[rng.IntN(3)], AccessTracking: rng.IntN(3) > 0}
		if rng.IntN(2) == 0 {
			acct.AccessTrackingSince = start - int64(rng.IntN(30))*Day
		}
		e := NewEngine(p, acct)
		sc := e.NewScheduler()
		for range 20 {
			b := randomBlob(rng, start)
			days := 1 + rng.IntN(90)
			from, end := int64(start), int64(start)+int64(days)*Day
			want := stepDays(e, b, from, end)
			got := append([]Change(nil), sc.Schedule(&b, from, end)...)
			if len(got) == 0 && len(want) == 0 {
				continue
			}
			acted++
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("case %d: policy %+v account %+v blob %+v over %d days:\nschedule %v\nday by day %v", i, p.Rules, acct, b, days, got, want)
			}
		}
	}
	if acted < 6000 {
		t.Errorf("only %d of 60,000 schedules did anything: the random cases test little", acted)
	}
}

func TestInputs(t *testing.T) {
	for _, tc := range []struct {
		policy string
		want   Inputs
	}{
		{`{"rules":[{"name":"a","type":"Lifecycle","definition":{"filters":{"blobTypes":["blockBlob"]},"actions":{"baseBlob":{"tierToCool":{"daysAfterModificationGreaterThan":1}}}}}]}`, Inputs{}},
		{`{"rules":[{"name":"a","type":"Lifecycle","definition":{"filters":{"blobTypes":["blockBlob"],"blobIndexMatch":[{"name":"k","op":"==","value":"v"}]},"actions":{"baseBlob":{"tierToCool":{"daysAfterLastAccessTimeGreaterThan":1}}}}}]}`, Inputs{LastAccess: true, Tags: true}},
		{`{"rules":[{"name":"a","type":"Lifecycle","definition":{"filters":{"blobTypes":["blockBlob"]},"actions":{"snapshot":{"tierToArchive":{"daysAfterCreationGreaterThan":1},"delete":{"daysAfterCreationGreaterThan":9}}}}}]}`, Inputs{EncryptionScope: true, Immutability: true}},
	} {
		p, err := Load("p.json", []byte(tc.policy), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := NewEngine(p, Account{}).Inputs(); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.policy, got, tc.want)
		}
	}
}
