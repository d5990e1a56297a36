package compliance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aizone/aizone/alz"
	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/internal/shared"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/policy"
	"github.com/aizone/aizone/resources"
	"github.com/aizone/aizone/spec"
)

var (
	setupOnce sync.Once
	setupLib  *alz.Library
	setupB    *alz.Builtins
	setupAl   policy.AliasTable
	setupErr  error
)

func corpus(tb testing.TB) (*alz.Library, *alz.Builtins, policy.AliasTable) {
	tb.Helper()
	libDir := shared.Path(tb, "corpora", "alz-library", "alz")
	bDir := shared.Path(tb, "corpora", "azure-policy")
	alPath := shared.Path(tb, "reference", "policy-aliases", "policy-aliases.csv.gz")
	setupOnce.Do(func() {
		if setupLib, setupErr = alz.LoadLibrary(libDir); setupErr != nil {
			return
		}
		if setupB, setupErr = alz.LoadBuiltins(bDir); setupErr != nil {
			return
		}
		f, err := os.Open(alPath)
		if err != nil {
			setupErr = err
			return
		}
		defer f.Close()
		setupAl, setupErr = policy.LoadAliasesCSV(f)
	})
	if setupErr != nil {
		tb.Fatal(setupErr)
	}
	return setupLib, setupB, setupAl
}

func engineAt(tb testing.TB, mg, region string) *Engine {
	return engineAtWith(tb, mg, region, "")
}

// engineAtWith is engineAt with the platform's workspace, which the
// platform's diagnostic policies name as the zone file does.
func engineAtWith(tb testing.TB, mg, region, workspace string) *Engine {
	lib, b, al := corpus(tb)
	values := alz.Values{"default_location": region}
	if workspace != "" {
		values["log_analytics_workspace_id"] = workspace
	}
	eff, err := lib.Effective("alz", mg, values)
	if err != nil {
		tb.Fatal(err)
	}
	return New(&Source{Library: lib, Builtins: b, Aliases: al}, eff)
}

func zoneResources(tb testing.TB, example string) (*plan.Plan, []resources.Resource) {
	tb.Helper()
	c, err := catalog.Default()
	if err != nil {
		tb.Fatal(err)
	}
	z, err := spec.LoadFile(filepath.Join("..", "examples", example))
	if err != nil {
		tb.Fatal(err)
	}
	p := plan.Make(z, c, plan.Options{AsOf: "2026-11-01"})
	return p, resources.Build(p)
}

