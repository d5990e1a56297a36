// Package terraform writes a plan's resources as a Terraform (or OpenTofu)
// root module for the AzAPI provider: the third spelling, beside the ARM
// template (emit/arm) and Bicep, of the one resource list that
// resources.Build makes. Every resource is an azapi_resource holding the
// resource's ARM shape (type@apiVersion, name, parent, location, identity,
// body), so what the policy engine checked is what Terraform deploys.
//
// The ARM expressions aizone writes into that list are translated into
// Terraform expressions (translate.go): a resourceId() of a resource of
// the module becomes a reference to it, so that Terraform orders the
// resources by its graph; a parameter becomes a variable; a reference()
// reads the resource's exported response; guid() becomes the uuidv5()
// that computes the same GUID. An expression with no faithful translation
// is an error, never a guess.
//
// The module orders the resources exactly as the ARM template does
// (order.go): references, depends_on where an ARM dependsOn has no
// reference, and one barrier per nested deployment that others wait for.
package terraform

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/aizone/aizone/emit/arm"
	"github.com/aizone/aizone/emit/armexpr"
	"github.com/aizone/aizone/emit/nested"
	"github.com/aizone/aizone/resources"
)

// Versions the module requires. AzAPI 2 takes body as an HCL value and
// returns output as one; Terraform 1.5 is the first with plantimestamp()
// (terraform_data, the ordering barrier, came in 1.4), and OpenTofu
// reports versions from 1.6 on.
const (
	ProviderSource   = "Azure/azapi"
	ProviderVersion  = "~> 2.0"
	TerraformVersion = ">= 1.5.0"
)

// Files of the module.
const (
	FileVersions   = "versions.tf"
	FileVariables  = "variables.tf"
	FileValues     = "terraform.tfvars"
	FileMain       = "main.tf"
	FileNetwork    = "network.tf"
	FileStorage    = "storage.tf"
	FileCompute    = "compute.tf"
	FileGovernance = "governance.tf"
	FileOutputs    = "outputs.tf"
)

// armGUIDNamespace is the UUID namespace of ARM's guid(): guid(a, b, c) is
// the version-5 UUID of "a-b-c" in it, so uuidv5 with this namespace gives
// a role assignment the same name the ARM template gives it.
const armGUIDNamespace = "11fb06fb-712d-4ddd-98c7-e71bbd588830"

// Names the module defines beside the resources.
const (
	clientConfig  = "current"         // data.azapi_client_config.current
	subscriptionL = "subscription_id" // local.subscription_id, ARM's subscription().id
)

// item is one azapi_resource of the module.
type item struct {
	r     resources.Resource
	label string
	// deployment is the ARM nested deployment that deploys the resource
	// (resources.DeploymentName); empty for subscription resources.
	deployment string
	// inherited are the dependsOn of the nested deployment a flattened
	// resource came from.
	inherited []string
	file      string

	refs      map[string]bool // labels the resource's expressions name
	exports   map[string]bool // response paths other resources read
	dependsOn []string        // labels (and barriers) without a reference
	explicit  bool            // dependsOn has entries of the resource's own dependsOn
	after     []string        // deployments whose barriers it waits for
	attrs     []attr
	identity  *identityBlock
	ignore    [][]any // body paths whose value changes on every plan
}

type attr struct {
	name string
	toks hclwrite.Tokens
}

type identityBlock struct {
	typ string
	ids []hclwrite.Tokens
}

type emitter struct {
	items  []*item
	byKey  map[string]*item // rg, type, name of a resource that is not an extension
	ext    map[string]*item // scope, type, name of an extension resource
	params map[string]resources.Parameter
	// volatile are the parameters whose default ARM computes at
	// deployment (utcNow()): a local computes them here.
	volatile map[string]bool
	locals   []attr
}

