package terraform

import (
	"fmt"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/aizone/aizone/emit/arm"
	"github.com/aizone/aizone/emit/armexpr"
	"github.com/aizone/aizone/resources"
)

// versionsFile pins Terraform and the azapi provider. The provider block
// is empty: credentials come from the pipeline's environment (ARM_*
// variables, OIDC), and the subscription it names is the zone's.
func versionsFile() *hclwrite.File {
	f := hclwrite.NewFile()
	b := f.Body()
	comment(b, "Terraform 1.5 or later, or OpenTofu; the AzAPI provider 2.x. Written by aizone.")
	tb := b.AppendNewBlock("terraform", nil).Body()
	tb.SetAttributeValue("required_version", cty.StringVal(TerraformVersion))
	tb.AppendNewline()
	pb := tb.AppendNewBlock("required_providers", nil).Body()
	pb.SetAttributeRaw("azapi", hclwrite.TokensForObject([]hclwrite.ObjectAttrTokens{
		{Name: hclwrite.TokensForIdentifier("source"), Value: strTokens(ProviderSource)},
		{Name: hclwrite.TokensForIdentifier("version"), Value: strTokens(ProviderVersion)},
	}))
	b.AppendNewline()
	comment(b, "Credentials and the zone's subscription come from the environment (ARM_SUBSCRIPTION_ID, ARM_TENANT_ID, ARM_CLIENT_ID with ARM_USE_OIDC or a secret): see docs/terraform.md.")
	b.AppendNewBlock("provider", []string{"azapi"})
	return f
}

// tfTypes are the Terraform types of the template parameter types.
var tfTypes = map[string]string{"string": "string", "int": "number", "bool": "bool", "array": "list(string)"}

// variablesFiles declares params as variables and gives their values:
// the zone's, or the placeholder the deployer replaces, exactly where the
// ARM parameters file has one. A parameter whose ARM default is computed
// at deployment defaults to null here, and a local computes it.
func variablesFiles(params []resources.Parameter) (*hclwrite.File, *hclwrite.File, error) {
	vars, values := hclwrite.NewFile(), hclwrite.NewFile()
	comment(vars.Body(), "The platform's values the zone depends on, and what the deployer supplies: the ARM template's parameters, under the same names. Written by aizone.")
	comment(values.Body(), "Values of the variables, from the zone file. Replace every REPLACE-WITH value before planning. Written by aizone.")
	for _, p := range params {
		typ, ok := tfTypes[p.Type]
		if !ok {
			return nil, nil, fmt.Errorf("terraform: parameter %s: type %q has no Terraform type", p.Name, p.Type)
		}
		vars.Body().AppendNewline()
		b := vars.Body().AppendNewBlock("variable", []string{p.Name}).Body()
		b.SetAttributeRaw("type", hclwrite.TokensForIdentifier(typ))
		b.SetAttributeValue("description", cty.StringVal(p.Description))
		switch d := p.DefaultValue.(type) {
		case nil:
		case string:
			if _, _, isExpr := armexpr.Classify(d); isExpr {
				b.SetAttributeValue("default", cty.NullVal(cty.String))
				break
			}
			b.SetAttributeValue("default", cty.StringVal(d))
		default:
			toks, err := literalTokens(d)
			if err != nil {
				return nil, nil, fmt.Errorf("terraform: parameter %s default: %w", p.Name, err)
			}
			b.SetAttributeRaw("default", toks)
		}
		value, placeholder, ok := arm.ParameterValue(p)
		if !ok {
			continue
		}
		if placeholder {
			values.Body().AppendNewline()
			comment(values.Body(), "Fill in: "+p.Description)
		}
		toks, err := literalTokens(value)
		if err != nil {
			return nil, nil, fmt.Errorf("terraform: parameter %s: %w", p.Name, err)
		}
		values.Body().SetAttributeRaw(p.Name, toks)
	}
	return vars, values, nil
}

// literalTokens writes a value as it is: a parameter's value is data,
// never an expression, in the ARM parameters file as here.
func literalTokens(v any) (hclwrite.Tokens, error) {
	g, err := arm.Generic(v)
	if err != nil {
		return nil, err
	}
	tr := &translator{literal: true}
	return tr.value(g, nil)
}

// mainPreamble writes what every file uses: the client configuration
// (the subscription and tenant the provider deploys to) and the locals.
func (e *emitter) mainPreamble(b *hclwrite.Body) {
	b.AppendNewline()
	b.AppendNewBlock("data", []string{"azapi_client_config", clientConfig})
	b.AppendNewline()
	lb := b.AppendNewBlock("locals", nil).Body()
	comment(lb, "ARM's subscription().id: the parent of the resource groups and of the subscription's own resources (policies, budget).")
	lb.SetAttributeRaw(subscriptionL, template("/subscriptions/", traversal("data", "azapi_client_config", clientConfig, "subscription_id")))
	for _, l := range e.locals {
		lb.AppendNewline()
		comment(lb, "The ARM parameter's default, computed when ARM deploys; here when Terraform first plans.")
		lb.SetAttributeRaw(l.name, l.toks)
	}
}

// localsFor computes the parameters whose ARM default is an expression:
// the variable when set, else the default.
func (e *emitter) localsFor(params []resources.Parameter) error {
	for _, p := range params {
		if !e.volatile[p.Name] {
			continue
		}
		tr := &translator{e: e}
		def, err := tr.str(p.DefaultValue.(string))
		if err != nil {
			return fmt.Errorf("terraform: parameter %s default: %w", p.Name, err)
		}
		e.locals = append(e.locals, attr{p.Name, hclwrite.TokensForFunctionCall("coalesce", traversal("var", p.Name), def)})
	}
	return nil
}

// outputsFile returns each template output: a resource's id.
func (e *emitter) outputsFile(rs []resources.Resource) (*hclwrite.File, error) {
	f := hclwrite.NewFile()
	comment(f.Body(), "Ids of what the zone deployed, for the pipelines that deploy workloads into it: the ARM template's outputs, under the same names. Written by aizone.")
	for _, o := range resources.Outputs(rs) {
		tr := &translator{e: e}
		toks, err := tr.str(o.Value)
		if err != nil {
			return nil, fmt.Errorf("terraform: output %s: %w", o.Name, err)
		}
		f.Body().AppendNewline()
		f.Body().AppendNewBlock("output", []string{o.Name}).Body().SetAttributeRaw("value", toks)
	}
	return f, nil
}