// accepted are the findings that remain on aizone's templates under the ALZ
// corp and online archetypes, each with why a careful platform engineer
// accepts it. Anything not listed fails the test: fix the generator, not
// this list, unless the reason is as good as these.
var accepted = map[string]string{
	"Audit-ZoneResiliency/Microsoft.Compute/virtualMachineScaleSets_ZoneResilient": "multi-node training needs every node in one proximity placement group, which is one zone by construction",
	"Audit-ZoneResiliency/Microsoft.Storage/storageAccounts_ZoneRedundant":         "LRS is chosen on purpose: Archive tiering needs LRS/GRS, and training data can be re-copied",
	"Audit-PeDnsZones": "the zone creates its own privatelink zone only where the platform hub gives none; with a hub, Deploy-Private-DNS-Zones registers the endpoint in the hub's zone",

	"Deploy-Diag-LogsCat/netapp-netappaccounts-capacitypools-volumes":            "deployIfNotExists: Azure deploys the diagnostic setting after the volume exists",
	"Deploy-MCSB2-Monitoring/ANFVolumesTypeNfsv41KerberosDataEncryption":         "Kerberos (krb5p) encryption costs the hot tier much of its throughput; the volume is reachable only from the zone's delegated subnet",
	"Audit-ZoneResiliency/Microsoft.Network/natGateways_ZoneAligned":             "a NAT gateway is a zonal resource; Azure places it, and it carries egress only for a zone without a platform firewall",
	"Audit-ZoneResiliency/Microsoft.Network/publicipaddresses_ZoneResilient":     "the NAT gateway's address follows the gateway's placement",
	"Deploy-Diag-LogsCat/network-publicipaddresses":                              "deployIfNotExists: Azure deploys the diagnostic setting after the address exists",
	"Deploy-Diag-LogsCat/batch-batchaccounts":                                    "deployIfNotExists: Azure deploys the diagnostic setting after the account exists",
	"Deploy-MCSB2-Monitoring/diagnosticsLogsInBatchAccountMonitoring":            "the diagnostic setting is deployed by the platform's Deploy-Diag-LogsCat",
	"Deploy-MCSB2-Monitoring/diagnosticsLogsInKubernetesMonitoring":              "the diagnostic setting is deployed by the platform's Deploy-Diag-LogsCat",
	"Deploy-MCSB2-Monitoring/kubernetesRunningImagesVulnerabilityMDVMAssessment": "Defender assessments exist only after Defender scans a running cluster",
	"Deploy-MCSB2-Monitoring/diagnosticsLogsInKeyVaultMonitoring":                "this audit counts a setting only when every log group it lists is on, while the platform's Deploy-Diag-LogsCat requires allLogs listed off beside the audit group; the audit group (AuditEvent) is sent to the platform workspace",
	"Deploy-MCSB2-Monitoring/MIFederatedCredentialsFromAllowedIssuerTypes":       "workload identity needs one federated credential per serving workload, issued by the zone's own AKS OIDC issuer; the audit's default allows none until the platform lists AKS issuers",
	"Deploy-MCSB2-Monitoring/azureContainerRegistryVulnerabilityAssessment":      "Defender assessments exist only after Defender scans images pushed to the registry",
	"Deploy-MCSB2-Monitoring/vnetEnableDDoSProtectionMonitoring":                 "Defender assessment; DDoS plans are the platform's (Enable-DDoS-VNET modify attaches it)",
	"Deploy-MCSB2-Monitoring/networkWatcherShouldBeEnabledMonitoringEffect":      "Network Watcher is created by Azure per region in NetworkWatcherRG",
	"Deploy-MCSB2-Monitoring/VNetsProtectedDDoS":                                 "the DDoS plan is the platform's; Enable-DDoS-VNET attaches it",
	"Enable-DDoS-VNET": "modify: Azure attaches the platform's DDoS plan at deployment",
	"Deploy-MCSB2-Monitoring/FlowLogsConfiguredEveryNSGGroup":                                            "NSG flow logs are retired for new deployments; VNet flow logs are the platform's to configure",
	"Deploy-MCSB2-Monitoring/UsersAuthenticateMultifactorAuthenticationCreateUpdateResources":            "depends on the identity of the deploying user (requestContext), unknowable offline",
	"Deploy-MCSB2-Monitoring/BatchAccountCMKsEncryptData":                                                "customer-managed keys need the platform's Key Vault; platform-managed encryption applies",
	"Deploy-MCSB2-Monitoring/BatchPoolsDiskEncryption":                                                   "Batch pool disk encryption targets are optional with platform-managed keys",
	"Deploy-MCSB2-Monitoring/BothOperatingSystemsDataDisksAKSClustersEncryptedCMKs":                      "customer-managed keys need the platform's disk encryption set",
	"Deploy-MCSB2-Monitoring/ManagedDisksSpecificSetDiskEncryptionSetsCMKEncryption":                     "customer-managed keys need the platform's disk encryption set",
	"Deploy-MCSB2-Monitoring/OsDataDisksEncryptedCMK":                                                    "customer-managed keys need the platform's disk encryption set",
	"Deploy-MCSB2-Monitoring/TempDisksCacheAgentNodePoolsAKSClustersEncryptedHost":                       "encryption at host is not offered on every GPU size; disks are encrypted at rest",
	"Deploy-MCSB2-Monitoring/virtualMachinesAndVirtualMachineScaleSetsShouldHaveEncryptionAtHostEnabled": "encryption at host is not offered on every GPU size; disks are encrypted at rest",
	"Deploy-MCSB2-Monitoring/azureKubernetesServiceClustersShouldHaveSecurityProfileEnabled":             "Defender for Containers is enabled by the platform's Defender plan",
	"Deploy-MCSB2-Monitoring/storageAccountsShouldPreventSharedKeyAccess":                                "Managed Lustre's Blob integration and az storage tooling still need shared keys",
	"Deploy-MCSB2-Monitoring/storageAccountsShouldPreventSharedKeyAccessExDataBricks":                    "Managed Lustre's Blob integration and az storage tooling still need shared keys",
}