// Module returns the files of a Terraform root module that deploys rs
// into the subscription the azapi provider is configured for, declaring
// params as variables with their values in terraform.tfvars. Names are
// relative to the module's directory; the content is formatted as
// terraform fmt writes it and is byte-identical for the same input.
func Module(rs []resources.Resource, params []resources.Parameter) (map[string][]byte, error) {
	e := &emitter{byKey: map[string]*item{}, ext: map[string]*item{}, params: map[string]resources.Parameter{}, volatile: map[string]bool{}}
	for _, p := range params {
		e.params[p.Name] = p
		if s, ok := p.DefaultValue.(string); ok {
			if _, _, isExpr := armexpr.Classify(s); isExpr {
				e.volatile[p.Name] = true
			}
		}
	}
	if err := e.expand(rs); err != nil {
		return nil, err
	}
	assignLabels(e.items)
	purposes := map[string]string{}
	for _, it := range e.items {
		if it.r.Type == typeResourceGroup && it.r.ResourceGroup == "" {
			purposes[it.r.Name] = it.r.Tags["aizone-part"]
		}
	}
	for _, it := range e.items {
		it.file = fileOf(it.r, purposes)
		if err := e.translate(it); err != nil {
			return nil, fmt.Errorf("terraform: %s %s: %w", it.r.Type, it.r.Name, err)
		}
	}
	if err := e.localsFor(params); err != nil {
		return nil, err
	}
	barriers, err := e.order(rs, purposes)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	add := func(name string, f *hclwrite.File) {
		files[name] = hclwrite.Format(f.Bytes())
	}
	add(FileVersions, versionsFile())
	vars, values, err := variablesFiles(params)
	if err != nil {
		return nil, err
	}
	add(FileVariables, vars)
	add(FileValues, values)
	// Outputs are translated before the resources are written: an output
	// that reads a response property (an identity's client id) adds it to
	// that resource's response_export_values.
	outs, err := e.outputsFile(rs)
	if err != nil {
		return nil, err
	}
	for _, name := range []string{FileMain, FileNetwork, FileStorage, FileCompute, FileGovernance} {
		f := hclwrite.NewFile()
		comment(f.Body(), headers[name])
		if name == FileMain {
			e.mainPreamble(f.Body())
		}
		for _, it := range e.items {
			if it.file == name {
				f.Body().AppendNewline()
				it.write(f.Body())
			}
		}
		for _, b := range barriers {
			if b.file == name {
				f.Body().AppendNewline()
				b.write(f.Body())
			}
		}
		add(name, f)
	}
	add(FileOutputs, outs)
	return files, nil
}

const (
	typeResourceGroup = "Microsoft.Resources/resourceGroups"
	typeDeployment    = "Microsoft.Resources/deployments"
)

var headers = map[string]string{
	FileMain:       "The zone's resource groups, and what every file of the module uses. Written by aizone from the zone's resource model.",
	FileNetwork:    "The zone's network: its resource group's VNets, subnets, routes, NSGs, peerings, DNS and endpoints. Written by aizone.",
	FileStorage:    "The zone's storage: the account, its containers and lifecycle, the hot tier and their private endpoints. Written by aizone.",
	FileCompute:    "The zone's compute: identities, pools and clusters, Key Vault and registry. Written by aizone.",
	FileGovernance: "Who may do what (role assignments), what is logged (diagnostic settings), the guardrail policies and the budget. Written by aizone.",
}

// fileOf is the file of a resource: governance by type, otherwise the
// purpose of its resource group (its aizone-part tag), otherwise its
// type's namespace.
func fileOf(r resources.Resource, purposes map[string]string) string {
	ns, _, _ := strings.Cut(r.Type, "/")
	switch {
	case r.Type == typeResourceGroup && r.ResourceGroup == "":
		return FileMain
	case ns == "Microsoft.Authorization" || ns == "Microsoft.Consumption" || r.Type == "Microsoft.Insights/diagnosticSettings":
		return FileGovernance
	}
	switch purposes[r.ResourceGroup] {
	case "network":
		return FileNetwork
	case "storage":
		return FileStorage
	case "compute":
		return FileCompute
	}
	switch ns {
	case "Microsoft.Network":
		return FileNetwork
	case "Microsoft.Storage", "Microsoft.StorageCache", "Microsoft.NetApp":
		return FileStorage
	}
	return FileCompute
}

