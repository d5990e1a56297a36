package armvalidate

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/aizone/aizone/policy/expr"
)

// nameRule is a resource type's documented naming rule, checked on the
// resource's own name (the last segment of a child's "parent/child").
type nameRule struct {
	Type     string // full resource type
	Min, Max int    // length in characters
	Pattern  string // the whole name: allowed characters, first and last
	Rule     string // the rule in words
	Unique   string // where the name must be unique
	Source   string
	Reserved []string // names the type refuses
}

const (
	namingPage = "Naming rules and restrictions for Azure resources, https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules"
	schemas    = "official ARM template schema in ../shared/corpora/arm-schemas, "

	// Most network resources: alphanumerics, underscores, periods and
	// hyphens, starting with an alphanumeric, ending with an alphanumeric or
	// an underscore.
	networkPattern = `^[a-zA-Z0-9]([a-zA-Z0-9_.-]*[a-zA-Z0-9_])?$`
	networkRule    = "alphanumerics, underscores, periods and hyphens; start with an alphanumeric, end with an alphanumeric or underscore"
	// Names that are hyphen-separated runs of lower-case letters and digits
	// (no leading, trailing or consecutive hyphens).
	dnsLabelPattern = `^[a-z0-9]+(-[a-z0-9]+)*$`
	// Policy resources: no #<>%&:\?/ or control characters, no trailing period or space.
	policyPattern = `^[^#<>%&:\\?/\x00-\x1f]*[^#<>%&:\\?/\x00-\x1f. ]$`
	policyRule    = "no #<>%&:\\?/ or control characters; not ending with a period or space"
)

func network(typ string, min, max int) nameRule {
	return nameRule{Type: typ, Min: min, Max: max, Pattern: networkPattern, Rule: networkRule, Unique: "resource group", Source: namingPage + "#microsoftnetwork"}
}

func fixedName(typ string) nameRule {
	return nameRule{Type: typ, Min: 7, Max: 7, Pattern: `^(?i)default$`, Rule: "always \"default\"", Unique: "storage account", Source: namingPage + "#microsoftstorage"}
}

