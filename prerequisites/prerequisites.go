// Package prerequisites says what must be true before
// `az deployment sub create` can deploy a zone's template, in the order a
// platform engineer works through it: the resource providers (and
// features) the subscription must have registered, the roles the
// deploying identity needs and where, the vCPU quota every region's pools
// draw on (checked against `az vm list-usage` when given), what the
// platform's hub team must do on their side, the exact deploy command, and
// what remains after the deployment.
//
// Everything is derived from the plan and from the resources built from it
// (what is deployed is what needs permissions and quota), with the facts
// (quota family names, role ids, permissions) read from Microsoft's
// documentation; Sources lists them. A pure package: Make computes,
// Markdown and Summary render; ParseUsage reads a usage file the caller
// has loaded.
//
// Quota arithmetic: a pool of N nodes of a size with V vCPUs needs N×V
// vCPUs. Regular VMs count against their family's quota and against the
// region's total ("cores") — both tiers must hold (Q-VCPU). Spot VMs count
// against the region's one low-priority pool ("lowPriorityCores") instead,
// whatever their family (Q-SPOT). Pools that Azure Batch allocates itself
// (the default BatchService mode) count against the Batch account's
// dedicated and low-priority core quotas, not the subscription's (Q-BATCH).
// A shortfall is limit − current use < needed.
package prerequisites

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/identity"
	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/resources"
)

// Result is what must be true before the deployment, and the command.
type Result struct {
	Zone   string `json:"zone"`
	Region string `json:"region"`
	// Providers are the resource providers the template's types need,
	// sorted by namespace.
	Providers []Provider `json:"providers"`
	// Features are preview features to register, if any.
	Features []Feature `json:"features"`
	// DeployerRoles are the built-in roles the identity that runs the
	// deployment needs, and where.
	DeployerRoles []Role `json:"deployer_roles"`
	// Quota is every vCPU quota the pools draw on, per region.
	Quota []Quota `json:"quota"`
	// HubActions are what the platform (hub) team must do.
	HubActions []string `json:"hub_actions"`
	// Findings are quota shortfalls found in the usage given.
	Findings []finding.Finding `json:"findings"`
	// Command deploys the template; with the subscription's id it first
	// selects the subscription.
	Command string `json:"command"`
	// DeploymentName is the name the command gives the deployment.
	DeploymentName string `json:"deployment_name"`
	// Notes are things to know before running the command.
	Notes []string `json:"notes"`
	// After are the steps left once the deployment succeeded.
	After []string `json:"after_deployment"`
	// UsageRegions are the regions whose usage was given, sorted.
	UsageRegions []string `json:"usage_regions"`
}

// Provider is a resource provider namespace the subscription must have
// registered before the deployment.
type Provider struct {
	Namespace string   `json:"namespace"`
	Types     []string `json:"types"`
	Why       string   `json:"why"`
	// RegisteredByDefault: Azure registers the namespace in every
	// subscription, so there is nothing to do.
	RegisteredByDefault bool `json:"registered_by_default,omitempty"`
}

// Feature is a provider feature to register (az feature register).
type Feature struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Why       string `json:"why"`
	Source    string `json:"source"`
}

// Role is a built-in role at a scope.
type Role struct {
	Name string `json:"name"`
	// ID is the role definition's GUID.
	ID     string `json:"id"`
	Scope  string `json:"scope"`
	Why    string `json:"why"`
	Source string `json:"source,omitempty"`
}

// Built-in role definition ids (R-ROLES).
const (
	RoleOwner                     = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
	RoleContributor               = "b24988ac-6180-42a0-ab88-20f7382dd24c"
	RoleRBACAdministrator         = "f58310d9-a9f6-439a-9e8d-f62e7b41a168" // Role Based Access Control Administrator
	RoleUserAccessAdministrator   = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
	RoleResourcePolicyContributor = "36243c78-bf99-498c-9df9-86d9f8d28608"
	RoleNetworkContributor        = "4d97b98b-1d4f-4787-a291-c67834d212e7"
	RolePrivateDNSZoneContributor = "b12aa53e-6015-4669-85d0-8515ebb3ae7f"
)