// expand lists the module's resources: every resource of rs, except that
// a nested deployment into another resource group (the role assignments
// on the platform's DNS zones) is spelled as its resources, each with its
// own scope, so that Terraform tracks and destroys each of them; a
// deployment resource would leave them behind when destroyed.
func (e *emitter) expand(rs []resources.Resource) error {
	for _, r := range rs {
		dep := ""
		if r.ResourceGroup != "" {
			dep = resources.DeploymentName(r.ResourceGroup, r.Stage)
		}
		if r.Type != typeDeployment {
			if len(r.Extra) > 0 {
				return fmt.Errorf("terraform: %s %s: template keys %v have no azapi spelling", r.Type, r.Name, slices.Sorted(maps.Keys(r.Extra)))
			}
			e.add(&item{r: r, deployment: dep})
			continue
		}
		inner, err := nested.Resources(r, "Terraform")
		if err != nil {
			return fmt.Errorf("terraform: nested deployment %s: %w", r.Name, err)
		}
		for _, ir := range inner {
			e.add(&item{r: ir, deployment: dep, inherited: r.DependsOn})
		}
	}
	return nil
}

func (e *emitter) add(it *item) {
	it.refs = map[string]bool{}
	it.exports = map[string]bool{}
	e.items = append(e.items, it)
	if it.r.Scope != "" {
		e.ext[armexpr.Key(it.r.Scope, it.r.Type, it.r.Name)] = it
	} else {
		e.byKey[armexpr.Key(it.r.ResourceGroup, it.r.Type, it.r.Name)] = it
	}
}

// translate fills in an item's attributes.
func (e *emitter) translate(it *item) error {
	r := it.r
	tr := &translator{e: e, it: it}
	it.attrs = append(it.attrs, attr{"type", strTokens(r.Type + "@" + r.APIVersion)})
	name, err := e.nameOf(tr, r)
	if err != nil {
		return err
	}
	it.attrs = append(it.attrs, attr{"name", name})
	parent, err := e.parentOf(tr, r)
	if err != nil {
		return fmt.Errorf("parent_id: %w", err)
	}
	it.attrs = append(it.attrs, attr{"parent_id", parent})
	if r.Location != "" {
		loc, err := tr.str(r.Location)
		if err != nil {
			return fmt.Errorf("location: %w", err)
		}
		it.attrs = append(it.attrs, attr{"location", loc})
	}
	if r.Identity != nil {
		if it.identity, err = tr.identity(r.Identity); err != nil {
			return fmt.Errorf("identity: %w", err)
		}
	}
	// The body holds what the resource's ARM shape holds beside the keys
	// azapi takes as arguments (type, name, parent, location, identity,
	// tags). Properties are always there, as in the ARM template.
	body := map[string]any{"properties": map[string]any{}}
	if r.Properties != nil {
		body["properties"] = r.Properties
	}
	if r.Kind != "" {
		body["kind"] = r.Kind
	}
	if r.SKU != nil {
		body["sku"] = r.SKU
	}
	if len(r.Zones) > 0 {
		body["zones"] = r.Zones
	}
	generic, err := arm.Generic(body)
	if err != nil {
		return err
	}
	toks, err := tr.value(generic, []any{"body"})
	if err != nil {
		return err
	}
	it.attrs = append(it.attrs, attr{"body", toks})
	if len(r.Tags) > 0 {
		generic, err := arm.Generic(r.Tags)
		if err != nil {
			return err
		}
		toks, err := tr.value(generic, []any{"tags"})
		if err != nil {
			return fmt.Errorf("tags: %w", err)
		}
		it.attrs = append(it.attrs, attr{"tags", toks})
	}
	return nil
}

// nameOf is the resource's own name: the last segment of a child's
// "parent/child" name.
func (e *emitter) nameOf(tr *translator, r resources.Resource) (hclwrite.Tokens, error) {
	if _, _, isExpr := armexpr.Classify(r.Name); isExpr {
		toks, err := tr.str(r.Name)
		if err != nil {
			return nil, fmt.Errorf("name: %w", err)
		}
		return toks, nil
	}
	names := strings.Split(r.Name, "/")
	if len(names) != len(strings.Split(r.Type, "/"))-1 {
		return nil, fmt.Errorf("name %q does not match the segments of type %s", r.Name, r.Type)
	}
	return strTokens(names[len(names)-1]), nil
}

