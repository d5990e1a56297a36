// Package bicep writes a plan's resources as Bicep: main.bicep at
// subscription scope (the resource groups, the guardrail policies and
// the budget, and one module per nested deployment of the ARM template),
// one module file per resource group and stage under modules/, and
// main.bicepparam with the platform's values from the zone file. It is the
// third spelling, beside the ARM template (emit/arm) and the Terraform
// module (emit/terraform), of the one resource list resources.Build makes.
//
// The ARM expressions of that list are spelled as Bicep does: a
// resourceId() of a resource of the same file becomes its symbolic name
// (vnet.id), a child resource names its parent with parent:, an extension
// resource its scope with scope:, and a resource of another module is an
// existing resource (with scope: resourceGroup('...') when it lives in
// another group). So Bicep orders the resources of a file by its graph;
// dependsOn is written only where the ARM template has an ordering that
// no reference says. An expression with no faithful spelling is an error.
//
// read.go reads exactly the subset of Bicep written here back into the
// resource model, so that a test can compare it with the ARM template.
package bicep

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aizone/aizone/emit/arm"
	"github.com/aizone/aizone/emit/armexpr"
	"github.com/aizone/aizone/emit/nested"
	"github.com/aizone/aizone/resources"
)

// Files written, relative to the output directory.
const (
	FileMain   = "main.bicep"
	FileParams = "main.bicepparam"
	DirModules = "modules"
)

const (
	typeResourceGroup = "Microsoft.Resources/resourceGroups"
	typeDeployment    = "Microsoft.Resources/deployments"
	typeVNet          = "Microsoft.Network/virtualNetworks"
	typeSubnet        = "Microsoft.Network/virtualNetworks/subnets"
)

// fileKind says where a file deploys.
type fileKind int

const (
	kindMain     fileKind = iota // the subscription
	kindGroup                    // one of the zone's resource groups
	kindPlatform                 // a resource group of the platform, named by a parameter
)

// file is one Bicep file being written.
type file struct {
	path       string
	kind       fileKind
	rg         string // kindGroup: the resource group
	deployment string // the ARM deployment it spells
	caller     *file  // kindPlatform: the file whose module deploys it
	// platformParam names the parameter holding the id of a platform
	// file's resource group.
	platformParam string
	sym           string // the module's symbol in its caller
	items         []*item
	existing      map[string]*existingDecl // by key
	params        map[string]bool          // template parameters it uses
	hoisted       map[string]*hoist        // kindPlatform: by caller expression
	modules       []*moduleDecl
	outputs       []outputDecl
	symbols       map[string]bool
	deps          []string // kindGroup/kindPlatform: deployments it waits for
	moduleDeps    []string // kindPlatform: caller symbols the module waits for
}

type item struct {
	r         resources.Resource
	sym       string
	file      *file
	refs      map[string]bool // deployed symbols of the file it names
	dependsOn []string
	fields    []field
}

type field struct {
	key string
	val bx
}

// existingDecl is a resource of another file (or a subnet) that a file
// refers to.
type existingDecl struct {
	sym     string
	typ     string
	ver     string
	name    string // its own name (last segment)
	parent  string // symbol of its parent, when a child type
	scopeRG string // another resource group of the zone
}

// hoist is a value a platform module takes from its caller.
type hoist struct {
	name, typ, desc string
	caller          bx
}

type moduleDecl struct {
	target *file
}

type outputDecl struct {
	name string
	val  bx
}

type emitter struct {
	files  []*file
	main   *file
	byKey  map[string]*item // rg, type, name of a resource that is not an extension
	ext    map[string]*item // scope, type, name of an extension resource
	params map[string]resources.Parameter
}

// Files returns main.bicep, main.bicepparam and the modules that deploy rs
// into a subscription, declaring params. The content is deterministic and
// laid out as the Bicep formatter lays it out.
func Files(rs []resources.Resource, params []resources.Parameter) (map[string][]byte, error) {
	e := &emitter{byKey: map[string]*item{}, ext: map[string]*item{}, params: map[string]resources.Parameter{}}
	for _, p := range params {
		e.params[p.Name] = p
	}
	e.main = e.newFile(FileMain, kindMain, "", "")
	if err := e.place(rs); err != nil {
		return nil, err
	}
	e.assignSymbols()
	for _, f := range e.files {
		for _, it := range f.items {
			if err := e.translate(it); err != nil {
				return nil, fmt.Errorf("bicep: %s %s: %w", it.r.Type, it.r.Name, err)
			}
		}
	}
	if err := e.outputs(rs); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, f := range e.files {
		out[f.path] = e.render(f)
	}
	out[FileParams] = paramsFile(params)
	return out, nil
}