// Make computes the prerequisites of a plan and the resources built from
// it; usage maps region -> parsed usage (may be nil). Regions are names as
// az takes them (eastus), in any case; a Usage's own Region wins over its
// key.
func Make(p *plan.Plan, rs []resources.Resource, c *catalog.Catalog, usage map[string]Usage) Result {
	target := subscription(p)
	r := Result{
		Zone:          p.Zone.Name,
		Region:        p.Zone.Region,
		Providers:     providers(p, rs),
		Features:      features(p),
		DeployerRoles: deployerRoles(p, rs, target),
		HubActions:    hubActions(p),
		Findings:      []finding.Finding{},
		Notes:         notes(p, rs),
		After:         after(p, rs),
		UsageRegions:  []string{},
	}
	r.Quota = quotas(demands(p, rs), c)
	if fs := checkUsage(r.Quota, usage, target.ID); len(fs) > 0 {
		r.Findings = fs
	}
	for k, u := range usage {
		reg := strings.ToLower(u.Region)
		if reg == "" {
			reg = strings.ToLower(k)
		}
		if !contains(r.UsageRegions, reg) {
			r.UsageRegions = append(r.UsageRegions, reg)
		}
	}
	sort.Strings(r.UsageRegions)
	r.DeploymentName = DeploymentName(p.Zone.Name)
	r.Command = command(r.DeploymentName, p.Zone.Region, target.ID)
	return r
}

type sub struct{ Name, ID string }

// subscription is where the template deploys: the first subscription of
// the zone (governance.single-template).
func subscription(p *plan.Plan) sub {
	if len(p.Governance.Subscriptions) == 0 {
		return sub{}
	}
	s := p.Governance.Subscriptions[0]
	return sub{Name: s.Name, ID: s.ID}
}

func (s sub) scope() string {
	switch {
	case s.ID != "":
		return "/subscriptions/" + s.ID
	case s.Name != "":
		return "subscription " + s.Name
	}
	return "the target subscription"
}

// deploymentNameRE is what ARM accepts in a deployment name: letters,
// digits, '-', '_', '.', '(' and ')', at most 64 characters.
var deploymentNameRE = regexp.MustCompile(`[^A-Za-z0-9_.()-]+`)

// DeploymentName is the deployment's name, derived from the zone name
// alone so that every run of the same zone updates the same deployment
// and its history stays readable.
func DeploymentName(zone string) string {
	n := "aizone-" + strings.Trim(deploymentNameRE.ReplaceAllString(zone, "-"), "-")
	if len(n) > 64 {
		n = n[:64]
	}
	return strings.TrimRight(n, ".")
}

func command(name, region, subID string) string {
	var b strings.Builder
	if subID != "" {
		fmt.Fprintf(&b, "az account set --subscription %s\n", shellQuote(subID))
	}
	fmt.Fprintf(&b, "az deployment sub create --name %s --location %s --template-file arm/main.json --parameters @arm/main.parameters.json",
		shellQuote(name), shellQuote(region))
	return b.String()
}

// providerWhy says what each namespace serves, for the namespaces the
// builders use; others get the generic line.
var providerWhy = map[string]string{
	"Microsoft.Batch":                   "Azure Batch accounts and their pools",
	"Microsoft.Compute":                 "VM scale sets, proximity placement groups and disks; also the VMs behind AKS and Batch pools",
	"Microsoft.ContainerService":        "the AKS cluster and its node pools",
	"Microsoft.ContainerRegistry":       "the container registry",
	"Microsoft.Consumption":             "the zone's budget",
	"Microsoft.Insights":                "diagnostic settings that send logs to the workspace",
	"Microsoft.KeyVault":                "the key vault",
	"Microsoft.MachineLearningServices": "the Azure Machine Learning workspace",
	"Microsoft.ManagedIdentity":         "the user-assigned identities the pools and the cluster run as",
	"Microsoft.NetApp":                  "Azure NetApp Files account, capacity pool and volume",
	"Microsoft.Network":                 "VNets, subnets, NSGs, route tables, peering, private endpoints and private DNS zones",
	"Microsoft.OperationalInsights":     "the Log Analytics workspace",
	"Microsoft.Storage":                 "the Blob account, its containers and lifecycle policy",
	"Microsoft.StorageCache":            "the Azure Managed Lustre file system",
	"Microsoft.Management":              "management groups",
}