// nameRules holds the naming rules of the types an AI landing zone deploys.
// Each names its source; where the page and the schema disagree the looser
// rule is kept, so that a valid name is never reported.
var nameRules = []nameRule{
	{Type: "Microsoft.Storage/storageAccounts", Min: 3, Max: 24, Pattern: `^[a-z0-9]+$`, Rule: "lower-case letters and digits", Unique: "global (it is part of the account's DNS names)", Source: namingPage + "#microsoftstorage"},
	fixedName("Microsoft.Storage/storageAccounts/blobServices"),
	fixedName("Microsoft.Storage/storageAccounts/fileServices"),
	fixedName("Microsoft.Storage/storageAccounts/queueServices"),
	fixedName("Microsoft.Storage/storageAccounts/tableServices"),
	fixedName("Microsoft.Storage/storageAccounts/managementPolicies"),
	{Type: "Microsoft.Storage/storageAccounts/blobServices/containers", Min: 3, Max: 63, Pattern: `^(\$root|\$web|\$logs|[a-z0-9]+(-[a-z0-9]+)*)$`, Rule: "lower-case letters, digits and single hyphens; start and end with a letter or digit ($root, $web and $logs are reserved names that are allowed)", Unique: "storage account", Source: namingPage + "#microsoftstorage; " + schemas + "Microsoft.Storage.json containers name description"},
	{Type: "Microsoft.Storage/storageAccounts/fileServices/shares", Min: 3, Max: 63, Pattern: dnsLabelPattern, Rule: "lower-case letters, digits and single hyphens; start and end with a letter or digit", Unique: "storage account", Source: namingPage + "#microsoftstorage"},
	{Type: "Microsoft.KeyVault/vaults", Min: 3, Max: 24, Pattern: `^[a-zA-Z](-?[a-zA-Z0-9])*$`, Rule: "alphanumerics and hyphens; start with a letter, end with a letter or digit, no consecutive hyphens", Unique: "global (it is part of the vault's DNS name)", Source: namingPage + "#microsoftkeyvault"},
	{Type: "Microsoft.ContainerRegistry/registries", Min: 5, Max: 50, Pattern: `^[a-zA-Z0-9]+$`, Rule: "alphanumerics", Unique: "global", Source: namingPage + "#microsoftcontainerregistry; " + schemas + "Microsoft.ContainerRegistry.json"},
	{Type: "Microsoft.Batch/batchAccounts", Min: 3, Max: 24, Pattern: `^[a-z0-9]+$`, Rule: "lower-case letters and digits", Unique: "region", Source: namingPage + "#microsoftbatch"},
	{Type: "Microsoft.Batch/batchAccounts/pools", Min: 1, Max: 64, Pattern: `^[a-zA-Z0-9_-]+$`, Rule: "alphanumerics, underscores and hyphens", Unique: "Batch account", Source: namingPage + "#microsoftbatch; " + schemas + "Microsoft.Batch.json"},
	{Type: "Microsoft.ContainerService/managedClusters", Min: 1, Max: 63, Pattern: `^[a-zA-Z0-9]([a-zA-Z0-9_-]*[a-zA-Z0-9])?$`, Rule: "alphanumerics, underscores and hyphens; start and end with an alphanumeric", Unique: "resource group", Source: namingPage + "#microsoftcontainerservice; " + schemas + "Microsoft.ContainerService.Aks.json"},
	agentPoolRule,
	{Type: "Microsoft.ManagedIdentity/userAssignedIdentities", Min: 3, Max: 128, Pattern: `^[a-zA-Z0-9][a-zA-Z0-9_-]*$`, Rule: "alphanumerics, hyphens and underscores; start with a letter or digit", Unique: "resource group", Source: namingPage + "#microsoftmanagedidentity"},
	network("Microsoft.Network/virtualNetworks", 2, 64),
	network("Microsoft.Network/virtualNetworks/subnets", 1, 80),
	network("Microsoft.Network/virtualNetworks/virtualNetworkPeerings", 1, 80),
	network("Microsoft.Network/networkSecurityGroups", 1, 80),
	network("Microsoft.Network/networkSecurityGroups/securityRules", 1, 80),
	network("Microsoft.Network/routeTables", 1, 80),
	network("Microsoft.Network/routeTables/routes", 1, 80),
	network("Microsoft.Network/publicIPAddresses", 1, 80),
	network("Microsoft.Network/networkInterfaces", 1, 80),
	network("Microsoft.Network/privateEndpoints", 2, 64),
	network("Microsoft.Network/privateDnsZones/virtualNetworkLinks", 1, 80),
	network("Microsoft.Network/virtualNetworkGateways", 1, 80),
	network("Microsoft.Network/expressRouteCircuits", 1, 80),
	network("Microsoft.Network/connections", 1, 80),
	network("Microsoft.Network/azureFirewalls", 1, 80),
	network("Microsoft.Network/bastionHosts", 1, 80),
	network("Microsoft.Network/loadBalancers", 1, 80),
	network("Microsoft.Network/applicationSecurityGroups", 1, 80),
	// Private DNS zones: labels of alphanumerics, underscores and hyphens.
	// The page's 63-character limit is not applied: zones such as
	// "<guid>.privatelink.<region>.azmk8s.io" that AKS uses are longer.
	{Type: "Microsoft.Network/privateDnsZones", Min: 1, Max: 253, Pattern: `^[a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+){1,33}$`, Rule: "2 to 34 labels of alphanumerics, underscores and hyphens, separated by periods", Unique: "resource group", Source: namingPage + "#microsoftnetwork"},
	// The page's 1-15 (Windows) and 1-64 (Linux) are the host name's; the
	// resource name itself may have up to 64 characters (the page's note).
	{Type: "Microsoft.Compute/virtualMachines", Min: 1, Max: 64, Pattern: `^.+$`, Rule: "1-64 characters", Unique: "resource group", Source: namingPage + "#microsoftcompute"},
	{Type: "Microsoft.Compute/virtualMachineScaleSets", Min: 1, Max: 64, Pattern: `^.+$`, Rule: "1-64 characters", Unique: "resource group", Source: namingPage + "#microsoftcompute"},
	{Type: "Microsoft.Compute/availabilitySets", Min: 1, Max: 80, Pattern: networkPattern, Rule: networkRule, Unique: "resource group", Source: namingPage + "#microsoftcompute"},
	{Type: "Microsoft.Compute/disks", Min: 1, Max: 80, Pattern: `^[a-zA-Z0-9_-]+$`, Rule: "alphanumerics, underscores and hyphens", Unique: "resource group", Source: namingPage + "#microsoftcompute; " + schemas + "Microsoft.Compute.json disks name description"},
	{Type: "Microsoft.StorageCache/amlFilesystems", Min: 2, Max: 80, Pattern: `^[0-9a-zA-Z][-0-9a-zA-Z_]{0,78}[0-9a-zA-Z]$`, Rule: "alphanumerics, hyphens and underscores; start and end with an alphanumeric", Unique: "resource group", Source: schemas + "2026-01-01/Microsoft.StorageCache.json amlFilesystems name pattern (Managed Lustre is not on the naming page)"},
	{Type: "Microsoft.NetApp/netAppAccounts", Min: 1, Max: 128, Pattern: `^[a-zA-Z0-9][a-zA-Z0-9_-]*$`, Rule: "alphanumerics, underscores and hyphens; start with an alphanumeric", Unique: "resource group", Source: namingPage + "#microsoftnetapp; " + schemas + "Microsoft.NetApp.json"},
	{Type: "Microsoft.NetApp/netAppAccounts/capacityPools", Min: 1, Max: 64, Pattern: `^[a-zA-Z0-9][a-zA-Z0-9_-]*$`, Rule: "alphanumerics, underscores and hyphens; start with an alphanumeric", Unique: "NetApp account", Source: namingPage + "#microsoftnetapp; " + schemas + "Microsoft.NetApp.json"},
	// The page allows no underscore in volume names, the schema does: the
	// schema's looser rule is kept.
	{Type: "Microsoft.NetApp/netAppAccounts/capacityPools/volumes", Min: 1, Max: 64, Pattern: `^[a-zA-Z0-9][a-zA-Z0-9_-]*$`, Rule: "alphanumerics, hyphens (and underscores); start with an alphanumeric; not \"bin\" or \"default\"", Unique: "NetApp account", Source: namingPage + "#microsoftnetapp; " + schemas + "Microsoft.NetApp.json", Reserved: []string{"bin", "default"}},
	{Type: "Microsoft.Resources/resourceGroups", Min: 1, Max: 90, Pattern: `^[\p{L}\p{Nd}_.()-]*[\p{L}\p{Nd}_()-]$`, Rule: "letters, digits, underscores, hyphens, periods and parentheses; not ending with a period", Unique: "subscription", Source: namingPage + "#microsoftresources"},
	{Type: "Microsoft.Resources/deployments", Min: 1, Max: 64, Pattern: `^[a-zA-Z0-9_().-]+$`, Rule: "alphanumerics, underscores, parentheses, hyphens and periods", Unique: "deployment scope", Source: namingPage + "#microsoftresources; " + schemas + "Microsoft.Resources.json"},
	policyAssignmentRule,
	{Type: "Microsoft.Authorization/policyDefinitions", Min: 1, Max: 64, Pattern: policyPattern, Rule: policyRule, Unique: "definition scope", Source: namingPage + "#microsoftauthorization"},
	{Type: "Microsoft.Authorization/policySetDefinitions", Min: 1, Max: 64, Pattern: policyPattern, Rule: policyRule, Unique: "definition scope", Source: namingPage + "#microsoftauthorization"},
	{Type: "Microsoft.Management/managementGroups", Min: 1, Max: 90, Pattern: `^[a-zA-Z0-9]([a-zA-Z0-9_().-]*[a-zA-Z0-9_()-])?$`, Rule: "alphanumerics, hyphens, underscores, periods and parentheses; start with a letter or digit, not ending with a period", Unique: "tenant", Source: namingPage + "#microsoftmanagement"},
	{Type: "Microsoft.OperationalInsights/workspaces", Min: 4, Max: 63, Pattern: `^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$`, Rule: "alphanumerics and hyphens; start and end with an alphanumeric", Unique: "resource group", Source: namingPage + "#microsoftoperationalinsights; " + schemas + "Microsoft.OperationalInsights.json"},
	{Type: "Microsoft.MachineLearningServices/workspaces", Min: 3, Max: 33, Pattern: `^[a-zA-Z0-9][a-zA-Z0-9_-]*$`, Rule: "alphanumerics, hyphens and underscores; start with an alphanumeric", Unique: "resource group", Source: namingPage + "#microsoftmachinelearningservices; " + schemas + "Microsoft.MachineLearningServices.json"},
}