func (e *emitter) newFile(path string, kind fileKind, rg, deployment string) *file {
	f := &file{path: path, kind: kind, rg: rg, deployment: deployment, existing: map[string]*existingDecl{},
		params: map[string]bool{}, hoisted: map[string]*hoist{}, symbols: map[string]bool{}}
	e.files = append(e.files, f)
	return f
}

// modulePath is the file of a deployment's module.
func modulePath(deployment string) string {
	return DirModules + "/" + strings.TrimPrefix(deployment, "aizone-") + ".bicep"
}

// place puts every resource in its file: the subscription's own in
// main.bicep, each nested deployment's in its module, and a deployment
// into the platform's resource group (the role assignments on its DNS
// zones) in a module of its own that the deployment's module deploys.
func (e *emitter) place(rs []resources.Resource) error {
	byDeployment := map[string]*file{}
	for _, d := range resources.Deployments(rs) {
		f := e.newFile(modulePath(d.Name), kindGroup, d.ResourceGroup, d.Name)
		f.deps = d.DependsOn
		byDeployment[d.Name] = f
	}
	for _, r := range rs {
		if r.ResourceGroup == "" {
			if r.Type == typeDeployment || len(r.Extra) > 0 {
				return fmt.Errorf("bicep: %s %s: a subscription resource with template keys %v has no Bicep spelling", r.Type, r.Name, slices.Sorted(maps.Keys(r.Extra)))
			}
			e.add(e.main, r)
			continue
		}
		f := byDeployment[resources.DeploymentName(r.ResourceGroup, r.Stage)]
		if r.Type != typeDeployment {
			if len(r.Extra) > 0 {
				return fmt.Errorf("bicep: %s %s: template keys %v have no Bicep spelling", r.Type, r.Name, slices.Sorted(maps.Keys(r.Extra)))
			}
			e.add(f, r)
			continue
		}
		pf, inner, err := e.platformModule(f, r)
		if err != nil {
			return fmt.Errorf("bicep: nested deployment %s: %w", r.Name, err)
		}
		for _, ir := range inner {
			e.add(pf, ir)
		}
	}
	return nil
}

func (e *emitter) add(f *file, r resources.Resource) {
	it := &item{r: r, file: f, refs: map[string]bool{}}
	f.items = append(f.items, it)
	if r.Scope != "" {
		e.ext[armexpr.Key(r.Scope, r.Type, r.Name)] = it
	} else {
		e.byKey[armexpr.Key(r.ResourceGroup, r.Type, r.Name)] = it
	}
}

// platformModule reads a nested deployment into the platform's resource
// group: its target must be the resource group whose id a parameter
// holds, as resources spells it.
func (e *emitter) platformModule(caller *file, r resources.Resource) (*file, []resources.Resource, error) {
	out, err := nested.Resources(r, "Bicep")
	if err != nil {
		return nil, nil, err
	}
	sub, _ := r.Extra["subscriptionId"].(string)
	rg, _ := r.Extra["resourceGroup"].(string)
	param := ""
	for name := range e.params {
		if sub == fmt.Sprintf("[split(parameters('%s'), '/')[2]]", name) && rg == fmt.Sprintf("[last(split(parameters('%s'), '/'))]", name) {
			param = name
		}
	}
	if param == "" || len(r.Extra) != 2 {
		return nil, nil, fmt.Errorf("its target (%v) is not a resource group named by a parameter's id", r.Extra)
	}
	f := e.newFile(modulePath(r.Name), kindPlatform, "", r.Name)
	f.caller, f.platformParam = caller, param
	caller.params[param] = true
	caller.modules = append(caller.modules, &moduleDecl{target: f})
	f.deps = r.DependsOn
	return f, out, nil
}

// assignSymbols names every resource and module.
func (e *emitter) assignSymbols() {
	for _, f := range e.files {
		for name := range e.params {
			f.symbols[name] = true
		}
		for _, it := range f.items {
			it.sym = f.claim(symbolFor(it.r.Type, it.r.Name, it.r.Scope))
		}
	}
	for _, f := range e.files {
		if f.kind == kindMain {
			continue
		}
		caller := e.main
		if f.caller != nil {
			caller = f.caller
		}
		f.sym = caller.claim("module" + camel(strings.TrimPrefix(f.deployment, "aizone-")))
	}
}