// registeredByDefault are namespaces every subscription has registered.
var registeredByDefault = map[string]bool{"Microsoft.Resources": true, "Microsoft.Authorization": true}

// providers derives the namespaces from the resource types: the namespace
// is the type's text before the first '/'. An extension resource's type
// (Microsoft.Insights/diagnosticSettings on a storage account) names its
// own provider, so budgets and diagnostics appear when the template has
// them.
func providers(p *plan.Plan, rs []resources.Resource) []Provider {
	types := map[string][]string{}
	for _, r := range rs {
		ns, _, ok := strings.Cut(r.Type, "/")
		if !ok || ns == "" {
			continue
		}
		if !contains(types[ns], r.Type) {
			types[ns] = append(types[ns], r.Type)
		}
	}
	// Providers a resource needs beyond its own namespace: the AKS Azure
	// Policy add-on needs Microsoft.PolicyInsights registered (R-POLAKS).
	extra := map[string]string{}
	for _, r := range rs {
		if r.Type != "Microsoft.ContainerService/managedClusters" {
			continue
		}
		addons, _ := r.Properties["addonProfiles"].(map[string]any)
		if pol, _ := addons["azurepolicy"].(map[string]any); pol["enabled"] == true {
			if !contains(types["Microsoft.PolicyInsights"], r.Type) {
				types["Microsoft.PolicyInsights"] = append(types["Microsoft.PolicyInsights"], r.Type)
			}
			extra["Microsoft.PolicyInsights"] = "the AKS cluster's Azure Policy add-on (its prerequisites register this provider)"
		}
	}
	// AKS node pools and the Slurm workspace's nodes are virtual machine
	// scale sets that Azure creates on the zone's behalf: Microsoft.Compute
	// must be registered although the template names no Compute type.
	for _, r := range rs {
		if r.Type == "Microsoft.ContainerService/managedClusters" && !contains(types["Microsoft.Compute"], r.Type) {
			types["Microsoft.Compute"] = append(types["Microsoft.Compute"], r.Type)
			extra["Microsoft.Compute"] = "AKS creates its node pools' scale sets in the subscription"
		}
	}
	for _, pl := range p.Compute.Pools {
		if pl.Orchestrator == "slurm" && pl.SKU != "" && !contains(types["Microsoft.Compute"], "CycleCloud Slurm nodes") {
			types["Microsoft.Compute"] = append(types["Microsoft.Compute"], "CycleCloud Slurm nodes")
			extra["Microsoft.Compute"] = "the Slurm workspace's CycleCloud creates the partitions' scale sets (and AKS its node pools, when the zone has a cluster)"
		}
	}
	out := make([]Provider, 0, len(types))
	for ns, ts := range types {
		sort.Strings(ts)
		why := providerWhy[ns]
		if e := extra[ns]; e != "" {
			why = e
		}
		if why == "" {
			why = "the template creates " + strings.Join(shortTypes(ts), ", ")
		}
		pr := Provider{Namespace: ns, Types: ts, Why: why, RegisteredByDefault: registeredByDefault[ns]}
		if pr.RegisteredByDefault {
			pr.Why = "registered in every subscription by default; " + whatTypes(ts)
		}
		out = append(out, pr)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Namespace) < strings.ToLower(out[j].Namespace) })
	return out
}

func whatTypes(ts []string) string {
	return "the template creates " + strings.Join(shortTypes(ts), ", ")
}

func shortTypes(ts []string) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		_, rest, _ := strings.Cut(t, "/")
		out[i] = rest
	}
	return out
}

// ToRegister lists the namespaces that need az provider register.
func (r Result) ToRegister() []Provider {
	var out []Provider
	for _, p := range r.Providers {
		if !p.RegisteredByDefault {
			out = append(out, p)
		}
	}
	return out
}

