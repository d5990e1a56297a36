package compliance

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aizone/aizone/policy"
	"github.com/aizone/aizone/resources"
)

// PlaceholderSubscription stands for a subscription that subscription
// vending has yet to create.
const PlaceholderSubscription = "00000000-0000-0000-0000-000000000000"

// FromTemplate turns the resources aizone will deploy into the shape Azure
// Policy sees at deployment: concrete ids, resource groups typed as Azure
// types them, and resourceId() expressions replaced by the ids they name.
// What is checked is what is deployed.
func FromTemplate(rs []resources.Resource, subscription string) []*policy.Resource {
	return FromTemplateWith(rs, subscription, nil)
}

// FromTemplateWith is FromTemplate with the values of the template's
// parameters, so that a resource reads as it deploys (a peering names
// the hub VNet, not "[parameters('hubVirtualNetworkId')]").
func FromTemplateWith(rs []resources.Resource, subscription string, params []resources.Parameter) []*policy.Resource {
	if subscription == "" {
		subscription = PlaceholderSubscription
	}
	values := map[string]any{}
	for _, p := range params {
		if p.Value != nil {
			values["[parameters('"+p.Name+"')]"] = p.Value
		}
	}
	var maps []map[string]any
	for _, r := range rs {
		if policyObject(r.Type) {
			continue
		}
		m := substitute(r.Map(), values).(map[string]any)
		delete(m, "apiVersion")
		delete(m, "dependsOn")
		delete(m, "scope")
		m["id"] = r.ID(subscription)
		if r.Scope != "" {
			// An extension resource's id is its scope's id followed by
			// its own provider, type and name.
			if scope, ok := resourceID(r.Scope, subscription); ok {
				m["id"] = scope + "/providers/" + r.Type + "/" + r.Name
			}
		}
		if r.Type == "Microsoft.Resources/resourceGroups" {
			m["type"] = "Microsoft.Resources/subscriptions/resourceGroups"
		}
		maps = append(maps, asJSON(resolve(m, subscription)))
	}
	backReferences(maps)
	out := make([]*policy.Resource, 0, len(maps))
	for _, m := range maps {
		out = append(out, policy.NewResource(m))
		out = append(out, implied(m)...)
	}
	return out
}

// substitute replaces parameter expressions with their values.
func substitute(v any, values map[string]any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = substitute(e, values)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = substitute(e, values)
		}
		return out
	case string:
		if val, ok := values[x]; ok {
			return val
		}
		// "[[" is ARM's escape for a literal "[": Azure stores, and
		// policy sees, the string with one bracket.
		if strings.HasPrefix(x, "[[") {
			return x[1:]
		}
	}
	return v
}

// backReferences adds the read-only references Azure writes on a resource
// when another one is associated with it: a public IP used by a NAT
// gateway shows the gateway in properties.natGateway. Policies that look
// for unused public IPs read exactly that.
func backReferences(maps []map[string]any) {
	byID := make(map[string]map[string]any, len(maps))
	for _, m := range maps {
		id, _ := m["id"].(string)
		byID[strings.ToLower(id)] = m
	}
	for _, m := range maps {
		if t, _ := m["type"].(string); strings.EqualFold(t, "Microsoft.Network/privateEndpoints") {
			privateEndpointConnections(m, byID)
			continue
		}
		if t, _ := m["type"].(string); !strings.EqualFold(t, "Microsoft.Network/natGateways") {
			continue
		}
		props, _ := m["properties"].(map[string]any)
		pips, _ := props["publicIpAddresses"].([]any)
		for _, p := range pips {
			pm, _ := p.(map[string]any)
			pid, _ := pm["id"].(string)
			pip := byID[strings.ToLower(pid)]
			if pip == nil {
				continue
			}
			pp, _ := pip["properties"].(map[string]any)
			if pp == nil {
				pp = map[string]any{}
				pip["properties"] = pp
			}
			pp["natGateway"] = map[string]any{"id": m["id"]}
		}
	}
}

// privateEndpointConnections lists an endpoint on its target, approved,
// as Azure shows it once the endpoint is created (the zone owns both, so
// the connection is auto-approved).
func privateEndpointConnections(pe map[string]any, byID map[string]map[string]any) {
	props, _ := pe["properties"].(map[string]any)
	conns, _ := props["privateLinkServiceConnections"].([]any)
	for _, c := range conns {
		cm, _ := c.(map[string]any)
		cp, _ := cm["properties"].(map[string]any)
		target, _ := cp["privateLinkServiceId"].(string)
		t := byID[strings.ToLower(target)]
		if t == nil {
			continue
		}
		tp, _ := t["properties"].(map[string]any)
		if tp == nil {
			tp = map[string]any{}
			t["properties"] = tp
		}
		list, _ := tp["privateEndpointConnections"].([]any)
		tp["privateEndpointConnections"] = append(list, map[string]any{
			"id": target + "/privateEndpointConnections/" + lastSegment(pe["id"].(string)),
			"properties": map[string]any{
				"privateEndpoint":                   map[string]any{"id": pe["id"]},
				"privateLinkServiceConnectionState": map[string]any{"status": "Approved"},
			},
		})
	}
}