// parentOf is the resource's parent_id: the subscription for resource
// groups and subscription resources, the scope of an extension resource,
// the parent of a child, otherwise the resource group.
func (e *emitter) parentOf(tr *translator, r resources.Resource) (hclwrite.Tokens, error) {
	types := strings.Split(r.Type, "/")
	switch {
	case r.Scope != "":
		if _, _, isExpr := armexpr.Classify(r.Scope); !isExpr {
			return nil, fmt.Errorf("scope %q is not an expression", r.Scope)
		}
		return tr.str(r.Scope)
	case r.ResourceGroup == "" && len(types) == 2:
		return traversal("local", subscriptionL), nil
	case r.ResourceGroup == "":
		return nil, fmt.Errorf("child resource %s outside a resource group", r.Name)
	case len(types) > 2:
		names := strings.Split(r.Name, "/")
		return tr.resourceID(r.ResourceGroup, strings.Join(types[:len(types)-1], "/"), names[:len(names)-1])
	}
	if rg := e.byKey[armexpr.Key("", typeResourceGroup, r.ResourceGroup)]; rg != nil {
		return tr.ref(rg), nil
	}
	return interpolate(traversal("local", subscriptionL), "/resourceGroups/"+r.ResourceGroup), nil
}

// write appends the item's resource block.
func (it *item) write(body *hclwrite.Body) {
	b := body.AppendNewBlock("resource", []string{"azapi_resource", it.label}).Body()
	for _, a := range it.attrs {
		if a.name == "body" {
			// The identity block, like type and location, says what the
			// resource is; the body and tags follow it.
			if it.identity != nil {
				b.AppendNewline()
				ib := b.AppendNewBlock("identity", nil).Body()
				ib.SetAttributeValue("type", cty.StringVal(it.identity.typ))
				if len(it.identity.ids) > 0 {
					ib.SetAttributeRaw("identity_ids", hclwrite.TokensForTuple(it.identity.ids))
				}
			}
		}
		if a.name == "body" || a.name == "tags" {
			b.AppendNewline()
		}
		b.SetAttributeRaw(a.name, a.toks)
	}
	if len(it.exports) > 0 {
		b.AppendNewline()
		var paths []cty.Value
		for _, p := range slices.Sorted(maps.Keys(it.exports)) {
			paths = append(paths, cty.StringVal(p))
		}
		b.SetAttributeValue("response_export_values", cty.ListVal(paths))
	}
	if len(it.dependsOn) > 0 {
		b.AppendNewline()
		var why []string
		if it.explicit {
			why = append(why, "what the template's dependsOn names and nothing here refers to")
		}
		if len(it.after) > 0 {
			why = append(why, "every resource of "+strings.Join(it.after, ", "))
		}
		comment(b, "As in the ARM template, this waits for "+strings.Join(why, ", and for ")+".")
		var deps []hclwrite.Tokens
		for _, d := range it.dependsOn {
			root, label, _ := strings.Cut(d, ".")
			deps = append(deps, traversal(root, label))
		}
		b.SetAttributeRaw("depends_on", multilineTuple(deps))
	}
	if len(it.ignore) > 0 {
		b.AppendNewline()
		lb := b.AppendNewBlock("lifecycle", nil).Body()
		comment(lb, "Computed from the time of the first plan (ARM's utcNow()); Azure keeps the first value.")
		var paths []hclwrite.Tokens
		for _, p := range it.ignore {
			paths = append(paths, traversal(p[0].(string), p[1:]...))
		}
		lb.SetAttributeRaw("ignore_changes", hclwrite.TokensForTuple(paths))
	}
}

// comment appends "# text" lines, wrapped at about 100 columns.
func comment(b *hclwrite.Body, text string) {
	var line strings.Builder
	flush := func() {
		b.AppendUnstructuredTokens(hclwrite.Tokens{tok(hclsyntax.TokenComment, "# "+line.String()+"\n")})
		line.Reset()
	}
	for _, w := range strings.Fields(text) {
		if line.Len() > 0 && line.Len()+1+len(w) > 98 {
			flush()
		}
		if line.Len() > 0 {
			line.WriteByte(' ')
		}
		line.WriteString(w)
	}
	if line.Len() > 0 {
		flush()
	}
}