// features: an AKS node pool of InfiniBand (RDMA) sizes needs the
// AKSInfinibandSupport feature so that its nodes share one InfiniBand
// network (R-AKSIB).
func features(p *plan.Plan) []Feature {
	var pools []string
	for _, pl := range p.Compute.Pools {
		if pl.Orchestrator == "aks" && pl.InfiniBand && pl.Nodes > 1 {
			pools = append(pools, pl.Workload)
		}
	}
	if len(pools) == 0 {
		return []Feature{}
	}
	sort.Strings(pools)
	return []Feature{{Namespace: "Microsoft.ContainerService", Name: "AKSInfinibandSupport", Source: "R-AKSIB",
		Why: "AKS node pools of InfiniBand sizes (" + strings.Join(pools, ", ") + ") land on one InfiniBand network only with this feature registered"}}
}

// deployerRoles: what the identity running az deployment sub create
// needs. Contributor creates the resource groups and resources but its
// NotActions exclude Microsoft.Authorization/*/Write, so role assignments
// and policy need their own roles (R-ROLES); Owner covers all three at the
// subscription.
func deployerRoles(p *plan.Plan, rs []resources.Resource, s sub) []Role {
	scope := s.scope()
	count := map[string]int{}
	for _, r := range rs {
		count[r.Type]++
	}
	roles := []Role{{Name: "Contributor", ID: RoleContributor, Scope: scope, Source: "R-ROLES",
		Why: fmt.Sprintf("creates the %d resource groups and the %d resources in them, and registers the resource providers; Owner at the subscription covers this row and the next two",
			count["Microsoft.Resources/resourceGroups"], len(rs)-count["Microsoft.Resources/resourceGroups"])}}
	if n := count["Microsoft.Authorization/roleAssignments"]; n > 0 {
		roles = append(roles, Role{Name: "Role Based Access Control Administrator", ID: RoleRBACAdministrator, Scope: scope, Source: "R-ROLES",
			Why: fmt.Sprintf("the template creates %s (Microsoft.Authorization/roleAssignments/write), which Contributor cannot; User Access Administrator (%s) or Owner also grant it", plural(n, "role assignment"), RoleUserAccessAdministrator)})
	}
	var pol []string
	for _, t := range []string{"Microsoft.Authorization/policyDefinitions", "Microsoft.Authorization/policySetDefinitions", "Microsoft.Authorization/policyAssignments", "Microsoft.Authorization/policyExemptions"} {
		if n := count[t]; n > 0 {
			pol = append(pol, fmt.Sprintf("%d %s", n, strings.TrimPrefix(t, "Microsoft.Authorization/")))
		}
	}
	if len(pol) > 0 {
		roles = append(roles, Role{Name: "Resource Policy Contributor", ID: RoleResourcePolicyContributor, Scope: scope, Source: "R-ROLES",
			Why: "the template creates " + strings.Join(pol, ", ") + " (Microsoft.Authorization/policy*/write), which Contributor cannot"})
	}
	var hubs []string
	for _, pe := range p.Network.Peerings {
		if pe.RemoteVNetID != "" && !contains(hubs, pe.RemoteVNetID) {
			hubs = append(hubs, pe.RemoteVNetID)
		}
	}
	sort.Strings(hubs)
	for _, h := range hubs {
		roles = append(roles, Role{Name: "Network Contributor", ID: RoleNetworkContributor, Scope: h, Source: "R-PEER",
			Why: "creating the spoke-to-hub peering needs Microsoft.Network/virtualNetworks/peer/action on the hub VNet, which the platform team owns; a custom role with that action (and virtualNetworks/read) is enough"})
	}
	// Role assignments on the platform's zones (a private AKS cluster's
	// API server zone) are deployed into the platform's DNS group.
	var zones []string
	for _, g := range p.Identity.Grants {
		if g.Scope.Kind == identity.ScopePlatformDNSZone {
			zones = append(zones, g.Scope.Name)
		}
	}
	if len(zones) > 0 {
		roles = append(roles, Role{Name: "Role Based Access Control Administrator", ID: RoleRBACAdministrator, Scope: p.Zone.Network.PrivateDNSZones, Source: "R-ROLES",
			Why: "the template grants the AKS control-plane identity Private DNS Zone Contributor on the platform's " + strings.Join(zones, ", ") + " (a deployment into this resource group); the role on those zones alone is enough"})
	}
	// One grant per resource group of platform zones (an ALZ platform
	// keeps them all in one): the role there covers every zone in it.
	for _, g := range platformDNSGroups(p) {
		roles = append(roles, Role{Name: "Private DNS Zone Contributor", ID: RolePrivateDNSZoneContributor, Scope: g.scope, Source: "R-ROLES",
			Why: "the private endpoints' DNS zone groups write their A records into the platform's " + strings.Join(g.zones, ", ") + " (" + strings.Join(g.endpoints, ", ") + "); the role on each zone instead of the group is enough"})
	}
	return roles
}

