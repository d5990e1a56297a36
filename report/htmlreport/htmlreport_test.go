package htmlreport

import (
	"bytes"
	"context"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aizone/aizone/alz"
	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compliance"
	"github.com/aizone/aizone/cost"
	"github.com/aizone/aizone/design"
	"github.com/aizone/aizone/internal/testkit"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/policy"
	"github.com/aizone/aizone/simulation"
)

var update = flag.Bool("update", false, "rewrite the golden files and docs/img/report.png")

func prices(tb testing.TB) simulation.Prices {
	tb.Helper()
	c, err := catalog.Default()
	if err != nil {
		tb.Fatal(err)
	}
	p, err := simulation.PricesFromCatalog(c)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func example(tb testing.TB, name string) string {
	tb.Helper()
	for _, f := range testkit.Examples(tb) {
		if strings.TrimSuffix(filepath.Base(f), ".yaml") == name {
			return f
		}
	}
	tb.Fatalf("no example %s", name)
	return ""
}

// input plans an example and simulates its containers.
func input(tb testing.TB, file string) Input {
	tb.Helper()
	p := testkit.Plan(tb, file, nil)
	lc, err := Simulate(context.Background(), p, prices(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return Input{Plan: p, Lifecycle: lc}
}

func write(tb testing.TB, in Input) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := Write(&b, in); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// verdicts evaluates the ALZ library's policy at the plan's management
// group and the zone's guardrails on what build deploys, as check does.
func verdicts(tb testing.TB, p *plan.Plan) *compliance.Report {
	tb.Helper()
	lib, builtins, aliases := testkit.ALZ(tb)
	mg := p.Governance.ManagementGroup
	eff, err := lib.Effective("alz", mg, alz.Values{"default_location": p.Zone.Region})
	if err != nil {
		tb.Fatal(err)
	}
	// A source of its own: Guardrails adds the zone's own definitions to it.
	src := compliance.Source{Library: lib, Builtins: builtins, Aliases: aliases}
	ev, err := design.Evaluate(context.Background(), p, &design.Policy{Source: &src, Assignments: eff, Scope: mg})
	if err != nil {
		tb.Fatal(err)
	}
	return ev.Report
}

// TestGolden pins the page of one example, with the ALZ library's verdicts.
func TestGolden(t *testing.T) {
	in := input(t, example(t, "small"))
	in.Compliance = verdicts(t, in.Plan)
	if len(in.Compliance.Findings) == 0 {
		t.Fatal("the ALZ library finds nothing on the small example; the verdict table would go untested")
	}
	testkit.Golden(t, "testdata/small.html", write(t, in), *update, "report/htmlreport")
}

// TestDeterministic: every example gives the same bytes twice, planned and
// simulated afresh each time.
func TestDeterministic(t *testing.T) {
	for _, f := range testkit.Examples(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			a, b := write(t, input(t, f)), write(t, input(t, f))
			if !bytes.Equal(a, b) {
				t.Errorf("two renderings differ\n%s", testkit.FirstDiff(a, b))
			}
		})
	}
}

// TestSelfContained: nothing in the page names another resource to fetch.
func TestSelfContained(t *testing.T) {
	for _, f := range testkit.Examples(t) {
		page := string(write(t, input(t, f)))
		for _, bad := range []string{"<script", "<link", "<img", "@import", "url(", "src=", "href="} {
			if strings.Contains(page, bad) {
				t.Errorf("%s: the page holds %q", filepath.Base(f), bad)
			}
		}
		if !strings.Contains(page, `content="default-src 'none'; style-src 'unsafe-inline'"`) {
			t.Errorf("%s: no Content-Security-Policy forbidding fetches", filepath.Base(f))
		}
	}
}

// TestEscaping: text from the zone file and from policy definitions is
// shown, never interpreted.
func TestEscaping(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Input)
		raw  string // must not appear
		want string // must appear, escaped
	}{
		{"zone name", func(in *Input) { in.Plan.Zone.Name = `x</title><script>alert(1)</script>` },
			`<script>alert(1)`, `x&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;`},
		{"workload in svg", func(in *Input) { in.Plan.Compute.Pools[0].SKU = `a"><foreignObject>` },
			`"><foreignObject>`, `a&#34;&gt;&lt;foreignObject&gt;`},
		{"cost line", func(in *Input) { in.Plan.Cost.Lines[0].Workload = `<b onmouseover=x>` },
			`<b onmouseover=x>`, `&lt;b onmouseover=x&gt;`},
		{"policy definition", func(in *Input) {
			in.Compliance = &compliance.Report{Findings: []compliance.Finding{{Resource: `/subscriptions/x/r'"`, Assignment: "a",
				Definition: `<img src=x onerror=alert(1)>`, Effect: "Deny", State: policy.NonCompliant, Enforced: true, Reasons: []string{`"<why>"`}}}}
		}, `<img src=x`, `&lt;img src=x onerror=alert(1)&gt;`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(t, example(t, "small"))
			tt.edit(&in)
			page := string(write(t, in))
			if strings.Contains(page, tt.raw) {
				t.Errorf("raw %q in the page", tt.raw)
			}
			if !strings.Contains(page, tt.want) {
				t.Errorf("escaped %q not in the page", tt.want)
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	if err := Write(&bytes.Buffer{}, Input{}); err == nil {
		t.Error("no error without a plan")
	}
	in := input(t, example(t, "small"))
	in.Lifecycle[0].Result = nil
	if err := Write(&bytes.Buffer{}, in); err == nil || !strings.Contains(err.Error(), in.Lifecycle[0].Name) {
		t.Errorf("a container without a result: %v", err)
	}
}

// TestSections: what the page says when parts are missing or disagree.
func TestSections(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Input)
		want []string
		not  []string
	}{
		{"no verdicts", func(*Input) {}, []string{`id="policy-not-evaluated">Not evaluated (run with --library/--builtins).`}, []string{`id="policy-verdicts"`}},
		{"no findings", func(in *Input) {
			in.Compliance = &compliance.Report{Summary: compliance.Summary{Resources: 3, Assignments: 2}}
		},
			[]string{"No findings: every resource complies", "3 resources evaluated against 2 assignments"}, []string{"policy-not-evaluated"}},
		{"not simulated", func(in *Input) { in.Lifecycle = nil }, []string{`id="lifecycle-not-simulated"`}, []string{`class="lifecycle-chart"`}},
		{"totals disagree", func(in *Input) { in.Plan.Cost.MonthlyUSD += 1 }, []string{"Inconsistent cost: the monthly lines by workload add up to"}, nil},
		{"totals agree", func(*Input) {}, nil, []string{"Inconsistent cost"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(t, example(t, "small"))
			tt.edit(&in)
			page := string(write(t, in))
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("%q not in the page", w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(page, n) {
					t.Errorf("%q in the page", n)
				}
			}
		})
	}
}