// claim reserves a symbol in the file, numbering a repeated one.
func (f *file) claim(s string) string {
	out := s
	for i := 2; f.symbols[out]; i++ {
		out = fmt.Sprintf("%s%d", s, i)
	}
	f.symbols[out] = true
	return out
}

// symbolFor is the singular last segment of the type and the words of the
// name ("virtualNetworkVnetContosoFtEastus"); a name that is an
// expression (a role assignment's guid()) gives a short hash of the
// resource's identity instead.
func symbolFor(typ, name, scope string) string {
	segs := strings.Split(typ, "/")
	base := singular(segs[len(segs)-1])
	if _, _, isExpr := armexpr.Classify(name); isExpr {
		sum := sha256.Sum256([]byte(typ + "\x00" + name + "\x00" + scope))
		return base + "_" + hex.EncodeToString(sum[:4])
	}
	if m := scopeName.FindStringSubmatch(scope); m != nil {
		// An extension resource (a diagnostic setting) is known by what
		// it applies to.
		return base + camel(m[1]) + camel(name)
	}
	return base + camel(name)
}

// scopeName finds the last name in a scope's resourceId().
var scopeName = regexp.MustCompile(`'([^']*)'\)\]$`)

func singular(seg string) string {
	switch {
	case strings.HasSuffix(seg, "ies"):
		return strings.TrimSuffix(seg, "ies") + "y"
	case strings.HasSuffix(seg, "sses"):
		return strings.TrimSuffix(seg, "es")
	case strings.HasSuffix(seg, "s") && !strings.HasSuffix(seg, "ss"):
		return strings.TrimSuffix(seg, "s")
	}
	return seg
}

// camel joins the letters and digits of s in words, each capitalised.
func camel(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			if up {
				r -= 'a' - 'A'
			}
			up = false
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			up = false
			b.WriteRune(r)
		default:
			up = true
		}
	}
	return b.String()
}

// translate fills in an item's fields in the order Bicep authors write
// them: what the resource is and where, then its configuration.
func (e *emitter) translate(it *item) error {
	r := it.r
	tr := &translator{e: e, f: it.file, it: it}
	types := strings.Split(r.Type, "/")
	nameVal := r.Name
	if r.Scope != "" {
		scope, err := tr.scope(r.Scope)
		if err != nil {
			return fmt.Errorf("scope: %w", err)
		}
		it.fields = append(it.fields, field{"scope", scope})
	} else if len(types) > 2 {
		if _, _, isExpr := armexpr.Classify(r.Name); isExpr {
			return fmt.Errorf("a child resource whose name is an expression")
		}
		names := strings.Split(r.Name, "/")
		if len(names) != len(types)-1 {
			return fmt.Errorf("name %q does not match the segments of type %s", r.Name, r.Type)
		}
		parent, err := tr.resourceSymbol(r.ResourceGroup, strings.Join(types[:len(types)-1], "/"), names[:len(names)-1], true)
		if err != nil {
			return fmt.Errorf("parent: %w", err)
		}
		it.fields = append(it.fields, field{"parent", raw(parent)})
		nameVal = names[len(names)-1]
	}
	name, err := tr.str(nameVal)
	if err != nil {
		return fmt.Errorf("name: %w", err)
	}
	it.fields = append(it.fields, field{"name", name})
	add := func(k string, v any) error {
		if v == nil {
			return nil
		}
		g, err := arm.Generic(v)
		if err != nil {
			return err
		}
		x, err := tr.value(g)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		it.fields = append(it.fields, field{k, x})
		return nil
	}
	var loc, kind, sku, identity, zones, tags any
	if r.Location != "" {
		loc = r.Location
	}
	if r.Kind != "" {
		kind = r.Kind
	}
	if r.SKU != nil {
		sku = r.SKU
	}
	if r.Identity != nil {
		identity = r.Identity
	}
	if len(r.Zones) > 0 {
		zones = r.Zones
	}
	if len(r.Tags) > 0 {
		tags = r.Tags
	}
	props := r.Properties
	if props == nil {
		props = map[string]any{}
	}
	for _, kv := range []struct {
		k string
		v any
	}{{"location", loc}, {"kind", kind}, {"sku", sku}, {"identity", identity}, {"zones", zones}, {"tags", tags}, {"properties", props}} {
		if err := add(kv.k, kv.v); err != nil {
			return err
		}
	}
	// What the template's dependsOn names and no reference says.
	for _, d := range r.DependsOn {
		target, err := e.dependency(d)
		if err != nil {
			return fmt.Errorf("dependsOn %s: %w", d, err)
		}
		if target.file != it.file || target == it || it.refs[target.sym] {
			continue
		}
		it.refs[target.sym] = true
		it.dependsOn = append(it.dependsOn, target.sym)
	}
	return nil
}