// policyObject reports Azure Policy's own objects (definitions, sets,
// assignments, exemptions), which Azure Policy does not evaluate.
func policyObject(typ string) bool {
	t := strings.ToLower(typ)
	return strings.HasPrefix(t, "microsoft.authorization/policy")
}

// implied are the resources Azure creates as a consequence of deploying
// res: a private endpoint creates an approved private endpoint connection
// on its target (auto-approved, as the zone owns both). Policies that
// audit private link look for that connection, so leaving it out would
// report a private storage account as public.
func implied(res map[string]any) []*policy.Resource {
	if t, _ := res["type"].(string); !strings.EqualFold(t, "Microsoft.Network/privateEndpoints") {
		return nil
	}
	peID, _ := res["id"].(string)
	props, _ := res["properties"].(map[string]any)
	conns, _ := props["privateLinkServiceConnections"].([]any)
	var out []*policy.Resource
	for _, c := range conns {
		cm, _ := c.(map[string]any)
		cp, _ := cm["properties"].(map[string]any)
		target, _ := cp["privateLinkServiceId"].(string)
		i := strings.Index(strings.ToLower(target), "/providers/")
		if target == "" || i < 0 {
			continue
		}
		typ := targetType(target[i+len("/providers/"):])
		if typ == "" {
			continue
		}
		name := lastSegment(peID)
		out = append(out, policy.NewResource(map[string]any{
			"id":   target + "/privateEndpointConnections/" + name,
			"name": name,
			"type": typ + "/privateEndpointConnections",
			"properties": map[string]any{
				"privateEndpoint":                   map[string]any{"id": peID},
				"privateLinkServiceConnectionState": map[string]any{"status": "Approved"},
				"provisioningState":                 "Succeeded",
			},
		}))
	}
	return out
}

// targetType turns "Microsoft.Storage/storageAccounts/name" into its type.
func targetType(rest string) string {
	seg := strings.Split(rest, "/")
	if len(seg) < 3 {
		return ""
	}
	t := seg[0]
	for i := 1; i+1 < len(seg); i += 2 {
		t += "/" + seg[i]
	}
	return t
}

// asJSON gives v the types a decoded deployment has (float64 numbers,
// []any, map[string]any), which are the types the policy engine compares.
func asJSON(v any) map[string]any {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("compliance: resource does not marshal: %v", err)) // resources are built from plain data
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		panic(fmt.Sprintf("compliance: resource does not unmarshal: %v", err))
	}
	return m
}

// resolve replaces the template expressions aizone writes whose value is
// known before deployment.
func resolve(v any, sub string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = resolve(e, sub)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = resolve(e, sub)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = resolve(e, sub)
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = e
		}
		return out
	case string:
		if id, ok := resourceID(x, sub); ok {
			return id
		}
		if x == "[subscription().subscriptionId]" {
			return sub
		}
		return x
	}
	return v
}

// resourceID evaluates "[resourceId('rg', 'type', 'name', ...)]" with
// literal arguments, the only form aizone emits.
func resourceID(s, sub string) (string, bool) {
	const pre, suf = "[resourceId(", ")]"
	if !strings.HasPrefix(s, pre) || !strings.HasSuffix(s, suf) {
		return "", false
	}
	var args []string
	rest := strings.TrimSpace(s[len(pre) : len(s)-len(suf)])
	for rest != "" {
		if rest[0] != '\'' {
			return "", false
		}
		var b strings.Builder
		i := 1
		for ; i < len(rest); i++ {
			if rest[i] == '\'' {
				if i+1 < len(rest) && rest[i+1] == '\'' {
					b.WriteByte('\'')
					i++
					continue
				}
				break
			}
			b.WriteByte(rest[i])
		}
		if i >= len(rest) {
			return "", false
		}
		args = append(args, b.String())
		rest = strings.TrimSpace(rest[i+1:])
		rest = strings.TrimSpace(strings.TrimPrefix(rest, ","))
	}
	// Find the type argument: the first containing "/".
	ti := -1
	for i, a := range args {
		if strings.Contains(a, "/") {
			ti = i
			break
		}
	}
	if ti != 1 {
		return "", false // aizone always names the resource group
	}
	rg, typ, names := args[0], args[1], args[2:]
	parts := strings.Split(typ, "/")
	if len(names) != len(parts)-1 {
		return "", false
	}
	id := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/%s", sub, rg, parts[0])
	for i, t := range parts[1:] {
		id += "/" + t + "/" + names[i]
	}
	return id, true
}