// agentPoolRule is for agentPools resources and the pools of a cluster's
// agentPoolProfiles; Windows pools may have 6 characters at most.
var agentPoolRule = nameRule{Type: "Microsoft.ContainerService/managedClusters/agentPools", Min: 1, Max: 12, Pattern: `^[a-z][a-z0-9]*$`, Rule: "lower-case letters and digits, starting with a letter; 1-12 characters for Linux pools, 1-6 for Windows", Unique: "cluster", Source: namingPage + "#microsoftcontainerservice; " + schemas + "Microsoft.ContainerService.Aks.json"}

// policyAssignmentRule allows 64 characters, 24 at management-group scope.
var policyAssignmentRule = nameRule{Type: "Microsoft.Authorization/policyAssignments", Min: 1, Max: 64, Pattern: policyPattern, Rule: policyRule + "; at most 24 characters at management-group scope", Unique: "assignment scope", Source: namingPage + "#microsoftauthorization"}

var (
	rulesByType = map[string]*nameRule{}
	patterns    = map[string]*regexp.Regexp{}
	guidPattern = regexp.MustCompile(`^[{(]?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}[})]?$`)
)

func init() {
	for i := range nameRules {
		r := &nameRules[i]
		rulesByType[strings.ToLower(r.Type)] = r
		patterns[r.Pattern] = regexp.MustCompile(r.Pattern)
	}
}