type dnsZone struct {
	name, id  string
	endpoints []string
}

// platformDNSZones are the platform's privatelink zones the zone's
// private endpoints register in (network.PrivateEndpoint.DNSZoneID).
func platformDNSZones(p *plan.Plan) []dnsZone {
	byID := map[string]*dnsZone{}
	for _, pe := range append(append([]network.PrivateEndpoint{}, p.Network.PrivateEndpoints...), p.Network.ComputeEndpoints...) {
		if pe.DNSZoneID == "" {
			continue
		}
		z, ok := byID[pe.DNSZoneID]
		if !ok {
			z = &dnsZone{name: pe.DNSZone, id: pe.DNSZoneID}
			byID[pe.DNSZoneID] = z
		}
		z.endpoints = append(z.endpoints, pe.Name)
	}
	out := make([]dnsZone, 0, len(byID))
	for _, z := range byID {
		sort.Strings(z.endpoints)
		out = append(out, *z)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

type dnsGroup struct {
	scope     string // the zones' resource group, or the zone when its id has none
	zones     []string
	endpoints []string
}

// platformDNSGroups gathers the platform zones by resource group.
func platformDNSGroups(p *plan.Plan) []dnsGroup {
	var out []dnsGroup
	at := map[string]int{}
	for _, z := range platformDNSZones(p) {
		scope := z.id
		if i := strings.Index(strings.ToLower(z.id), "/providers/"); i > 0 {
			scope = z.id[:i]
		}
		i, ok := at[scope]
		if !ok {
			i = len(out)
			at[scope] = i
			out = append(out, dnsGroup{scope: scope})
		}
		out[i].zones = append(out[i].zones, z.name)
		out[i].endpoints = append(out[i].endpoints, z.endpoints...)
	}
	for i := range out {
		sort.Strings(out[i].endpoints)
	}
	return out
}

// hubActions are the platform team's side: the hub-to-spoke peering, the
// firewall rules the zone's egress needs, DNS, and on-premises routing.
// Nothing when the zone owns its hub (the template builds both sides).
func hubActions(p *plan.Plan) []string {
	n := p.Network
	var out []string
	for _, s := range p.Governance.Subscriptions {
		if s.ID == "" {
			purpose := ""
			if s.Purpose != "" && s.Purpose != "all" {
				purpose = " (for " + s.Purpose + ")"
			}
			out = append(out, fmt.Sprintf("Create subscription %s%s by subscription vending under management group %s and give its id to the zone file (placement.subscriptions[].id): the zone file names no existing subscription",
				s.Name, purpose, s.ManagementGroup))
		}
	}
	spaces := spokeSpaces(p)
	for _, pe := range n.Peerings {
		if pe.RemoteVNetID == "" {
			continue
		}
		act := fmt.Sprintf("Once the template has created %s, create the hub-to-spoke peering on %s to it (address space %s)", pe.VNet, pe.RemoteVNetID, strings.Join(spaces[pe.VNet], ", "))
		if pe.UseRemoteGateways {
			act += " with allowGatewayTransit: true and allowForwardedTraffic: true: the spoke side (" + pe.Name + ") uses the hub's gateway (useRemoteGateways: true)"
		} else {
			act += " with allowForwardedTraffic: true"
		}
		act += "; the peering is Connected only when both sides exist"
		out = append(out, act)
	}
	if n.Egress.Kind == network.EgressHubFirewall {
		out = append(out, firewallActions(p, spaces)...)
	}
	out = append(out, dnsActions(p)...)
	if len(p.Zone.Network.OnPremises) > 0 && hasRemoteGateway(n) {
		var all []string
		for _, v := range n.VNets {
			if v.Role == "spoke" {
				all = append(all, v.AddressSpace...)
			}
		}
		sort.Strings(all)
		out = append(out, fmt.Sprintf("On-premises routing: the hub's ExpressRoute gateway advertises the spoke's %s once the spoke uses it; check that on-premises routers accept the prefixes (clear of the on-premises %s) and that no route filter drops them",
			strings.Join(all, ", "), strings.Join(p.Zone.Network.OnPremises, ", ")))
	}
	if out == nil {
		out = []string{}
	}
	return out
}

func hasRemoteGateway(n network.Result) bool {
	for _, pe := range n.Peerings {
		if pe.RemoteVNetID != "" && pe.UseRemoteGateways {
			return true
		}
	}
	return false
}

// spokeSpaces are the zone VNets' address spaces, by VNet name.
func spokeSpaces(p *plan.Plan) map[string][]string {
	out := map[string][]string{}
	for _, v := range p.Network.VNets {
		out[v.Name] = v.AddressSpace
	}
	return out
}

// firewallActions lists what the platform firewall must allow: the plan's
// egress rules (network.Result.EgressRules), each with its documentation.
func firewallActions(p *plan.Plan, spaces map[string][]string) []string {
	n := p.Network
	var out []string
	for _, r := range n.EgressRules {
		dest := strings.Join(append(append(append([]string{}, r.FQDNs...), r.FQDNTags...), r.Destinations...), ", ")
		out = append(out, fmt.Sprintf("Firewall %s: allow %s %s rule %s from %s to %s (%s %s): %s (%s)", n.Egress.NextHopIP, r.Collection, r.Kind, r.Name,
			strings.Join(r.Sources, ", "), dest, strings.Join(r.Protocols, "/"), strings.Join(r.Ports, ","), r.Reason, r.Source))
	}
	var all []string
	for _, v := range n.VNets {
		if v.Role == "spoke" {
			all = append(all, spaces[v.Name]...)
		}
	}
	sort.Strings(all)
	out = append(out, fmt.Sprintf("Firewall %s: the spoke routes 0.0.0.0/0 to it with gateway route propagation off, so whatever else the zone reaches from %s (model hubs, other registries) needs a rule of the platform's too; the rest stays denied",
		n.Egress.NextHopIP, strings.Join(all, ", ")))
	if len(p.Zone.Network.OnPremises) > 0 && hasRemoteGateway(n) && len(all) > 0 {
		out = append(out, fmt.Sprintf("GatewaySubnet route table: route %s to %s (VirtualAppliance), so that traffic from on-premises to the spoke passes the firewall as the return traffic does", strings.Join(all, ", "), n.Egress.NextHopIP))
	}
	return out
}

// dnsActions: names of private endpoints must resolve to their private
// addresses from wherever clients are. Zones the template creates are
// linked to the zone's VNets only; on-premises resolves them only through
// a resolver in Azure that sees them.
func dnsActions(p *plan.Plan) []string {
	n := p.Network
	var out []string
	if len(n.PrivateDNSZones) > 0 && (len(p.Zone.Network.OnPremises) > 0 || hasRemoteGateway(n)) {
		out = append(out, fmt.Sprintf("DNS: forward %s from on-premises DNS to the hub's resolver (DNS Private Resolver inbound endpoint or DNS forwarder), and link these zones (in the zone's network resource group) to the hub VNet so the resolver sees them; if the platform centralises privatelink zones, set network.private_dns_zones instead and the zone creates none",
			strings.Join(n.PrivateDNSZones, ", ")))
	}
	for _, g := range platformDNSGroups(p) {
		how := "link the zones to the spoke VNets, or point the spokes' DNS servers at the hub's resolver"
		if len(p.Zone.Network.DNSServers) > 0 {
			how = "the spokes use " + strings.Join(p.Zone.Network.DNSServers, ", ") + " as DNS servers, which must resolve these zones"
		}
		out = append(out, fmt.Sprintf("DNS: the zone's private endpoints register in the platform's %s (%s): %s", strings.Join(g.zones, ", "), g.scope, how))
	}
	return out
}

// notes are things to settle before running the command.
func notes(p *plan.Plan, rs []resources.Resource) []string {
	out := []string{}
	// Parameters the deployer supplies: the parameters file holds a
	// placeholder the deployment would fail on (or deploy).
	for _, prm := range resources.Parameters(p, rs) {
		if prm.Placeholder != "" && prm.Value == nil {
			out = append(out, fmt.Sprintf("arm/main.parameters.json holds %s for %s: replace it (%s)", prm.Placeholder, prm.Name, prm.Description))
		}
	}
	s := subscription(p)
	if s.ID == "" && s.Name != "" {
		out = append(out, "the zone file gives no subscription id: select subscription "+s.Name+" first (az account set --subscription NAME-OR-ID)")
	}
	if len(p.Governance.Subscriptions) > 1 {
		out = append(out, "the template deploys into the first subscription ("+s.Name+"); the others need their own deployment")
	}
	for _, f := range p.Findings {
		if f.Code == "compute.scale-set-limit" {
			out = append(out, "Azure support request: "+f.Message)
		}
	}
	if rgs := resources.ResourceGroups(rs); len(rgs) > 0 {
		out = append(out, "the deployment creates or updates the resource groups "+strings.Join(rgs, ", ")+" in "+p.Zone.Region+"; its Incremental mode leaves other resources in them alone")
	}
	return out
}

// after are the steps once the deployment succeeded.
func after(p *plan.Plan, rs []resources.Resource) []string {
	n := p.Network
	out := []string{}
	for _, pe := range n.Peerings {
		if pe.RemoteVNetID == "" {
			continue
		}
		out = append(out, fmt.Sprintf("Ask the platform team for the hub-to-spoke peering (hub side), then check: az network vnet peering show --resource-group %s --vnet-name %s --name %s --query peeringState (Connected)",
			resourceGroupOf(rs, "Microsoft.Network/virtualNetworks", pe.VNet), pe.VNet, strings.TrimPrefix(pe.Name, pe.VNet+"/")))
	}
	for _, pe := range n.PrivateEndpoints {
		if host := endpointHost(pe); host != "" {
			out = append(out, fmt.Sprintf("From a node, and from on-premises, %s must resolve to a private address in %s (nslookup %s)", host, subnetPrefix(p, pe.VNet, pe.Subnet), host))
		}
	}
	for _, r := range rs {
		switch r.Type {
		case "Microsoft.ContainerService/managedClusters":
			out = append(out, fmt.Sprintf("AKS %s is private with local accounts disabled: run kubectl from a network that reaches the spoke, and give the team Azure Kubernetes Service RBAC roles on the cluster (az aks get-credentials --resource-group %s --name %s)", r.Name, r.ResourceGroup, r.Name))
		case "Microsoft.Batch/batchAccounts/pools":
			acct, pool, _ := strings.Cut(r.Name, "/")
			out = append(out, fmt.Sprintf("Batch pool %s of account %s: check it reaches its node count with no resize errors (az batch pool show --account-name %s --pool-id %s); the Batch API reference asks that the MicrosoftAzureBatch service principal hold Classic Virtual Machine Contributor on the pool's VNet", pool, acct, acct, pool))
		}
	}
	if p.Governance.Guardrails {
		out = append(out, "The AI guardrails are assigned at the subscription: aizone check shows what they will report, and az policy state trigger-scan starts an evaluation instead of waiting for the next cycle")
	}
	return out
}

func resourceGroupOf(rs []resources.Resource, typ, name string) string {
	for _, r := range rs {
		if r.Type == typ && r.Name == name {
			return r.ResourceGroup
		}
	}
	return "RESOURCE_GROUP"
}

// endpointHost is the public name a storage private endpoint answers for
// (account.blob.core.windows.net from privatelink.blob.core.windows.net).
func endpointHost(pe network.PrivateEndpoint) string {
	switch pe.GroupID {
	case "blob", "dfs", "file":
		if zone, ok := strings.CutPrefix(pe.DNSZone, "privatelink."); ok {
			return pe.Target + "." + zone
		}
	}
	return ""
}

func subnetPrefix(p *plan.Plan, vnet, subnet string) string {
	for _, v := range p.Network.VNets {
		if v.Name != vnet {
			continue
		}
		for _, s := range v.Subnets {
			if s.Name == subnet {
				if _, err := netip.ParsePrefix(s.Prefix); err == nil {
					return s.Prefix
				}
			}
		}
	}
	return subnet
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
