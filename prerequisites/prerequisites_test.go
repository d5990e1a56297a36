package prerequisites

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aizone/aizone/internal/testkit"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/resources"
	"github.com/aizone/aizone/spec"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/golden")

// asOf is the date the examples are planned at, as the CLI tests use.
const asOf = "2026-11-27"

type built struct {
	p  *plan.Plan
	rs []resources.Resource
	c  *catalog.Catalog
}

// build plans an example zone and builds its resources, as aizone build does.
func build(t *testing.T, example string) built {
	t.Helper()
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	z, err := spec.LoadFile(filepath.Join("..", "examples", example))
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Check(z, c); err != nil {
		t.Fatal(err)
	}
	p := plan.Make(z, c, plan.Options{AsOf: asOf})
	return built{p: p, rs: resources.Build(p), c: c}
}

// golden compares got with testdata/golden/name; -update rewrites it.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testkit.Golden(t, filepath.Join("testdata", "golden", name), got, *update, "prerequisites")
}

func markdown(t *testing.T, r Result) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Markdown(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// expectedQuota sums nodes × vCPUs from the plan's own pools, so that the
// key facts hold whatever sizes and counts the planner picks.
func expectedQuota(t *testing.T, b built) (family map[string]int, cores, spot, batch int) {
	t.Helper()
	family = map[string]int{}
	for _, pl := range b.p.Compute.Pools {
		s, ok := b.c.SKU(pl.SKU)
		if !ok || pl.Nodes == 0 {
			continue
		}
		n := (pl.Nodes + pl.SpareNodes) * s.VCPUs
		switch {
		case pl.Orchestrator == "batch":
			batch += n
		case pl.Priority == "spot":
			spot += n
		default:
			name, _, _ := QuotaName(s.Family)
			family[name] += n
			cores += n
		}
	}
	return family, cores, spot, batch
}

func findQuota(r Result, name string, batch bool) *Quota {
	for i := range r.Quota {
		if strings.EqualFold(r.Quota[i].FamilyQuotaName, name) && r.Quota[i].Batch == batch {
			return &r.Quota[i]
		}
	}
	return nil
}

func TestMakeExamples(t *testing.T) {
	for _, tc := range []struct {
		example   string
		providers []string // among others
		hubVNet   string
		command   string
	}{
		{"small.yaml", []string{"Microsoft.Batch", "Microsoft.ContainerService", "Microsoft.ManagedIdentity", "Microsoft.Network", "Microsoft.PolicyInsights", "Microsoft.Storage"},
			"/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-connectivity/providers/Microsoft.Network/virtualNetworks/vnet-hub-eastus",
			"az deployment sub create --name aizone-contoso-ft --location eastus --template-file arm/main.json --parameters @arm/main.parameters.json"},
		{"large.yaml", []string{"Microsoft.Batch", "Microsoft.Compute", "Microsoft.ContainerService", "Microsoft.Network", "Microsoft.PolicyInsights", "Microsoft.Storage", "Microsoft.StorageCache"},
			"/subscriptions/22222222-3333-4444-5555-666666666666/resourceGroups/rg-hub-eastus/providers/Microsoft.Network/virtualNetworks/vnet-hub-eastus",
			"az deployment sub create --name aizone-fabrikam-llm --location eastus --template-file arm/main.json --parameters @arm/main.parameters.json"},
	} {
		t.Run(tc.example, func(t *testing.T) {
			b := build(t, tc.example)
			r := Make(b.p, b.rs, b.c, nil)

			// Providers: every namespace of the template, sorted, the
			// default ones marked and left out of the commands.
			ns := map[string]Provider{}
			for i, pr := range r.Providers {
				ns[pr.Namespace] = pr
				if i > 0 && strings.ToLower(r.Providers[i-1].Namespace) >= strings.ToLower(pr.Namespace) {
					t.Errorf("providers not sorted at %s", pr.Namespace)
				}
				if len(pr.Types) == 0 || pr.Why == "" {
					t.Errorf("%s has no types or reason", pr.Namespace)
				}
			}
			for _, want := range tc.providers {
				if _, ok := ns[want]; !ok {
					t.Errorf("provider %s missing", want)
				}
			}
			for _, res := range b.rs {
				pre, _, _ := strings.Cut(res.Type, "/")
				if _, ok := ns[pre]; !ok {
					t.Errorf("type %s has no provider", res.Type)
				}
			}
			for _, pr := range r.ToRegister() {
				if pr.Namespace == "Microsoft.Resources" || pr.Namespace == "Microsoft.Authorization" {
					t.Errorf("%s is registered by default", pr.Namespace)
				}
			}

			// Roles: Contributor at the subscription, role assignments and
			// policy need their own roles, the peering needs the hub VNet.
			roles := map[string]Role{}
			for _, ro := range r.DeployerRoles {
				roles[ro.Name+"@"+ro.Scope] = ro
				if len(ro.ID) != 36 || ro.Why == "" {
					t.Errorf("role %+v", ro)
				}
			}
			if ro, ok := roles["Network Contributor@"+tc.hubVNet]; !ok || ro.ID != RoleNetworkContributor || !strings.Contains(ro.Why, "peer/action") {
				t.Errorf("no Network Contributor on the hub VNet: %+v", r.DeployerRoles)
			}
			if r.DeployerRoles[0].Name != "Contributor" || r.DeployerRoles[0].ID != RoleContributor {
				t.Errorf("first role %+v", r.DeployerRoles[0])
			}
			platformZones := false
			for _, pe := range append(append([]network.PrivateEndpoint{}, b.p.Network.PrivateEndpoints...), b.p.Network.ComputeEndpoints...) {
				platformZones = platformZones || pe.DNSZoneID != ""
			}
			hasDNSRole := false
			for _, ro := range r.DeployerRoles {
				hasDNSRole = hasDNSRole || ro.ID == RolePrivateDNSZoneContributor
			}
			if hasDNSRole != platformZones {
				t.Errorf("Private DNS Zone Contributor listed %v, platform zones used %v", hasDNSRole, platformZones)
			}
			assertRole(t, r, b.rs, "Microsoft.Authorization/roleAssignments", RoleRBACAdministrator)
			assertRole(t, r, b.rs, "Microsoft.Authorization/policyAssignments", RoleResourcePolicyContributor)

			// Quota: the plan's nodes × vCPUs, regular by family and in
			// cores, the AKS system pool too, Batch separately.
			family, cores, spot, batch := expectedQuota(t, b)
			system := 0
			if hasType(b.rs, "Microsoft.ContainerService/managedClusters") {
				system = 3 * 4 // Standard_D4ds_v5 × 3
				family["standardDDSv5Family"] += system
				cores += system
			}
			for name, n := range family {
				q := findQuota(r, name, false)
				if q == nil || q.VCPUs != n {
					t.Errorf("%s: %+v, want %d vCPUs", name, q, n)
				}
			}
			if q := findQuota(r, QuotaCores, false); q == nil || q.VCPUs != cores {
				t.Errorf("cores: %+v, want %d", q, cores)
			}
			if q := findQuota(r, QuotaLowPriority, false); (q == nil) != (spot == 0) || (q != nil && q.VCPUs != spot) {
				t.Errorf("lowPriorityCores: %+v, want %d", q, spot)
			}
			sumBatch := 0
			for _, q := range r.Quota {
				if q.Batch && (q.FamilyQuotaName == BatchLowPriorityCores || q.FamilyQuotaName == BatchDedicatedCores) {
					sumBatch += q.VCPUs
				}
			}
			if sumBatch != batch {
				t.Errorf("Batch account quota rows sum to %d, want %d", sumBatch, batch)
			}
			if system > 0 && findQuota(r, "standardDDSv5Family", false) == nil {
				t.Error("the AKS system pool draws on no quota")
			}

			// The hub team: the other side of the peering with gateway transit.
			if !anyContains(r.HubActions, "allowGatewayTransit: true") || !anyContains(r.HubActions, tc.hubVNet) {
				t.Errorf("hub actions: %q", r.HubActions)
			}
			if !anyContains(r.HubActions, "AzureKubernetesService") {
				t.Errorf("no firewall rule for AKS: %q", r.HubActions)
			}
			if r.Command != tc.command {
				t.Errorf("command %q, want %q", r.Command, tc.command)
			}
			if len(r.Findings) != 0 {
				t.Errorf("findings without usage: %+v", r.Findings)
			}

			// Deterministic, and pinned.
			md := markdown(t, r)
			if again := markdown(t, Make(b.p, b.rs, b.c, nil)); !bytes.Equal(md, again) {
				t.Fatalf("two runs differ:\n%s", testkit.FirstDiff(md, again))
			}
			for _, sec := range []string{"## 1. Register", "## 2. Roles", "## 3. Quota", "## 4. The hub side", "## 5. Deploy", "## 6. After"} {
				if !bytes.Contains(md, []byte(sec)) {
					t.Errorf("no section %q", sec)
				}
			}
			golden(t, strings.TrimSuffix(tc.example, ".yaml")+".md", md)
		})
	}
}

func assertRole(t *testing.T, r Result, rs []resources.Resource, typ, roleID string) {
	t.Helper()
	has := false
	for _, ro := range r.DeployerRoles {
		has = has || ro.ID == roleID
	}
	if has != hasType(rs, typ) {
		t.Errorf("role %s listed %v, template has %s %v", roleID, has, typ, hasType(rs, typ))
	}
}

func hasType(rs []resources.Resource, typ string) bool {
	for _, r := range rs {
		if r.Type == typ {
			return true
		}
	}
	return false
}

func anyContains(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

// A usage file too small for the large zone: every regular quota row it
// lists is checked against it, each that falls short says so as an error
// finding with the fix, and the zone's GPU families include at least one
// such shortfall.
func TestQuotaShortfall(t *testing.T) {
	b := build(t, "large.yaml")
	u, err := ParseUsage("eastus-numbers.json", readUsageFile(t, "eastus-numbers.json"), "eastus")
	if err != nil {
		t.Fatal(err)
	}
	r := Make(b.p, b.rs, b.c, map[string]Usage{"eastus": u})
	for _, f := range r.Findings {
		if f.Code != CodeQuota || f.Severity != finding.Error {
			t.Errorf("finding %+v", f)
		}
	}
	gpuFamilies := map[string]bool{}
	for _, pl := range b.p.Compute.Pools {
		if s, ok := b.c.SKU(pl.SKU); ok && s.IsGPU() {
			name, _, _ := QuotaName(s.Family)
			gpuFamilies[strings.ToLower(name)] = true
		}
	}
	short, gpuShort := 0, ""
	for _, q := range r.Quota {
		if q.Batch || q.FamilyQuotaName == "" {
			continue
		}
		it, ok := u.Item(q.FamilyQuotaName)
		if !ok {
			if q.Available != nil || !strings.Contains(q.Note, "is not in the usage given for eastus") {
				t.Errorf("%s is not in the usage, but the row says %+v", q.FamilyQuotaName, q)
			}
			continue
		}
		avail := it.Available()
		if q.Available == nil || int64(*q.Available) != avail || q.Sufficient == nil || *q.Sufficient != (int64(q.VCPUs) <= avail) {
			t.Errorf("%s: %+v, want %d available for %d vCPUs", q.FamilyQuotaName, q, avail, q.VCPUs)
			continue
		}
		if *q.Sufficient {
			continue
		}
		short++
		if gpuFamilies[strings.ToLower(q.FamilyQuotaName)] {
			gpuShort = q.FamilyQuotaName
		}
		var msg string
		for _, f := range r.Findings {
			if strings.HasPrefix(f.Message, "eastus: "+q.FamilyQuotaName+" ") {
				msg = f.Message
			}
		}
		for _, want := range []string{fmt.Sprintf("needs %d vCPUs", q.VCPUs), fmt.Sprintf("%d are available", avail), "Quotas page",
			fmt.Sprintf("az quota create --resource-name %s --scope /subscriptions/SUBSCRIPTION_ID/providers/Microsoft.Compute/locations/eastus --limit-object value=%d", shellQuote(it.Name), it.Current+int64(q.VCPUs))} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: message %q lacks %q", q.FamilyQuotaName, msg, want)
			}
		}
	}
	if short != len(r.Findings) {
		t.Errorf("%d rows fall short but %d findings", short, len(r.Findings))
	}
	if gpuShort == "" {
		t.Fatalf("no GPU family of the plan (%v) falls short of the usage: the usage file no longer tests a shortfall", gpuFamilies)
	}
	// The Batch pool is the Batch account's, which the usage does not cover.
	for _, q := range r.Quota {
		if q.Batch && q.Available != nil {
			t.Errorf("Batch row checked against the subscription's usage: %+v", q)
		}
	}
	md := markdown(t, r)
	if !bytes.Contains(md, []byte("| ✘ |")) || !bytes.Contains(md, []byte("Usage given for: eastus.")) {
		t.Error("the quota table shows no shortfall column")
	}
	golden(t, "large-usage.md", md)
	var s bytes.Buffer
	if err := Summary(&s, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.String(), "quota shortfall: eastus: "+gpuShort) {
		t.Errorf("summary:\n%s", s.String())
	}
}