// notEnforced findings (DoNotEnforce assignments) are reported by check but
// never block; the ALZ library ships its guardrail initiatives that way.
func TestExamplesPassALZ(t *testing.T) {
	for _, ex := range []string{"small.yaml", "large.yaml", "infeasible.yaml"} {
		for _, mg := range []string{"corp", "online"} {
			t.Run(ex+"/"+mg, func(t *testing.T) {
				p, rs := zoneResources(t, ex)
				e := engineAtWith(t, mg, p.Zone.Region, p.Zone.Placement.LogAnalytics)
				rep := Check(context.Background(), e, FromTemplateWith(rs, "", resources.Parameters(p, rs)))
				if n := Denies(rep.Findings); n > 0 {
					for _, f := range rep.Findings {
						if f.Effect == "deny" && f.Enforced {
							t.Errorf("deny: %s by %s/%s: %v", f.Resource, f.Assignment, f.ReferenceID, f.Reasons)
						}
					}
				}
				seen := map[string]bool{}
				for _, f := range rep.Findings {
					if !f.Enforced {
						continue
					}
					key := f.Assignment
					if f.ReferenceID != "" {
						key += "/" + f.ReferenceID
					}
					why, ok := accepted[key]
					if !ok {
						t.Errorf("unaccepted %s finding on %s by %s: %v", f.Effect, f.Resource, key, f.Reasons)
						continue
					}
					if !seen[key] {
						seen[key] = true
						t.Logf("accepted %s %s: %s", f.Effect, key, why)
					}
				}
				if len(rep.Problems) > 2 {
					t.Errorf("%d assignments could not be evaluated: %+v", len(rep.Problems), rep.Problems)
				}
			})
		}
	}
}

// TestPlanted plants the mistakes the platform's policies and aizone's
// guardrails exist to catch, and checks each is caught by the right
// assignment for the right reason.
func TestPlanted(t *testing.T) {
	// The example with a scale set the team drives itself.
	p, rs := zoneResources(t, "vmss-finetune.yaml")
	var storage, vmss, rgCompute string
	for i := range rs {
		r := &rs[i]
		switch r.Type {
		case "Microsoft.Storage/storageAccounts":
			r.Properties["publicNetworkAccess"] = "Enabled"
			storage = r.Name
		case "Microsoft.Compute/virtualMachineScaleSets":
			// A GPU scale set with public IPs on its nodes, of a size the
			// zone does not allow.
			vmss = r.Name
			r.SKU = map[string]any{"name": "Standard_NC4as_T4_v3", "capacity": 2}
			prof := r.Properties["virtualMachineProfile"].(map[string]any)
			nics := prof["networkProfile"].(map[string]any)["networkInterfaceConfigurations"].([]any)
			ipc := nics[0].(map[string]any)["properties"].(map[string]any)["ipConfigurations"].([]any)
			ipc[0].(map[string]any)["properties"].(map[string]any)["publicIPAddressConfiguration"] = map[string]any{"name": "pip", "properties": map[string]any{}}
		case "Microsoft.Resources/resourceGroups":
			if strings.Contains(r.Name, "compute") {
				rgCompute = r.Name
				r.Tags = nil // cost centre, workload and classification gone
			}
		}
	}
	rs = append(rs, resources.Resource{
		Type: "Microsoft.Network/networkInterfaces", Name: "nic-gpu-0", Location: p.Zone.Region, ResourceGroup: rgCompute,
		Properties: map[string]any{"ipConfigurations": []any{map[string]any{"name": "ipconfig1", "properties": map[string]any{
			"publicIPAddress": map[string]any{"id": "/subscriptions/" + PlaceholderSubscription + "/resourceGroups/" + rgCompute + "/providers/Microsoft.Network/publicIPAddresses/pip-gpu-0"},
		}}}},
	})
	lib, b, al := corpus(t)
	eff, err := lib.Effective("alz", "corp", alz.Values{"default_location": p.Zone.Region})
	if err != nil {
		t.Fatal(err)
	}
	src := &Source{Library: lib, Builtins: b, Aliases: al}
	g, ok, err := Guardrails(src, rs, "")
	if err != nil || !ok {
		t.Fatalf("guardrails: %v %v", ok, err)
	}
	e := New(src, append(eff, g))
	rep := Check(context.Background(), e, FromTemplate(rs, ""))
	guard := g.Name
	want := []struct{ resource, assignment, ref, reason string }{
		{"/networkInterfaces/nic-gpu-0", "Deny-Public-IP-On-NIC", "", "publicIPAddress"},
		{"/storageAccounts/" + storage, "Deny-Public-Endpoints", "StorageDenyPaasPublicIP", "publicNetworkAccess"},
		{"/storageAccounts/" + storage, guard, "StoragePublicNetworkDisabled", "publicNetworkAccess"},
		{"/virtualMachineScaleSets/" + vmss, guard, "GpuNodesNoPublicIp", "publicIPAddressConfiguration"},
		{"/virtualMachineScaleSets/" + vmss, guard, "AllowedGpuSizes", "Standard_NC4as_T4_v3"},
		{"/resourceGroups/" + rgCompute, guard, "RequireCostCenterTag", "tags"},
	}
	for _, w := range want {
		found := false
		for _, f := range rep.Findings {
			if strings.HasSuffix(f.Resource, w.resource) && f.Assignment == w.assignment && f.ReferenceID == w.ref &&
				f.Effect == "deny" && f.Enforced && strings.Contains(strings.Join(f.Reasons, " "), w.reason) {
				found = true
			}
		}
		if !found {
			var near []string
			for _, f := range rep.Findings {
				if strings.HasSuffix(f.Resource, w.resource) {
					near = append(near, fmt.Sprintf("%s %s/%s %v", f.Effect, f.Assignment, f.ReferenceID, f.Reasons))
				}
			}
			t.Errorf("planted %s not denied by %s/%s with a reason naming %s; findings on it:\n  %s", w.resource, w.assignment, w.ref, w.reason, strings.Join(near, "\n  "))
		}
	}
}