// dependency finds the resource a dependsOn entry names.
func (e *emitter) dependency(d string) (*item, error) {
	_, expr, isExpr := armexpr.Classify(d)
	if !isExpr {
		return nil, fmt.Errorf("not an expression")
	}
	n, err := armexpr.Parse(expr)
	if err != nil {
		return nil, err
	}
	return e.resolve(n)
}

// resolve finds the resource an id expression names.
func (e *emitter) resolve(n armexpr.Node) (*item, error) {
	return armexpr.Resolve(n, e.byKey, e.ext, "the zone")
}

// outputs declares the template's outputs: in the file that deploys the
// resource each names, and in main.bicep from that module's outputs.
func (e *emitter) outputs(rs []resources.Resource) error {
	for _, o := range resources.Outputs(rs) {
		_, expr, isExpr := armexpr.Classify(o.Value)
		if !isExpr {
			return fmt.Errorf("bicep: output %s is not an expression", o.Name)
		}
		n, err := armexpr.Parse(expr)
		if err != nil {
			return fmt.Errorf("bicep: output %s: %w", o.Name, err)
		}
		target, err := e.resolve(outputTarget(n))
		if err != nil {
			return fmt.Errorf("bicep: output %s: %w", o.Name, err)
		}
		f := target.file
		tr := &translator{e: e, f: f}
		v, err := tr.node(n)
		if err != nil {
			return fmt.Errorf("bicep: output %s: %w", o.Name, err)
		}
		f.outputs = append(f.outputs, outputDecl{o.Name, raw(v)})
		if f == e.main {
			continue
		}
		if f.kind != kindGroup {
			return fmt.Errorf("bicep: output %s: a resource of a nested module", o.Name)
		}
		e.main.outputs = append(e.main.outputs, outputDecl{o.Name, raw(f.sym + ".outputs." + o.Name)})
	}
	for _, f := range e.files {
		sort.SliceStable(f.outputs, func(i, j int) bool { return f.outputs[i].name < f.outputs[j].name })
	}
	return nil
}

// outputTarget is the id expression an output reads: the id itself, or
// the id a reference() reads.
func outputTarget(n armexpr.Node) armexpr.Node {
	for {
		switch x := n.(type) {
		case *armexpr.Prop:
			n = x.X
		case *armexpr.Index:
			n = x.X
		case *armexpr.Call:
			if x.Name == "reference" && len(x.Args) > 0 {
				return x.Args[0]
			}
			return x
		default:
			return n
		}
	}
}

// paramsFile is main.bicepparam: the value of every parameter the zone
// file gives one, and a placeholder for what the deployer must supply,
// exactly where the ARM parameters file has them.
func paramsFile(params []resources.Parameter) []byte {
	var b strings.Builder
	b.WriteString("// The platform's values for main.bicep, from the zone file. Written by aizone.\n")
	b.WriteString("using 'main.bicep'\n")
	for _, p := range params {
		v, placeholder, ok := arm.ParameterValue(p)
		switch {
		case !ok:
			continue
		case placeholder:
			b.WriteString("\n// Replace: " + p.Description + ".\n")
			b.WriteString("param " + p.Name + " = " + quote(p.Placeholder) + "\n")
			continue
		}
		g, err := arm.Generic(v)
		if err != nil {
			// Parameter values are strings, numbers and lists of
			// strings, which always encode.
			panic("bicep: parameter " + p.Name + ": " + err.Error())
		}
		b.WriteString("\nparam " + p.Name + " = ")
		printValue(&b, literalValue(g), 0)
		b.WriteString("\n")
	}
	return []byte(b.String())
}

// literalValue spells a generic JSON value as Bicep literals, strings as
// they are (a parameter's value is never an expression).
func literalValue(v any) bx {
	switch x := v.(type) {
	case nil:
		return raw("null")
	case bool:
		return raw(fmt.Sprint(x))
	case json.Number:
		return numberLit(x)
	case string:
		return raw(quote(x))
	case []any:
		arr := bArr{}
		for _, e := range x {
			arr = append(arr, literalValue(e))
		}
		return arr
	case map[string]any:
		obj := bObj{}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			obj = append(obj, bKV{keyText(k), literalValue(x[k])})
		}
		return obj
	}
	return raw(fmt.Sprint(v))
}