// A family the usage does not list is not taken for none available: the
// row says to check the region, and no finding is made.
func TestQuotaFamilyNotInUsage(t *testing.T) {
	b := build(t, "large.yaml")
	u, err := ParseUsage("cores.json", []byte(`[{"currentValue": 0, "limit": 1000000, "name": {"value": "cores"}, "unit": "Count"}]`), "eastus")
	if err != nil {
		t.Fatal(err)
	}
	r := Make(b.p, b.rs, b.c, map[string]Usage{"eastus": u})
	if len(r.Findings) != 0 {
		t.Errorf("findings %+v", r.Findings)
	}
	families := 0
	for _, q := range r.Quota {
		if q.Batch || q.FamilyQuotaName == "" || q.FamilyQuotaName == QuotaCores {
			continue
		}
		families++
		want := fmt.Sprintf("%s is not in the usage given for eastus", q.FamilyQuotaName)
		if q.Available != nil || q.Sufficient != nil || !strings.Contains(q.Note, want) {
			t.Errorf("%+v, want no availability and a note %q", q, want)
		}
	}
	if families == 0 {
		t.Fatal("no family rows")
	}
	if q := findQuota(r, QuotaCores, false); q == nil || q.Sufficient == nil || !*q.Sufficient {
		t.Errorf("cores: %+v", q)
	}
}

