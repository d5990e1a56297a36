package cost_test

import (
	"sort"
	"testing"

	"github.com/aizone/aizone/cost"
	"github.com/aizone/aizone/internal/testkit"
	"github.com/aizone/aizone/resources"
)

// TestEveryDeployedResourceIsAccounted walks what `build` deploys for every
// example (and the test zones the emitters share) and fails on a resource type that has neither a price line, nor
// an unpriced item with its meter, nor a no-charge entry; and, where lines
// or unpriced items count resources, on a count that differs from what is
// deployed. The cost engine reads the plan, never resources: this test is
// what ties the two together.
func TestEveryDeployedResourceIsAccounted(t *testing.T) {
	for _, z := range testkit.Zones(t) {
		t.Run(z.Name, func(t *testing.T) {
			p := testkit.PlanZone(t, z)
			deployed := map[string]int{}
			for _, r := range resources.Build(p) {
				deployed[r.Type]++
			}
			accounted := map[string]string{}
			counted := map[string]int{}
			for _, l := range p.Cost.Lines {
				for _, ty := range l.Types {
					accounted[ty] = "line " + l.Item
					counted[ty] += l.Count
				}
			}
			for _, u := range p.Cost.Missing {
				if u.Meter == "" {
					t.Errorf("unpriced %s names no meter", u.Item)
				}
				for _, ty := range u.Types {
					accounted[ty] = "unpriced " + u.Item
					counted[ty] += u.Count
				}
			}
			for _, nc := range p.Cost.NoCharge {
				if _, ok := accounted[nc.Type]; ok {
					t.Errorf("%s is both priced (%s) and listed as no charge", nc.Type, accounted[nc.Type])
				}
				accounted[nc.Type] = "no charge"
			}
			var types []string
			for ty := range deployed {
				types = append(types, ty)
			}
			sort.Strings(types)
			for _, ty := range types {
				how, ok := accounted[ty]
				switch {
				case !ok:
					t.Errorf("%d × %s deployed, but the cost neither prices it, nor names its meter as unpriced, nor lists it as no charge", deployed[ty], ty)
				case how != "no charge" && counted[ty] > 0 && counted[ty] != deployed[ty]:
					t.Errorf("%s: the cost counts %d, build deploys %d", ty, counted[ty], deployed[ty])
				}
			}
			// A priced or unpriced type the plan implies must be deployed:
			// the cost must not bill what is not built.
			for ty, n := range counted {
				if n > 0 && deployed[ty] == 0 {
					t.Errorf("the cost counts %d × %s, which build does not deploy", n, ty)
				}
			}
		})
	}
}

// TestEveryResourceTypeIsKnown keeps the engine's table of meters and
// no-charge types in step with every type resources can deploy, including
// those no example uses yet.
func TestEveryResourceTypeIsKnown(t *testing.T) {
	known := cost.KnownTypes()
	for ty := range resources.APIVersions() {
		if _, ok := known[ty]; !ok {
			t.Errorf("resources can deploy %s, which the cost engine neither prices, names a meter for, nor lists as no charge", ty)
		}
	}
}
