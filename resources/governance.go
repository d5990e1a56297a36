package resources

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/governance"
	"github.com/aizone/aizone/guardrails"
)

// Guardrail resources. The definitions and the initiative are created in the
// zone's subscription and assigned there, so that they govern everything in
// it, including what the data-science team deploys later by hand.
const (
	// contributorRole is the built-in Contributor role: what the assignment's
	// identity needs to remediate the tag inheritance (modify) on existing
	// resources, as Azure's built-in inherit-tag policies also require.
	contributorRole = "b24988ac-6180-42a0-ab88-20f7382dd24c"
)

// GuardrailAssignmentName is the name of the zone's guardrail assignment.
func GuardrailAssignmentName(zone string) string { return "aizone-guardrails-" + zone }

// guardrails adds the AI guardrails when the plan assigns them: every
// definition, the initiative, its assignment at the subscription (with a
// system-assigned identity and location, which the modify effect needs), and
// the identity's role assignment for remediation.
func (b *builder) guardrails() {
	if !b.p.Governance.Guardrails {
		return
	}
	set, err := guardrails.Load()
	if err != nil {
		// The embedded guardrails are checked by their package's tests;
		// like a missing apiVersion, this is a broken build.
		panic("resources: " + err.Error())
	}
	var defIDs []string
	for _, g := range set.Guardrails {
		props := documentProperties(g.JSON)
		b.add(Resource{Type: "Microsoft.Authorization/policyDefinitions", Name: g.Name, Properties: props})
		defIDs = append(defIDs, subscriptionIDExpr("Microsoft.Authorization/policyDefinitions", g.Name))
	}
	setProps := documentProperties(set.InitiativeJSON)
	// Members name the definitions deployed just above, in the same
	// subscription: an ARM expression, evaluated at deployment.
	for _, m := range setProps["policyDefinitions"].([]any) {
		mm := m.(map[string]any)
		id := mm["policyDefinitionId"].(string)
		mm["policyDefinitionId"] = subscriptionIDExpr("Microsoft.Authorization/policyDefinitions", id[strings.LastIndex(id, "/")+1:])
	}
	b.add(Resource{Type: "Microsoft.Authorization/policySetDefinitions", Name: guardrails.InitiativeName, Properties: setProps, DependsOn: defIDs})

	params, err := guardrails.Parameters(guardrails.Inputs{Zone: &b.p.Zone.Zone, Pools: b.p.Compute.Pools,
		GPUSubnets: b.gpuSubnets(), StorageSubnets: b.storageSubnets()})
	if err != nil {
		panic("resources: " + err.Error())
	}
	values := make(map[string]any, len(params))
	for k, v := range params {
		values[k] = map[string]any{"value": v}
	}
	var messages []any
	for _, s := range set.Summaries(params) {
		messages = append(messages, map[string]any{"policyDefinitionReferenceId": s.Reference,
			"message": fmt.Sprintf("aizone guardrail %s: %s", s.Reference, s.DisplayName)})
	}
	name := GuardrailAssignmentName(b.zone)
	setID := subscriptionIDExpr("Microsoft.Authorization/policySetDefinitions", guardrails.InitiativeName)
	b.add(Resource{Type: "Microsoft.Authorization/policyAssignments", Name: name, Location: b.region,
		Identity: map[string]any{"type": "SystemAssigned"}, DependsOn: []string{setID},
		Properties: map[string]any{
			"displayName":           "AI guardrails for zone " + b.zone,
			"description":           "aizone's AI guardrails, assigned to the zone's subscription. Effects and lists are parameters of this assignment.",
			"policyDefinitionId":    setID,
			"parameters":            values,
			"enforcementMode":       "Default",
			"nonComplianceMessages": messages,
		}})
	assignmentID := subscriptionIDExpr("Microsoft.Authorization/policyAssignments", name)
	b.add(Resource{Type: "Microsoft.Authorization/roleAssignments", Name: fmt.Sprintf("[guid(subscription().id, %s, '%s')]", quote(name), contributorRole),
		DependsOn: []string{assignmentID},
		Properties: map[string]any{
			"roleDefinitionId": subscriptionIDExpr("Microsoft.Authorization/roleDefinitions", contributorRole),
			"principalId":      fmt.Sprintf("[reference(%s, '%s', 'full').identity.principalId]", assignmentID[1:len(assignmentID)-1], APIVersion("Microsoft.Authorization/policyAssignments")),
			"principalType":    "ServicePrincipal",
			"description":      "lets the AI guardrail assignment add inherited tags to existing resources (remediation of its modify effect)",
		}})
}