// TestAuditMatchesCheck: streaming an export gives the findings the
// in-memory check gives, in both export shapes.
func TestAuditMatchesCheck(t *testing.T) {
	p, rs := zoneResources(t, "large.yaml")
	prs := FromTemplate(rs, "")
	e := engineAt(t, "corp", p.Zone.Region)
	want := Check(context.Background(), e, prs)
	raws := make([]any, len(prs))
	for i, r := range prs {
		raws[i] = r.Raw
	}
	arr, _ := json.Marshal(raws)
	graph, _ := json.Marshal(map[string]any{"count": len(raws), "skip_token": nil, "data": raws})
	for name, data := range map[string][]byte{"array": arr, "az graph query": graph} {
		t.Run(name, func(t *testing.T) {
			open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
			var got []Finding
			rep, err := Audit(context.Background(), e, open, AuditOptions{Findings: func(f Finding) error { got = append(got, f); return nil }})
			if err != nil {
				t.Fatal(err)
			}
			Sort(got)
			if rep.Summary.Findings != want.Summary.Findings || len(got) != len(want.Findings) {
				t.Fatalf("audit found %d, check %d", rep.Summary.Findings, want.Summary.Findings)
			}
			for i := range got {
				if got[i].Resource != want.Findings[i].Resource || got[i].Assignment != want.Findings[i].Assignment || got[i].Effect != want.Findings[i].Effect {
					t.Fatalf("finding %d differs: %+v vs %+v", i, got[i], want.Findings[i])
				}
			}
			if rep.Related == 0 || rep.Related >= len(prs) {
				t.Errorf("kept %d of %d resources for *IfNotExists; want some, not all", rep.Related, len(prs))
			}
		})
	}
}

func TestAuditBadInput(t *testing.T) {
	e := engineAt(t, "corp", "eastus")
	cases := map[string]string{
		"not json":       "{oops",
		"scalar":         "42",
		"object no data": `{"count": 1}`,
		"bad element":    `[{"id": 1}, 5]`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			open := func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }
			if _, err := Audit(context.Background(), e, open, AuditOptions{}); err == nil {
				t.Error("bad export accepted")
			}
		})
	}
}

func TestResourceIDExpression(t *testing.T) {
	cases := []struct{ in, want string }{
		{"[resourceId('rg-a', 'Microsoft.Network/virtualNetworks/subnets', 'vnet', 'snet')]", "/subscriptions/S/resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet"},
		{"[resourceId('rg', 'Microsoft.Storage/storageAccounts', 'it''s')]", "/subscriptions/S/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/it's"},
		{"[parameters('x')]", ""},
		{"[resourceId('Microsoft.Storage/storageAccounts', 'a')]", ""},
	}
	for _, tc := range cases {
		got, ok := resourceID(tc.in, "S")
		if (tc.want == "") == ok || got != tc.want {
			t.Errorf("resourceID(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

// genEstate writes n synthetic resources of the kinds an AI estate holds.
func genEstate(w io.Writer, n int) error { return GenerateEstate(w, n, 0) }

// BenchmarkAudit audits a generated estate exported to a file (as az graph
// query output would be) through the assignments of every management group
// from alz down to landingzones. AIZONE_AUDIT_N sets the estate size
// (default 20,000; the figure is 1,000,000).
func BenchmarkAudit(b *testing.B) {
	n := 20000
	if s := os.Getenv("AIZONE_AUDIT_N"); s != "" {
		fmt.Sscan(s, &n)
	}
	e := engineAt(b, "landingzones", "eastus")
	path := filepath.Join(b.TempDir(), "estate.json")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := genEstate(f, n); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	open := FileOpener(path)
	b.ResetTimer()
	for b.Loop() {
		rep, err := Audit(context.Background(), e, open, AuditOptions{DefaultPath: []string{"alz", "landingzones"}})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Summary.Resources != n {
			b.Fatalf("audited %d of %d", rep.Summary.Resources, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "resources/s")
}