// problem says what is wrong with name under rule r, or "".
func (r *nameRule) problem(name string, max int) string {
	n := utf8.RuneCountInString(name)
	switch {
	case n < r.Min || n > max:
		return fmt.Sprintf("it has %d characters; %d-%d are allowed", n, r.Min, max)
	case !patterns[r.Pattern].MatchString(name):
		return "it must be " + r.Rule
	}
	for _, res := range r.Reserved {
		if strings.EqualFold(name, res) {
			return fmt.Sprintf("%q is a reserved name", res)
		}
	}
	return ""
}

// checkNames checks the names of a template scope's resources: the type's
// naming rule, duplicates, and role assignment names.
func (v *validator) checkNames(t *template) {
	seen := map[string]*resource{}
	for _, r := range t.resources {
		namePath := join(r.path, fieldKey(r.raw, "name"))
		if isRoleAssignment(r.typ) {
			v.roleAssignmentName(t, r, namePath)
		}
		if r.existing {
			continue
		}
		if rule, ok := rulesByType[strings.ToLower(r.typ)]; ok && (!r.conditional || literalName(r)) {
			for _, name := range r.names() {
				// The rule is the resource's own name's: the last segment of a
				// child's. A name with more segments than its type has is
				// checked whole, and fails any rule that excludes '/'.
				own := name
				if strings.Count(name, "/") == strings.Count(r.typ, "/")-1 {
					own = name[strings.LastIndex(name, "/")+1:]
				}
				if known(name) && own != "" && v.name(rule, own, r.typ, namePath, maxLength(rule, t, r.raw)) {
					break // one finding per resource, also for a copy loop
				}
			}
		}
		if strings.EqualFold(r.typ, "Microsoft.ContainerService/managedClusters") {
			v.agentPoolProfiles(t, r)
		}
		if strings.EqualFold(r.typ, "Microsoft.Compute/virtualMachines") {
			v.computerName(t, r)
		}
		if r.copyName != "" || r.conditional || !known(r.typ) {
			continue
		}
		key := strings.ToLower(strings.Join([]string{r.typ, r.name, r.rg, r.extScope, text(field(r.raw, "scope")), text(field(r.raw, "subscriptionId"))}, "|"))
		if first, dup := seen[key]; dup {
			v.add(RuleNameDuplicate, namePath,
				fmt.Sprintf("%s %s is declared twice in this template (also at %s); ARM rejects the template", r.typ, quote(display(r.name)), first.path),
				"give one of them another name, or merge the two declarations")
			continue
		}
		seen[key] = r
	}
}

// literalName reports whether a resource's name is written in the template
// rather than computed. A computed name of a conditional resource is not
// checked: "" or a placeholder default often means "not deployed".
func literalName(r *resource) bool {
	raw, _ := field(r.raw, "name").(string)
	return !expr.IsExpression(raw)
}

func maxLength(rule *nameRule, t *template, raw map[string]any) int {
	switch {
	case rule.Type == policyAssignmentRule.Type && t.mgScope:
		return 24
	case rule.Type == agentPoolRule.Type:
		if props, ok := field(raw, "properties").(map[string]any); ok {
			if os, _ := field(props, "osType").(string); strings.EqualFold(os, "Windows") {
				return 6
			}
		}
	}
	return rule.Max
}

// name reports a name that breaks its rule, and whether it did.
func (v *validator) name(rule *nameRule, name, typ, path string, max int) bool {
	p := rule.problem(name, max)
	if p == "" {
		return false
	}
	v.add(RuleNameInvalid, path,
		fmt.Sprintf("%s name %s is invalid: %s (unique within: %s)", typ, quote(name), p, rule.Unique),
		fmt.Sprintf("choose a name of %d-%d characters: %s (source: %s)", rule.Min, max, rule.Rule, rule.Source))
	return true
}