// Usage with room for everything: no finding, every row ✔.
func TestQuotaEnough(t *testing.T) {
	for _, example := range []string{"small.yaml", "large.yaml"} {
		t.Run(example, func(t *testing.T) {
			b := build(t, example)
			r := Make(b.p, b.rs, b.c, nil)
			// Limits above what this plan needs, in the names and spellings
			// az prints, some as strings.
			var items []string
			for _, q := range r.Quota {
				if !q.Batch && q.FamilyQuotaName != "" {
					items = append(items, fmt.Sprintf(`{"currentValue": "%d", "limit": %d, "name": {"value": %q, "localizedValue": "x"}, "unit": "Count"}`, 8, q.VCPUs+8, strings.ToLower(q.FamilyQuotaName)))
				}
			}
			u, err := ParseUsage("enough.json", []byte("["+strings.Join(items, ",\n")+"]"), "eastus")
			if err != nil {
				t.Fatal(err)
			}
			r = Make(b.p, b.rs, b.c, map[string]Usage{"EastUS": u})
			if len(r.Findings) != 0 {
				t.Errorf("findings: %+v", r.Findings)
			}
			for _, q := range r.Quota {
				if q.Batch || q.FamilyQuotaName == "" {
					continue
				}
				if q.Sufficient == nil || !*q.Sufficient || *q.Available != q.VCPUs {
					t.Errorf("%+v", q)
				}
			}
		})
	}
}

