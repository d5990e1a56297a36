package resources

import (
	"sort"

	"github.com/aizone/aizone/governance"
	"github.com/aizone/aizone/plan"
)

// Build turns a plan into the resources that deploy it.
func Build(p *plan.Plan) []Resource {
	b := &builder{p: p, zone: p.Zone.Name, region: p.Zone.Region, tags: p.Governance.Tags}
	b.rgNet = governance.RGName(b.zone, b.region, governance.RGNetwork)
	b.rgCompute = governance.RGName(b.zone, b.region, governance.RGCompute)
	b.rgStorage = governance.RGName(b.zone, b.region, governance.RGStorage)
	for _, rg := range p.Governance.ResourceGroups {
		b.add(Resource{Type: "Microsoft.Resources/resourceGroups", Name: rg.Name, Location: rg.Region, Tags: b.tagsFor(rg.Purpose)})
	}
	b.identities()
	b.network()
	b.storage()
	b.compute()
	b.platform()
	b.grants()
	b.diagnostics()
	b.guardrails()
	b.budget()
	b.escapeUser()
	Sort(b.out)
	order(b.out)
	return b.out
}

type builder struct {
	p                           *plan.Plan
	zone, region                string
	tags                        map[string]string
	rgNet, rgCompute, rgStorage string
	out                         []Resource
	vnetName                    string
}

func (b *builder) add(r Resource) {
	r.APIVersion = APIVersion(r.Type)
	b.out = append(b.out, r)
}

func (b *builder) tagsFor(purpose string) map[string]string {
	t := make(map[string]string, len(b.tags)+1)
	for k, v := range b.tags {
		t[k] = v
	}
	if purpose != "" {
		t["aizone-part"] = purpose
	}
	return t
}

func (b *builder) subnetID(name string) string {
	return idExpr(b.rgNet, "Microsoft.Network/virtualNetworks/subnets", b.vnetName, name)
}

// ResourceGroups lists the resource groups that hold resources, sorted.
func ResourceGroups(rs []Resource) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rs {
		if r.ResourceGroup != "" && !seen[r.ResourceGroup] {
			seen[r.ResourceGroup] = true
			out = append(out, r.ResourceGroup)
		}
	}
	sort.Strings(out)
	return out
}