// agentPoolProfiles checks the pools a cluster declares inline, which
// follow the agent pool rule.
func (v *validator) agentPoolProfiles(t *template, r *resource) {
	props, _ := field(r.raw, "properties").(map[string]any)
	pools, _ := field(props, "agentPoolProfiles").([]any)
	base := join(join(r.path, fieldKey(r.raw, "properties")), fieldKey(props, "agentPoolProfiles"))
	for i, p := range pools {
		pm, ok := p.(map[string]any)
		if !ok {
			continue
		}
		raw, _ := field(pm, "name").(string)
		name := t.env.strValue(raw)
		if !known(name) {
			continue
		}
		max := agentPoolRule.Max
		if os, _ := field(pm, "osType").(string); strings.EqualFold(os, "Windows") {
			max = 6
		}
		v.name(&agentPoolRule, name, agentPoolRule.Type, join(index(base, i), fieldKey(pm, "name")), max)
	}
}

// computerName checks a virtual machine's host name: 1-15 characters for
// Windows (no periods), 1-64 for Linux; none of the characters the naming
// page lists; not starting with an underscore, not ending with a period or
// hyphen.
func (v *validator) computerName(t *template, r *resource) {
	props, _ := field(r.raw, "properties").(map[string]any)
	osp, _ := field(props, "osProfile").(map[string]any)
	raw, ok := field(osp, "computerName").(string)
	if !ok {
		return
	}
	name := t.env.strValue(raw)
	if !known(name) {
		return
	}
	path := join(join(join(r.path, fieldKey(r.raw, "properties")), fieldKey(props, "osProfile")), fieldKey(osp, "computerName"))
	max, windows := 64, field(osp, "windowsConfiguration") != nil
	if windows {
		max = 15
	}
	n := utf8.RuneCountInString(name)
	problem := ""
	switch {
	case n < 1 || n > max:
		problem = fmt.Sprintf("it has %d characters; 1-%d are allowed", n, max)
	case strings.ContainsAny(name, "~!@#$%^&*()=+_[]{}\\|;:'\",<>/? ") || windows && strings.Contains(name, "."):
		problem = "it contains a character host names cannot have"
	case strings.HasPrefix(name, "_") || strings.HasSuffix(name, ".") || strings.HasSuffix(name, "-"):
		problem = "it starts with an underscore or ends with a period or hyphen"
	}
	if problem != "" {
		v.add(RuleNameInvalid, path,
			fmt.Sprintf("virtual machine host name %s is invalid: %s", quote(name), problem),
			fmt.Sprintf("choose a host name of 1-%d letters, digits and hyphens (source: %s#microsoftcompute)", max, namingPage))
	}
}

func isRoleAssignment(typ string) bool {
	low := strings.ToLower(typ)
	return low == "microsoft.authorization/roleassignments" || strings.HasSuffix(low, "/providers/roleassignments")
}

// roleAssignmentName checks that a role assignment is named by a GUID that
// is the same on every deployment: a literal GUID, or guid() of
// deterministic arguments. A name from newGuid() or utcNow() makes a new
// assignment on each run, which fails as a duplicate of the last one.
func (v *validator) roleAssignmentName(t *template, r *resource, path string) {
	raw, ok := field(r.raw, "name").(string)
	if !ok {
		return
	}
	fix := "name it [guid(<scope id>, <principal id>, <role definition id>)], which gives the same GUID on every deployment"
	if expr.IsExpression(raw) {
		n, err := parseExpr(raw)
		if err != nil {
			return
		}
		if expr.Uses(n, "newguid", "utcnow") {
			v.add(RuleRoleAssignmentName, path,
				fmt.Sprintf("role assignment name %s changes on every deployment (newGuid() and utcNow() are also allowed only in parameter defaults): each run creates another assignment, which ARM refuses as a duplicate (RoleAssignmentExists)", quote(raw)),
				fix)
			return
		}
	}
	name := t.env.strValue(raw)
	if !known(name) {
		return
	}
	if own := name[strings.LastIndex(name, "/")+1:]; !guidPattern.MatchString(own) {
		v.add(RuleRoleAssignmentName, path,
			fmt.Sprintf("role assignment name %s is not a GUID; ARM requires one", quote(own)),
			fix)
	}
}