// TestCostGroups: lines group by workload (shared when none) and by
// service (the category when none); one-off lines count their USD.
func TestCostGroups(t *testing.T) {
	r := cost.Result{MonthlyUSD: 175, OneOffUSD: 1000, Lines: []cost.Line{
		{Item: "a pool", Category: "compute", Workload: "a", Service: "Virtual Machines", Kind: "monthly", USDPerMonth: 100},
		{Item: "b pool", Category: "compute", Workload: "b", Service: "Virtual Machines", USDPerMonth: 50},
		{Item: "blob", Category: "storage", USDPerMonth: 25},
		{Item: "a run", Category: "compute", Workload: "a", Service: "Virtual Machines", Kind: "one-off", USD: 1000, USDPerMonth: 0},
	}}
	v := buildCost(r)
	want := map[string]map[string]float64{
		"cost-monthly-by-workload": {"a": 100, "b": 50, sharedWorkload: 25},
		"cost-monthly-by-service":  {"Virtual Machines": 150, "storage": 25},
		"cost-one-off-by-workload": {"a": 1000},
		"cost-one-off-by-service":  {"Virtual Machines": 1000},
	}
	if len(v.Charts) != len(want) {
		t.Fatalf("%d charts, want %d", len(v.Charts), len(want))
	}
	for _, c := range v.Charts {
		got := map[string]float64{}
		for _, b := range c.Bars {
			got[b.Key] = b.USD
		}
		if len(got) != len(want[c.ID]) {
			t.Errorf("%s: bars %v, want %v", c.ID, got, want[c.ID])
		}
		for k, usd := range want[c.ID] {
			if got[k] != usd {
				t.Errorf("%s: %s = %v, want %v", c.ID, k, got[k], usd)
			}
		}
		for i := 1; i < len(c.Bars); i++ {
			if c.Bars[i].USD > c.Bars[i-1].USD {
				t.Errorf("%s: bars not largest first: %v", c.ID, c.Bars)
			}
		}
	}
	if len(v.Disagreements) != 0 {
		t.Errorf("disagreements on consistent totals: %v", v.Disagreements)
	}
}