// poolTags are the tags of a compute pool: the zone's, and the preemption
// tag when the pool runs on Spot capacity, which the Spot guardrail
// requires (the workload declared itself preemptible).
func (b *builder) poolTags(p compute.Pool) map[string]string {
	t := b.tagsFor(governance.RGCompute)
	if p.Priority == "spot" {
		t[guardrails.PreemptionTag] = guardrails.PreemptionTagValue
	}
	return t
}

// preemptionMetadata marks a Batch pool on low-priority (Spot) nodes as
// preemptible for the Spot guardrail. Batch pools take it as metadata, not
// tags: pool tags need a recent Batch API, and pools are not Indexed
// resources, so the guardrail reads either.
func preemptionMetadata() []any {
	return []any{map[string]any{"name": guardrails.PreemptionTag, "value": guardrails.PreemptionTagValue}}
}

// subscriptionIDExpr is the template expression for the id of a
// subscription-level resource of the deployment's subscription.
func subscriptionIDExpr(typ, name string) string {
	return "[subscriptionResourceId(" + quote(typ) + ", " + quote(name) + ")]"
}

// documentProperties returns the "properties" of an embedded policy
// document as template content: a string that starts with "[" and ends
// with "]" is a template expression to ARM, so the policy language's own
// expressions are escaped ("[[") to reach Azure Policy unevaluated.
func documentProperties(doc []byte) map[string]any {
	m := decodeJSON(doc)
	props, ok := m["properties"].(map[string]any)
	if !ok {
		panic("resources: policy document without properties")
	}
	return escapeExpressions(props).(map[string]any)
}

func decodeJSON(data []byte) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		panic("resources: embedded policy document: " + err.Error())
	}
	return m
}

func escapeExpressions(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = escapeExpressions(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = escapeExpressions(e)
		}
		return out
	case string:
		if strings.HasPrefix(x, "[") && strings.HasSuffix(x, "]") && !strings.HasPrefix(x, "[[") {
			return "[" + x
		}
		return x
	}
	return v
}

// gpuSubnets are the subnets the plan places GPU or HPC pools in.
func (b *builder) gpuSubnets() []string {
	gpu := map[string]bool{}
	for _, p := range b.p.Compute.Pools {
		if guardrails.IsGPUSize(p.SKU) || guardrails.IsHPCSize(p.SKU) {
			gpu[p.Workload] = true
		}
	}
	var out []string
	for _, v := range b.p.Network.VNets {
		for _, s := range v.Subnets {
			if s.Pool != "" && gpu[s.Pool] {
				out = append(out, s.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// storageSubnets are the subnets the built Managed Lustre file systems and
// NetApp volumes sit in, read from those resources so that the guardrail
// names exactly the subnets the template uses.
func (b *builder) storageSubnets() []string {
	var out []string
	for _, r := range b.out {
		var ref any
		switch r.Type {
		case "Microsoft.StorageCache/amlFilesystems":
			ref = r.Properties["filesystemSubnet"]
		case "Microsoft.NetApp/netAppAccounts/capacityPools/volumes":
			ref = r.Properties["subnetId"]
		default:
			continue
		}
		if s, ok := ref.(string); ok {
			if n := subnetName(s); n != "" {
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

// subnetName is the subnet named by a subnet id or by the resourceId()
// expression aizone writes for one.
func subnetName(ref string) string {
	if strings.HasPrefix(ref, "[") {
		// [resourceId('rg', 'Microsoft.Network/virtualNetworks/subnets', 'vnet', 'subnet')]
		if !strings.Contains(ref, "'Microsoft.Network/virtualNetworks/subnets'") {
			return ""
		}
		end := strings.LastIndex(ref, "'")
		start := strings.LastIndex(ref[:end], "'")
		if start < 0 {
			return ""
		}
		return strings.ReplaceAll(ref[start+1:end], "''", "'")
	}
	if i := strings.LastIndex(strings.ToLower(ref), "/subnets/"); i >= 0 {
		return ref[i+len("/subnets/"):]
	}
	return ""
}

// GuardrailParameters returns the parameter values of the guardrail
// assignment among rs (as Build writes it), plain rather than
// {"value": ...}; nil when rs assign no guardrails. It lets a caller
// evaluate the guardrails exactly as the template assigns them.
func GuardrailParameters(rs []Resource) map[string]any {
	for _, r := range rs {
		if r.Type != "Microsoft.Authorization/policyAssignments" || !strings.HasPrefix(r.Name, "aizone-guardrails-") {
			continue
		}
		ps, _ := r.Properties["parameters"].(map[string]any)
		out := make(map[string]any, len(ps))
		for k, v := range ps {
			if w, ok := v.(map[string]any); ok {
				out[k] = w["value"]
			}
		}
		return out
	}
	return nil
}
