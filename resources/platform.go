package resources

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/aizone/aizone/plan"
)

// Template parameters: everything that belongs to the platform rather than
// to the zone, so that one template deploys against any hub, and the
// values the deployer supplies.
const (
	ParamHubVNetID        = "hubVirtualNetworkId"
	ParamFirewallIP       = "firewallPrivateIp"
	ParamDNSServers       = "dnsServers"
	ParamDNSZonesRG       = "privateDnsZonesResourceGroupId"
	ParamWorkspaceID      = "logAnalyticsWorkspaceId"
	ParamBudgetAmount     = "budgetAmount"
	ParamBudgetEmails     = "budgetContactEmails"
	ParamBudgetGroups     = "budgetActionGroups"
	ParamBudgetStart      = "budgetStartDate"
	ParamHPCCacheObjectID = "hpcCacheResourceProviderObjectId"
	ParamSSHKey           = "sshPublicKey"
)

// Parameter is one template parameter with the value the zone file gives
// it (nil when the deployer must supply it).
type Parameter struct {
	Name         string
	Type         string // string, array, int
	Description  string
	Value        any
	DefaultValue any // an expression ARM evaluates, such as utcNow()
	// Placeholder is written into the parameters file when the deployer
	// must fill the value in.
	Placeholder string
}

func param(name string) string { return "[parameters('" + name + "')]" }

// Parameters lists the parameters rs (built from p) use, sorted by name,
// with their values from the plan.
func Parameters(p *plan.Plan, rs []Resource) []Parameter {
	b := &builder{p: p, out: rs}
	return b.parameters()
}