// TestSimulateFollowsSchedule: the simulator, run on the policy build
// writes, moves each container through the tiers of the plan's schedule
// in order, on the schedule's day or the daily run after it, and keeps
// every byte until deletion.
func TestSimulateFollowsSchedule(t *testing.T) {
	for _, f := range testkit.Examples(t) {
		in := input(t, f)
		cs := in.Plan.Storage.Account.Containers
		if len(in.Lifecycle) != len(cs) {
			t.Fatalf("%s: %d simulations for %d containers", filepath.Base(f), len(in.Lifecycle), len(cs))
		}
		for i, c := range in.Lifecycle {
			ct := cs[i]
			name := filepath.Base(f) + "/" + c.Name
			if c.Name != ct.Name || c.Bytes != int64(ct.Bytes) || c.Result.Bytes != int64(ct.Bytes) {
				t.Errorf("%s: simulated %s of %d bytes, plan has %s of %d", name, c.Name, c.Result.Bytes, ct.Name, ct.Bytes)
			}
			segs := buildLife(c).Segs
			state := func(s segment) string {
				switch {
				case s.Tiers.Hot == int64(ct.Bytes):
					return "hot"
				case s.Tiers.Cool == int64(ct.Bytes):
					return "cool"
				case s.Tiers.Cold == int64(ct.Bytes):
					return "cold"
				case s.Tiers.Archive == int64(ct.Bytes):
					return "archive"
				case s.Tiers == (simulation.TierBytes{}):
					return "deleted"
				}
				return "split"
			}
			if ct.Bytes == 0 {
				continue
			}
			if got := state(segs[0]); got != "hot" {
				t.Errorf("%s: starts %s", name, got)
			}
			dest := map[string]string{"tierToCool": "cool", "tierToCold": "cold", "tierToArchive": "archive", "delete": "deleted"}
			if len(segs)-1 != len(ct.Schedule) {
				t.Errorf("%s: %d changes simulated, schedule has %d: %v", name, len(segs)-1, len(ct.Schedule), ct.Schedule)
				continue
			}
			for k, step := range ct.Schedule {
				s := segs[k+1]
				if got := state(s); got != dest[step.Action] {
					t.Errorf("%s: change %d is to %s, schedule says %s", name, k, got, step.Action)
				}
				if s.From < step.Day || s.From > step.Day+1 {
					t.Errorf("%s: %s on day %d, schedule says day %d", name, step.Action, s.From, step.Day)
				}
			}
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	in := input(b, example(b, "large"))
	var buf bytes.Buffer
	b.ResetTimer()
	for b.Loop() {
		buf.Reset()
		if err := Write(&buf, in); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

func BenchmarkSimulate(b *testing.B) {
	p := testkit.Plan(b, example(b, "large"), nil)
	pr := prices(b)
	for b.Loop() {
		if _, err := Simulate(context.Background(), p, pr); err != nil {
			b.Fatal(err)
		}
	}
}