// Spot draws on lowPriorityCores and neither on the family nor on cores;
// a Batch pool on the Batch account; unknown sizes and families say so.
func TestQuotaRows(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		ds   []demand
		want []string // "region name vcpus spot batch" per row, in order
		note string
	}{
		{"spot", []demand{{pool: "a", region: "eastus", sku: "Standard_ND96isr_H100_v5", nodes: 2, spot: true}},
			[]string{"eastus lowPriorityCores 192 true false"}, ""},
		{"regular and spot", []demand{
			{pool: "a", region: "westus3", sku: "Standard_ND96isr_H100_v5", nodes: 2},
			{pool: "b", region: "westus3", sku: "Standard_NC40ads_H100_v5", nodes: 1, spot: true},
			{pool: "c", region: "eastus", sku: "Standard_D4ds_v5", nodes: 3}},
			[]string{"eastus standardDDSv5Family 12 false false", "eastus cores 12 false false",
				"westus3 standardNDSH100v5Family 192 false false", "westus3 cores 192 false false", "westus3 lowPriorityCores 40 true false"}, ""},
		{"batch", []demand{
			{pool: "a", region: "eastus", sku: "Standard_HB176rs_v4", nodes: 4, batch: true, spot: true},
			{pool: "b", region: "eastus", sku: "Standard_ND96amsr_A100_v4", nodes: 2, batch: true}},
			[]string{"eastus standardNDAMSv4_A100Family 192 false true", "eastus dedicatedCoreQuota 192 false true", "eastus lowPriorityCoreQuota 704 true true"}, ""},
		{"unconfirmed size", []demand{{pool: "a", region: "eastus", sku: "Standard_ND128isrG5_GB300_v6", nodes: 1}},
			[]string{"eastus  128 false false", "eastus cores 128 false false"}, "family quota name not known"},
		{"not in catalog", []demand{{pool: "a", region: "eastus", sku: "Standard_ND999_X", nodes: 1}},
			[]string{"eastus  0 false false"}, "not in the catalog"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			qs := quotas(tc.ds, c)
			var got []string
			notes := ""
			for _, q := range qs {
				got = append(got, fmt.Sprintf("%s %s %d %v %v", q.Region, q.FamilyQuotaName, q.VCPUs, q.Spot, q.Batch))
				notes += q.Note
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if tc.note != "" && !strings.Contains(notes, tc.note) {
				t.Errorf("notes %q lack %q", notes, tc.note)
			}
		})
	}
}