func (b *builder) parameters() []Parameter {
	z := b.p.Zone
	all := []Parameter{
		{Name: ParamHubVNetID, Type: "string", Description: "Resource id of the platform hub VNet the zone's spokes peer to", Value: z.Network.Hub.VNetID},
		{Name: ParamFirewallIP, Type: "string", Description: "Private IP address of the platform hub's firewall; the spokes route 0.0.0.0/0 to it", Value: z.Network.Hub.FirewallIP},
		{Name: ParamDNSServers, Type: "array", Description: "DNS servers of the zone's VNets (the hub's resolver or firewall DNS proxy)", Value: z.Network.DNSServers},
		{Name: ParamDNSZonesRG, Type: "string", Description: "Resource id of the resource group holding the platform's privatelink DNS zones", Value: z.Network.PrivateDNSZones},
		{Name: ParamWorkspaceID, Type: "string", Description: "Resource id of the platform's Log Analytics workspace that receives diagnostics", Value: z.Placement.LogAnalytics},
		{Name: ParamBudgetAmount, Type: "int", Description: "Monthly budget of the subscription in the billing currency (USD)", Value: b.budgetAmount()},
		{Name: ParamBudgetEmails, Type: "array", Description: "E-mail addresses the budget alerts go to", Value: b.budgetEmails()},
		{Name: ParamBudgetGroups, Type: "array", Description: "Action group ids the budget alerts go to", Value: b.budgetGroups()},
		{Name: ParamBudgetStart, Type: "string", Description: "First day of the budget (the first of a month)", DefaultValue: "[utcNow('yyyy-MM-01')]"},
		{Name: ParamHPCCacheObjectID, Type: "string", Description: "Object id of the HPC Cache Resource Provider service principal in this tenant (az ad sp list --display-name \"HPC Cache Resource Provider\" --query [0].id -o tsv)", Placeholder: "REPLACE-WITH-HPC-CACHE-RP-OBJECT-ID"},
		{Name: ParamSSHKey, Type: "string", Description: "SSH public key for the scale-set nodes' admin user", Placeholder: "REPLACE-WITH-SSH-PUBLIC-KEY"},
	}
	var out []Parameter
	text := ""
	for _, r := range b.out {
		text += refText(r)
	}
	for _, p := range all {
		if strings.Contains(text, "parameters('"+p.Name+"')") {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// budgetAmount is the zone file's amount, or the plan's monthly cost
// rounded up to the next thousand so that an on-plan month stays under
// the 100% alert.
func (b *builder) budgetAmount() int {
	if bg := b.p.Zone.Placement.Budget; bg != nil && bg.AmountUSD > 0 {
		return int(math.Ceil(bg.AmountUSD))
	}
	return int(math.Max(1000, math.Ceil(b.p.Cost.MonthlyUSD/1000)*1000))
}

func (b *builder) budgetEmails() []string {
	if bg := b.p.Zone.Placement.Budget; bg != nil && len(bg.ContactEmails) > 0 {
		return bg.ContactEmails
	}
	return []string{}
}

func (b *builder) budgetGroups() []string {
	if bg := b.p.Zone.Placement.Budget; bg != nil && bg.ActionGroupID != "" {
		return []string{bg.ActionGroupID}
	}
	return []string{}
}

// budget is a monthly cost budget on the zone's subscription with alerts
// at 80% and 100% of actual cost and at 100% of forecast. Without an
// e-mail or action group the subscription's Owners are told.
func (b *builder) budget() {
	notify := func(threshold int, kind string) map[string]any {
		n := map[string]any{
			"enabled": true, "operator": "GreaterThan", "threshold": threshold, "thresholdType": kind,
			"contactEmails": param(ParamBudgetEmails), "contactGroups": param(ParamBudgetGroups),
		}
		if len(b.budgetEmails()) == 0 && len(b.budgetGroups()) == 0 {
			n["contactRoles"] = []string{"Owner"}
		}
		return n
	}
	b.add(Resource{Type: "Microsoft.Consumption/budgets", Name: "budget-" + b.zone,
		Properties: map[string]any{
			"category":   "Cost",
			"amount":     param(ParamBudgetAmount),
			"timeGrain":  "Monthly",
			"timePeriod": map[string]any{"startDate": param(ParamBudgetStart)},
			"notifications": map[string]any{
				"actual-80":    notify(80, "Actual"),
				"actual-100":   notify(100, "Actual"),
				"forecast-100": notify(100, "Forecasted"),
			},
		}})
}

// platform deploys the zone's Key Vault and container registry, reached
// only through their private endpoints (network plans those).
func (b *builder) platform() {
	tags := b.tagsFor("compute")
	for _, pe := range b.p.Network.ComputeEndpoints {
		switch pe.TargetType {
		case "Microsoft.KeyVault/vaults":
			b.add(Resource{Type: pe.TargetType, Name: pe.Target, Location: b.region, Tags: tags, ResourceGroup: b.rgCompute, Output: "keyVaultId",
				Properties: map[string]any{
					"tenantId":                  "[subscription().tenantId]",
					"sku":                       map[string]any{"family": "A", "name": "standard"},
					"enableRbacAuthorization":   true,
					"enablePurgeProtection":     true,
					"enableSoftDelete":          true,
					"softDeleteRetentionInDays": 90,
					"publicNetworkAccess":       "Disabled",
					"networkAcls":               map[string]any{"defaultAction": "Deny", "bypass": "AzureServices"},
				}})
		case "Microsoft.ContainerRegistry/registries":
			// Premium is the tier with private endpoints.
			b.add(Resource{Type: pe.TargetType, Name: pe.Target, Location: b.region, Tags: tags, ResourceGroup: b.rgCompute, Output: "containerRegistryId",
				SKU: map[string]any{"name": "Premium"},
				Properties: map[string]any{
					"adminUserEnabled":         false,
					"publicNetworkAccess":      "Disabled",
					"networkRuleBypassOptions": "AzureServices",
					"anonymousPullEnabled":     false,
					"zoneRedundancy":           "Enabled",
				}})
		}
	}
}

// diagnosticCategories says what each resource type sends to the
// platform workspace: its log categories (as a category group where the
// type has one) and its metrics. Types not listed have no diagnostic
// settings (scale sets and Managed Lustre report through agents and
// their own metrics). Source: Azure Monitor's supported log categories and
// metrics by resource type,
// https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/logs-index
// and .../supported-metrics/metrics-index.
var diagnosticCategories = map[string]struct {
	// categoryGroup names, or categories when prefixed "category:". Types
	// that have the audit group send it, as ALZ's Deploy-Diag-LogsCat
	// does; others send allLogs.
	logs    []string
	metrics string
}{
	"Microsoft.KeyVault/vaults":                      {logs: []string{"audit"}, metrics: "AllMetrics"},
	"Microsoft.ContainerRegistry/registries":         {logs: []string{"audit"}, metrics: "AllMetrics"},
	"Microsoft.Batch/batchAccounts":                  {logs: []string{"audit"}, metrics: "AllMetrics"},
	"Microsoft.ContainerService/managedClusters":     {logs: []string{"category:kube-audit-admin", "category:guard", "category:cluster-autoscaler", "category:kube-apiserver"}, metrics: "AllMetrics"},
	"Microsoft.Network/networkSecurityGroups":        {logs: []string{"allLogs"}},
	"Microsoft.Network/azureFirewalls":               {logs: []string{"allLogs"}, metrics: "AllMetrics"},
	"Microsoft.Network/virtualNetworkGateways":       {logs: []string{"audit"}, metrics: "AllMetrics"},
	"Microsoft.Network/bastionHosts":                 {logs: []string{"audit"}, metrics: "AllMetrics"},
	"Microsoft.Network/publicIPAddresses":            {logs: []string{"audit"}, metrics: "AllMetrics"},
	"Microsoft.Network/virtualNetworks":              {logs: []string{"allLogs"}, metrics: "AllMetrics"},
	"Microsoft.Network/natGateways":                  {metrics: "AllMetrics"},
	"Microsoft.Storage/storageAccounts":              {metrics: "Transaction"},
	"Microsoft.Storage/storageAccounts/blobServices": {logs: []string{"allLogs"}, metrics: "Transaction"},
}

// DiagnosticSettingName is the name of the setting aizone adds.
const DiagnosticSettingName = "to-platform-workspace"

// diagnostics sends every resource that supports diagnostic settings to
// the platform's workspace, when the zone names one.
func (b *builder) diagnostics() {
	if b.p.Zone.Placement.LogAnalytics == "" {
		return
	}
	var add []Resource
	for _, r := range b.out {
		c, ok := diagnosticCategories[r.Type]
		if !ok || r.ResourceGroup == "" || r.Scope != "" {
			continue
		}
		props := map[string]any{"workspaceId": param(ParamWorkspaceID)}
		var logs []any
		for _, l := range c.logs {
			if cat, ok := strings.CutPrefix(l, "category:"); ok {
				logs = append(logs, map[string]any{"category": cat, "enabled": true})
			} else {
				logs = append(logs, map[string]any{"categoryGroup": l, "enabled": true})
				if l == "audit" {
					// The setting the platform's own policy deploys
					// (ALZ's Deploy-Diag-LogsCat: the audit group, with
					// allLogs listed off), so that it finds ours and
					// does not add a second one to the same workspace.
					logs = append(logs, map[string]any{"categoryGroup": "allLogs", "enabled": false})
				}
			}
		}
		if len(logs) > 0 {
			props["logs"] = logs
		}
		if c.metrics != "" {
			props["metrics"] = []any{map[string]any{"category": c.metrics, "enabled": true}}
		}
		add = append(add, Resource{Type: "Microsoft.Insights/diagnosticSettings", Name: DiagnosticSettingName, ResourceGroup: r.ResourceGroup, Stage: r.Stage,
			Scope: idExpr(r.ResourceGroup, r.Type, strings.Split(r.Name, "/")...), Properties: props})
	}
	for _, r := range add {
		b.add(r)
	}
}

// outputName makes a template output name from a prefix and a workload:
// "pool" and "chat-1" give "poolChat1Id".
func outputName(prefix, workload string) string {
	var s strings.Builder
	s.WriteString(prefix)
	up := true
	for _, r := range workload {
		if r == '-' || r == '_' {
			up = true
			continue
		}
		if up && r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		up = false
		s.WriteRune(r)
	}
	s.WriteString("Id")
	return s.String()
}

// Output is one template output: a resource id.
type Output struct {
	Name  string
	Value string
}

// Outputs lists the template outputs of rs, sorted by name.
func Outputs(rs []Resource) []Output {
	var out []Output
	for _, r := range rs {
		if r.Output == "" {
			continue
		}
		out = append(out, Output{Name: r.Output, Value: idExpr(r.ResourceGroup, r.Type, strings.Split(r.Name, "/")...)})
	}
	// Each identity's client id: what a pool's nodes (BlobFuse2) and a
	// serving workload's service account name it by.
	for _, r := range rs {
		if r.Type != "Microsoft.ManagedIdentity/userAssignedIdentities" {
			continue
		}
		id := inner(idExpr(r.ResourceGroup, r.Type, r.Name))
		out = append(out, Output{Name: outputName("clientId", strings.TrimPrefix(r.Name, "id-")), Value: fmt.Sprintf("[reference(%s, '%s').clientId]", id, APIVersion(r.Type))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// platformDNSZone is the id expression of a privatelink zone in the
// platform's DNS resource group.
func platformDNSZone(zone string) string {
	return fmt.Sprintf("[format('{0}/providers/Microsoft.Network/privateDnsZones/{1}', parameters('%s'), %s)]", ParamDNSZonesRG, quote(zone))
}