// Every entry of the family table names a family the catalog has (a typo
// would never match); families without an entry are listed, since they
// get the "not known" note.
func TestFamilyTable(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, s := range c.SKUs {
		have[s.Family] = true
	}
	keys := map[string]bool{}
	for _, s := range Sources {
		keys[s.Key] = true
	}
	for _, f := range familyQuotas {
		if !have[f.Family] {
			t.Errorf("family %q is not in the catalog", f.Family)
		}
		if !keys[f.Source] || !strings.HasSuffix(strings.ToLower(strings.ReplaceAll(f.QuotaName, " ", "")), "family") {
			t.Errorf("entry %+v", f)
		}
	}
	for fam := range have {
		if _, _, ok := QuotaName(fam); !ok {
			t.Logf("catalog family %q has no quota name: plans using it get the 'not known' note", fam)
		}
	}
}

func TestCommand(t *testing.T) {
	b := build(t, "small.yaml")
	b.p.Governance.Subscriptions[0].ID = "00000000-1111-2222-3333-444444444444"
	r := Make(b.p, b.rs, b.c, nil)
	want := "az account set --subscription 00000000-1111-2222-3333-444444444444\naz deployment sub create --name aizone-contoso-ft --location eastus --template-file arm/main.json --parameters @arm/main.parameters.json"
	if r.Command != want {
		t.Errorf("command\n%s\nwant\n%s", r.Command, want)
	}
	if r.DeployerRoles[0].Scope != "/subscriptions/00000000-1111-2222-3333-444444444444" {
		t.Errorf("scope %q", r.DeployerRoles[0].Scope)
	}
	for name, want := range map[string]string{
		"contoso-ft":              "aizone-contoso-ft",
		"a b/c":                   "aizone-a-b-c",
		strings.Repeat("x", 80):   "aizone-" + strings.Repeat("x", 57),
		"trailing.":               "aizone-trailing",
		"ünïcode-zone_(1).v2":     "aizone-n-code-zone_(1).v2",
		"--":                      "aizone-",
		"Fabrikam.LLM-prod_east2": "aizone-Fabrikam.LLM-prod_east2",
	} {
		if got := DeploymentName(name); got != want || len(got) > 64 {
			t.Errorf("DeploymentName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestSummary(t *testing.T) {
	b := build(t, "large.yaml")
	r := Make(b.p, b.rs, b.c, nil)
	var s bytes.Buffer
	if err := Summary(&s, r); err != nil {
		t.Fatal(err)
	}
	out := s.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) > 8 {
		t.Errorf("%d lines, want a few:\n%s", len(lines), out)
	}
	wants := []string{
		fmt.Sprintf("prerequisites: %d resource providers to register", len(r.ToRegister())),
		"deployer roles: Contributor on subscription fabrikam-ai-training",
		"quota eastus (vCPUs): ",
		"Batch account quota eastus (vCPUs): ",
		"deploy: az deployment sub create --name aizone-fabrikam-llm",
	}
	// Each family the plan's pools draw on, with its vCPUs (the AKS
	// system pool's too), and the regional total.
	family, cores, _, _ := expectedQuota(t, b)
	if hasType(b.rs, "Microsoft.ContainerService/managedClusters") {
		family["standardDDSv5Family"] += 3 * 4 // Standard_D4ds_v5 × 3
		cores += 3 * 4
	}
	if len(family) < 2 {
		t.Fatalf("families %v: the large zone draws on a GPU family for training and one for serving", family)
	}
	for name, n := range family {
		wants = append(wants, fmt.Sprintf("%s %d", name, n))
	}
	wants = append(wants, fmt.Sprintf("cores %d", cores))
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

// A zone without a platform hub has no one to ask: no peering role, no
// hub actions beyond subscription vending, and the rows that remain still
// come from the template.
func TestNoPlatformHub(t *testing.T) {
	b := build(t, "small.yaml")
	b.p.Network.Peerings = nil
	b.p.Network.Egress.Kind = "nat-gateway"
	b.p.Zone.Network.OnPremises = nil
	b.p.Network.PrivateDNSZones = nil
	b.p.Governance.Subscriptions[0].ID = "00000000-1111-2222-3333-444444444444"
	r := Make(b.p, b.rs, b.c, nil)
	for _, ro := range r.DeployerRoles {
		if ro.ID == RoleNetworkContributor {
			t.Errorf("peering role without a hub: %+v", ro)
		}
	}
	if len(r.HubActions) != 0 {
		t.Errorf("hub actions without a hub: %q", r.HubActions)
	}
	md := markdown(t, r)
	if !bytes.Contains(md, []byte("Nothing: the zone peers to no platform hub.")) {
		t.Error("section 4 does not say there is nothing to do")
	}
	if !strings.HasPrefix(r.Command, "az account set --subscription 00000000-1111-2222-3333-444444444444\n") {
		t.Errorf("command %q", r.Command)
	}
}

// The JSON keys other tools read.
func TestResultJSON(t *testing.T) {
	b := build(t, "large.yaml")
	data, err := json.Marshal(Make(b.p, b.rs, b.c, nil))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"providers", "features", "deployer_roles", "quota", "hub_actions", "findings", "command", "after_deployment"} {
		if v, ok := m[k]; !ok || string(v) == "null" {
			t.Errorf("key %q missing or null", k)
		}
	}
}
