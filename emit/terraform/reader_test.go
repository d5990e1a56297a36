package terraform

import (
	"fmt"
	"maps"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/aizone/aizone/emit/armexpr"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// The reader of the round-trip test: it parses the module's files with
// hclparse and evaluates their expressions back into the resource
// model's spelling, an ARM expression wherever the module has a
// Terraform one. It is written from the Terraform side (what the files
// say), not from the emitter's tables: a reference to another
// azapi_resource becomes the id that resource's own block gives it.

// module is a parsed module.
type module struct {
	src       map[string][]byte
	resources map[string]*tfBlock // azapi_resource label
	order     []string            // labels, in file order
	barriers  map[string]*tfBlock // terraform_data label
	variables map[string]*tfBlock
	outputs   map[string]*tfBlock
	values    map[string]*hclsyntax.Attribute // terraform.tfvars
	locals    map[string]*hclsyntax.Attribute
	other     []string // blocks of other kinds, for the test to check
}

type tfBlock struct {
	file  string
	block *hclsyntax.Block
}

func (b *tfBlock) attr(name string) *hclsyntax.Attribute { return b.block.Body.Attributes[name] }

func (b *tfBlock) nested(typ string) *hclsyntax.Block {
	for _, nb := range b.block.Body.Blocks {
		if nb.Type == typ {
			return nb
		}
	}
	return nil
}

func parseModule(files map[string][]byte) (*module, error) {
	m := &module{src: files, resources: map[string]*tfBlock{}, barriers: map[string]*tfBlock{}, variables: map[string]*tfBlock{},
		outputs: map[string]*tfBlock{}, values: map[string]*hclsyntax.Attribute{}, locals: map[string]*hclsyntax.Attribute{}}
	p := hclparse.NewParser()
	for _, name := range slices.Sorted(maps.Keys(files)) {
		f, diags := p.ParseHCL(files[name], name)
		if diags.HasErrors() {
			return nil, fmt.Errorf("%s: %s", name, diags.Error())
		}
		body := f.Body.(*hclsyntax.Body)
		if name == FileValues {
			if len(body.Blocks) > 0 {
				return nil, fmt.Errorf("%s has blocks", name)
			}
			for k, a := range body.Attributes {
				m.values[k] = a
			}
			continue
		}
		if len(body.Attributes) > 0 {
			return nil, fmt.Errorf("%s has top-level attributes", name)
		}
		for _, b := range body.Blocks {
			tb := &tfBlock{file: name, block: b}
			dup := func(seen map[string]*tfBlock, label string) error {
				if _, ok := seen[label]; ok {
					return fmt.Errorf("%s: %s %v declared twice", name, b.Type, b.Labels)
				}
				seen[label] = tb
				return nil
			}
			var err error
			switch {
			case b.Type == "resource" && b.Labels[0] == "azapi_resource":
				err = dup(m.resources, b.Labels[1])
				m.order = append(m.order, b.Labels[1])
			case b.Type == "resource" && b.Labels[0] == "terraform_data":
				err = dup(m.barriers, b.Labels[1])
			case b.Type == "variable":
				err = dup(m.variables, b.Labels[0])
			case b.Type == "output":
				err = dup(m.outputs, b.Labels[0])
			case b.Type == "locals":
				for k, a := range b.Body.Attributes {
					if _, ok := m.locals[k]; ok {
						return nil, fmt.Errorf("local %s declared twice", k)
					}
					m.locals[k] = a
				}
			default:
				m.other = append(m.other, name+": "+b.Type+" "+strings.Join(b.Labels, " "))
			}
			if err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// armx is an ARM expression, without its brackets.
type armx string

// idv is a resource id built from the module's ids and literal paths:
// the segments after /subscriptions/{id} (or, for an extension
// resource, after its scope).
type idv struct {
	scope string // ARM text of an extension resource's scope
	segs  []term
}

// term is a literal segment or an expression (a guid() name).
type term struct {
	s      string
	isExpr bool
}

func (t term) arg() string {
	if t.isExpr {
		return t.s
	}
	return armexpr.Quote(t.s)
}

func (v idv) with(segs ...term) idv {
	return idv{scope: v.scope, segs: append(append([]term{}, v.segs...), segs...)}
}

// text spells the id as the resource model does: resourceId(),
// subscriptionResourceId(), extensionResourceId() or subscription().id.
func (v idv) text() (string, error) {
	s := v.segs
	lit := func(i int, want string) bool { return i < len(s) && !s[i].isExpr && s[i].s == want }
	typeAndNames := func(rest []term) (string, []string, error) {
		if len(rest) < 3 || len(rest)%2 == 0 {
			return "", nil, fmt.Errorf("id path %v", rest)
		}
		typ := rest[0].s
		var names []string
		for i := 1; i < len(rest); i += 2 {
			typ += "/" + rest[i].s
			names = append(names, rest[i+1].arg())
		}
		return typ, names, nil
	}
	switch {
	case v.scope != "":
		if !lit(0, "providers") || len(s) != 4 {
			return "", fmt.Errorf("extension id path %v", s)
		}
		return fmt.Sprintf("extensionResourceId(%s, %s, %s)", v.scope, armexpr.Quote(s[1].s+"/"+s[2].s), s[3].arg()), nil
	case len(s) == 0:
		return "subscription().id", nil
	case lit(0, "resourceGroups") && len(s) == 2:
		return fmt.Sprintf("subscriptionResourceId('Microsoft.Resources/resourceGroups', %s)", s[1].arg()), nil
	case lit(0, "resourceGroups") && lit(2, "providers"):
		typ, names, err := typeAndNames(s[3:])
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("resourceId(%s, %s, %s)", s[1].arg(), armexpr.Quote(typ), strings.Join(names, ", ")), nil
	case lit(0, "providers"):
		typ, names, err := typeAndNames(s[1:])
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("subscriptionResourceId(%s, %s)", armexpr.Quote(typ), strings.Join(names, ", ")), nil
	}
	return "", fmt.Errorf("id path %v", s)
}

// resourceType is the full type of a resource id path, and its names.
func (v idv) resourceType() (string, []term, bool) {
	s := v.segs
	i := 0
	if len(s) >= 2 && s[0].s == "resourceGroups" {
		i = 2
	}
	if len(s) < i+4 || s[i].s != "providers" {
		return "", nil, false
	}
	typ := s[i+1].s
	var names []term
	for j := i + 2; j+1 < len(s); j += 2 {
		typ += "/" + s[j].s
		names = append(names, s[j+1])
	}
	return typ, names, true
}

func (v idv) resourceGroup() string {
	if len(v.segs) >= 2 && v.segs[0].s == "resourceGroups" {
		return v.segs[1].s
	}
	return ""
}

// rebuilt is one azapi_resource read back.
type rebuilt struct {
	label      string
	typ, ver   string
	name       string // the model's name: "parent/child" for a child
	rg, scope  string
	id         idv
	record     map[string]any // the model's Map() shape, with resourceGroup
	exports    map[string]bool
	evaluating bool
}

type reader struct {
	m        *module
	done     map[string]*rebuilt
	defaults map[string]string // parameter: the ARM default a local computes
}

func newReader(m *module) *reader {
	return &reader{m: m, done: map[string]*rebuilt{}, defaults: map[string]string{}}
}

// resource reads back the azapi_resource of a label.
func (rd *reader) resource(label string) (*rebuilt, error) {
	if r, ok := rd.done[label]; ok {
		if r.evaluating {
			return nil, fmt.Errorf("azapi_resource.%s refers to itself", label)
		}
		return r, nil
	}
	b, ok := rd.m.resources[label]
	if !ok {
		return nil, fmt.Errorf("no azapi_resource.%s", label)
	}
	r := &rebuilt{label: label, evaluating: true, exports: map[string]bool{}}
	rd.done[label] = r
	if err := rd.rebuild(r, b); err != nil {
		return nil, fmt.Errorf("azapi_resource.%s: %w", label, err)
	}
	r.evaluating = false
	return r, nil
}

func (rd *reader) rebuild(r *rebuilt, b *tfBlock) error {
	for name := range b.block.Body.Attributes {
		switch name {
		case "type", "name", "parent_id", "location", "body", "tags", "response_export_values", "depends_on":
		default:
			return fmt.Errorf("unexpected attribute %s", name)
		}
	}
	get := func(name string) (any, error) {
		a := b.attr(name)
		if a == nil {
			return nil, nil
		}
		v, err := rd.eval(a.Expr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return v, nil
	}
	tv, err := get("type")
	if err != nil {
		return err
	}
	ts, _ := tv.(string)
	typ, ver, ok := strings.Cut(ts, "@")
	if !ok {
		return fmt.Errorf("type %v is not type@apiVersion", tv)
	}
	r.typ, r.ver = typ, ver
	if a := b.attr("response_export_values"); a != nil {
		v, err := rd.eval(a.Expr)
		if err != nil {
			return err
		}
		list, _ := v.([]any)
		for _, p := range list {
			r.exports[p.(string)] = true
		}
	}
	nv, err := get("name")
	if err != nil {
		return err
	}
	var name term
	switch x := nv.(type) {
	case string:
		name = term{s: x}
	case armx:
		name = term{s: string(x), isExpr: true}
	default:
		return fmt.Errorf("name is %T", nv)
	}
	pv, err := get("parent_id")
	if err != nil {
		return err
	}
	types := strings.Split(typ, "/")
	last := types[len(types)-1]
	modelName := func(names []term) string {
		var out []string
		for _, n := range names {
			if n.isExpr {
				out = append(out, "["+n.s+"]")
			} else {
				out = append(out, n.s)
			}
		}
		return strings.Join(out, "/")
	}
	extension := func(scope string, rg string) {
		r.scope = "[" + scope + "]"
		r.rg = rg
		r.id = idv{scope: scope, segs: []term{{s: "providers"}, {s: types[0]}, {s: strings.Join(types[1:], "/")}, name}}
		r.name = modelName([]term{name})
	}
	switch p := pv.(type) {
	case idv:
		ptype, pnames, isResource := p.resourceType()
		switch {
		case p.scope != "":
			return fmt.Errorf("parent_id is an extension resource")
		case len(p.segs) == 0 && typ == typeResourceGroup:
			r.id = p.with(term{s: "resourceGroups"}, name)
			r.name = name.s
		case len(p.segs) == 0 && len(types) == 2:
			r.id = p.with(term{s: "providers"}, term{s: types[0]}, term{s: types[1]}, name)
			r.name = modelName([]term{name})
		case len(p.segs) == 2 && p.segs[0].s == "resourceGroups" && len(types) == 2:
			r.id = p.with(term{s: "providers"}, term{s: types[0]}, term{s: types[1]}, name)
			r.rg = p.segs[1].s
			r.name = modelName([]term{name})
		case isResource && ptype+"/"+last == typ:
			r.id = p.with(term{s: last}, name)
			r.rg = p.resourceGroup()
			r.name = modelName(append(append([]term{}, pnames...), name))
		case isResource && len(types) == 2:
			text, err := p.text()
			if err != nil {
				return err
			}
			extension(text, p.resourceGroup())
		default:
			return fmt.Errorf("parent_id %v cannot hold a %s", p, typ)
		}
	case armx:
		if len(types) != 2 {
			return fmt.Errorf("child %s of an expression", typ)
		}
		// A scope outside the zone's resource groups (a platform DNS
		// zone): the resource belongs to none of them.
		extension(string(p), "")
	default:
		return fmt.Errorf("parent_id is %T", pv)
	}
	rec := map[string]any{"type": typ, "apiVersion": ver, "name": r.name, "resourceGroup": r.rg}
	if r.scope != "" {
		rec["scope"] = r.scope
	}
	loc, err := get("location")
	if err != nil {
		return err
	}
	if loc != nil {
		rec["location"] = materialize(loc)
	}
	body, err := get("body")
	if err != nil {
		return err
	}
	bm, ok := body.(map[string]any)
	if !ok {
		return fmt.Errorf("body is %T", body)
	}
	for k, v := range bm {
		switch k {
		case "properties", "sku", "kind", "zones":
			rec[k] = materialize(v)
		default:
			return fmt.Errorf("body key %s is not one the model has", k)
		}
	}
	tags, err := get("tags")
	if err != nil {
		return err
	}
	if tags != nil {
		rec["tags"] = materialize(tags)
	}
	if ib := b.nested("identity"); ib != nil {
		id := map[string]any{}
		for n, a := range ib.Body.Attributes {
			v, err := rd.eval(a.Expr)
			if err != nil {
				return fmt.Errorf("identity.%s: %w", n, err)
			}
			switch n {
			case "type":
				id["type"] = v
			case "identity_ids":
				ids := map[string]any{}
				list, _ := v.([]any)
				for _, x := range list {
					k, ok := materialize(x).(string)
					if !ok {
						return fmt.Errorf("identity id %v", x)
					}
					ids[k] = map[string]any{}
				}
				id["userAssignedIdentities"] = ids
			default:
				return fmt.Errorf("identity.%s", n)
			}
		}
		rec["identity"] = id
	}
	for _, nb := range b.block.Body.Blocks {
		if nb.Type != "identity" && nb.Type != "lifecycle" {
			return fmt.Errorf("unexpected block %s", nb.Type)
		}
	}
	r.record = rec
	return nil
}

// materialize spells a value as the resource model holds it: an
// expression as "[...]", a literal that ARM would take for one with its
// "[[" escape.
func materialize(v any) any {
	switch x := v.(type) {
	case armx:
		return "[" + string(x) + "]"
	case idv:
		t, err := x.text()
		if err != nil {
			return fmt.Sprintf("<bad id %v: %v>", x, err)
		}
		return "[" + t + "]"
	case string:
		if strings.HasPrefix(x, "[") && strings.HasSuffix(x, "]") {
			return "[" + x
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = materialize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = materialize(e)
		}
		return out
	}
	return v
}

// argText spells a value as an argument of an ARM function.
func argText(v any) (string, error) {
	switch x := v.(type) {
	case armx:
		return string(x), nil
	case idv:
		return x.text()
	case string:
		return armexpr.Quote(x), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	}
	return "", fmt.Errorf("%T as an ARM argument", v)
}

func (rd *reader) eval(e hclsyntax.Expression) (any, error) {
	switch x := e.(type) {
	case *hclsyntax.LiteralValueExpr:
		return ctyValue(x.Val)
	case *hclsyntax.TemplateExpr:
		return rd.template(x)
	case *hclsyntax.ParenthesesExpr:
		return rd.eval(x.Expression)
	case *hclsyntax.TupleConsExpr:
		out := []any{}
		for _, ex := range x.Exprs {
			v, err := rd.eval(ex)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case *hclsyntax.ObjectConsExpr:
		out := map[string]any{}
		for _, item := range x.Items {
			// Keys are read into the model's spelling here: a literal
			// escaped, an expression as "[...]".
			var k string
			if kw := hcl.ExprAsKeyword(item.KeyExpr); kw != "" {
				k = kw
			} else {
				kexpr := item.KeyExpr
				if w, ok := kexpr.(*hclsyntax.ObjectConsKeyExpr); ok {
					kexpr = w.Wrapped
				}
				kv, err := rd.eval(kexpr)
				if err != nil {
					return nil, fmt.Errorf("key: %w", err)
				}
				ks, ok := materialize(kv).(string)
				if !ok {
					return nil, fmt.Errorf("key %v", kv)
				}
				k = ks
			}
			if _, dup := out[k]; dup {
				return nil, fmt.Errorf("key %s twice", k)
			}
			v, err := rd.eval(item.ValueExpr)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = v
		}
		return out, nil
	case *hclsyntax.ScopeTraversalExpr:
		return rd.traversal(x.Traversal)
	case *hclsyntax.IndexExpr:
		return rd.index(x.Collection, x.Key)
	case *hclsyntax.RelativeTraversalExpr:
		if len(x.Traversal) != 1 {
			break
		}
		ti, ok := x.Traversal[0].(hcl.TraverseIndex)
		if !ok {
			break
		}
		return rd.index(x.Source, &hclsyntax.LiteralValueExpr{Val: ti.Key})
	case *hclsyntax.FunctionCallExpr:
		return rd.call(x)
	}
	return nil, fmt.Errorf("no evaluation for %T", e)
}

func ctyValue(v cty.Value) (any, error) {
	switch {
	case v.IsNull():
		return nil, nil
	case v.Type() == cty.String:
		return v.AsString(), nil
	case v.Type() == cty.Bool:
		return v.True(), nil
	case v.Type() == cty.Number:
		f, acc := v.AsBigFloat().Float64()
		if acc != big.Exact {
			return nil, fmt.Errorf("number %s loses precision", v.AsBigFloat().String())
		}
		return f, nil
	}
	return nil, fmt.Errorf("literal of type %s", v.Type().FriendlyName())
}

// template reads the only templates the module writes: a literal, an id
// followed by a literal path, or /subscriptions/ and the client's
// subscription.
func (rd *reader) template(x *hclsyntax.TemplateExpr) (any, error) {
	var parts []any
	for _, p := range x.Parts {
		v, err := rd.eval(p)
		if err != nil {
			return nil, err
		}
		parts = append(parts, v)
	}
	allLit := true
	var b strings.Builder
	for _, p := range parts {
		s, ok := p.(string)
		if !ok {
			allLit = false
			break
		}
		b.WriteString(s)
	}
	if allLit {
		return b.String(), nil
	}
	if len(parts) == 2 && parts[0] == "/subscriptions/" && parts[1] == armx("subscription().subscriptionId") {
		return idv{}, nil
	}
	id, ok := parts[0].(idv)
	if !ok {
		return nil, fmt.Errorf("template starting with %T", parts[0])
	}
	for _, p := range parts[1:] {
		s, ok := p.(string)
		if !ok || !strings.HasPrefix(s, "/") {
			return nil, fmt.Errorf("id followed by %v", p)
		}
		for _, seg := range strings.Split(s[1:], "/") {
			id = id.with(term{s: seg})
		}
	}
	return id, nil
}

func (rd *reader) traversal(t hcl.Traversal) (any, error) {
	names := make([]any, 0, len(t))
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			names = append(names, s.Name)
		case hcl.TraverseAttr:
			names = append(names, s.Name)
		case hcl.TraverseIndex:
			v, err := ctyValue(s.Key)
			if err != nil {
				return nil, err
			}
			if f, ok := v.(float64); ok {
				names = append(names, int(f))
			} else {
				names = append(names, v)
			}
		default:
			return nil, fmt.Errorf("traversal step %T", step)
		}
	}
	str := func(i int) string {
		if i < len(names) {
			s, _ := names[i].(string)
			return s
		}
		return ""
	}
	switch root := str(0); {
	case root == "var" && len(names) == 2:
		if _, ok := rd.m.variables[str(1)]; !ok {
			return nil, fmt.Errorf("var.%s is not declared", str(1))
		}
		return armx("parameters(" + armexpr.Quote(str(1)) + ")"), nil
	case root == "local" && len(names) == 2:
		a, ok := rd.m.locals[str(1)]
		if !ok {
			return nil, fmt.Errorf("local.%s is not declared", str(1))
		}
		return rd.eval(a.Expr)
	case root == "data" && len(names) == 4 && str(1) == "azapi_client_config" && str(2) == clientConfig:
		switch str(3) {
		case "tenant_id":
			return armx("subscription().tenantId"), nil
		case "subscription_id":
			return armx("subscription().subscriptionId"), nil
		}
	case root == "azapi_resource" && len(names) == 3 && str(2) == "id":
		r, err := rd.resource(str(1))
		if err != nil {
			return nil, err
		}
		return r.id, nil
	case root == "azapi_resource" && len(names) >= 4 && str(2) == "output":
		r, err := rd.resource(str(1))
		if err != nil {
			return nil, err
		}
		id, err := r.id.text()
		if err != nil {
			return nil, err
		}
		path := names[3:]
		var export []string
		for _, p := range path {
			s, ok := p.(string)
			if !ok {
				break
			}
			export = append(export, s)
		}
		if !r.exports[strings.Join(export, ".")] {
			return nil, fmt.Errorf("azapi_resource.%s does not export %s", r.label, strings.Join(export, "."))
		}
		ref := fmt.Sprintf("reference(%s, %s, 'full')", id, armexpr.Quote(r.ver))
		if path[0] == "properties" {
			ref = fmt.Sprintf("reference(%s, %s)", id, armexpr.Quote(r.ver))
			path = path[1:]
		}
		for _, p := range path {
			switch s := p.(type) {
			case int:
				ref += "[" + strconv.Itoa(s) + "]"
			case string:
				if !hclsyntax.ValidIdentifier(s) {
					return nil, fmt.Errorf("property %q", s)
				}
				ref += "." + s
			}
		}
		return armx(ref), nil
	}
	return nil, fmt.Errorf("no evaluation for %v", names)
}

func (rd *reader) index(coll, key hclsyntax.Expression) (any, error) {
	kv, err := rd.eval(key)
	if err != nil {
		return nil, err
	}
	k, ok := kv.(float64)
	if !ok {
		return nil, fmt.Errorf("index %v", kv)
	}
	if c, ok := coll.(*hclsyntax.FunctionCallExpr); ok && c.Name == "reverse" && k == 0 && len(c.Args) == 1 {
		v, err := rd.eval(c.Args[0])
		if err != nil {
			return nil, err
		}
		a, err := argText(v)
		if err != nil {
			return nil, err
		}
		return armx("last(" + a + ")"), nil
	}
	v, err := rd.eval(coll)
	if err != nil {
		return nil, err
	}
	a, ok := v.(armx)
	if !ok {
		return nil, fmt.Errorf("index of %T", v)
	}
	return armx(fmt.Sprintf("%s[%d]", a, int(k))), nil
}

func (rd *reader) call(c *hclsyntax.FunctionCallExpr) (any, error) {
	args := make([]any, len(c.Args))
	for i, a := range c.Args {
		if c.Name == "formatdate" && i == 1 {
			continue
		}
		v, err := rd.eval(a)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	texts := func(vs []any) (string, error) {
		var out []string
		for _, v := range vs {
			t, err := argText(v)
			if err != nil {
				return "", err
			}
			out = append(out, t)
		}
		return strings.Join(out, ", "), nil
	}
	switch c.Name {
	case "uuidv5":
		if len(args) != 2 || args[0] != armGUIDNamespace {
			return nil, fmt.Errorf("uuidv5 outside ARM's guid() namespace")
		}
		j, ok := c.Args[1].(*hclsyntax.FunctionCallExpr)
		if !ok || j.Name != "join" {
			return nil, fmt.Errorf("uuidv5 of something other than a join")
		}
		jargs := args[1].(armx)
		if !strings.HasPrefix(string(jargs), "concat-") {
			return nil, fmt.Errorf("uuidv5 of a join without -")
		}
		return armx("guid(" + strings.TrimPrefix(string(jargs), "concat-") + ")"), nil
	case "join":
		list, ok := args[1].([]any)
		if len(args) != 2 || !ok {
			return nil, fmt.Errorf("join of %T", args[1])
		}
		t, err := texts(list)
		if err != nil {
			return nil, err
		}
		switch args[0] {
		case "":
			return armx("concat(" + t + ")"), nil
		case "-":
			// Only as uuidv5's argument, which reads it back.
			return armx("concat-" + t), nil
		}
		return nil, fmt.Errorf("join with %v", args[0])
	case "format":
		f, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("format with a computed format")
		}
		nf, err := netFormat(f)
		if err != nil {
			return nil, err
		}
		t, err := texts(args[1:])
		if err != nil {
			return nil, err
		}
		return armx("format(" + armexpr.Quote(nf) + ", " + t + ")"), nil
	case "base64encode":
		t, err := texts(args)
		if err != nil {
			return nil, err
		}
		return armx("base64(" + t + ")"), nil
	case "split":
		if len(args) != 2 {
			return nil, fmt.Errorf("split arguments")
		}
		t, err := texts([]any{args[1], args[0]})
		if err != nil {
			return nil, err
		}
		return armx("split(" + t + ")"), nil
	case "formatdate":
		pc, ok := c.Args[1].(*hclsyntax.FunctionCallExpr)
		f, fok := args[0].(string)
		if !ok || pc.Name != "plantimestamp" || !fok {
			return nil, fmt.Errorf("formatdate other than of plantimestamp()")
		}
		nf, err := netDate(f)
		if err != nil {
			return nil, err
		}
		return armx("utcNow(" + armexpr.Quote(nf) + ")"), nil
	case "coalesce":
		// The local of a parameter whose ARM default is computed:
		// coalesce(var.x, default) is parameters('x'), with its default.
		v, ok := args[0].(armx)
		if len(args) != 2 || !ok || !strings.HasPrefix(string(v), "parameters(") {
			return nil, fmt.Errorf("coalesce other than of a variable and its default")
		}
		d, err := argText(args[1])
		if err != nil {
			return nil, err
		}
		rd.defaults[strings.Trim(strings.TrimPrefix(string(v), "parameters("), "')")] = d
		return v, nil
	}
	return nil, fmt.Errorf("no evaluation for %s()", c.Name)
}

// netFormat turns Terraform's format verbs back into a .NET composite
// format.
func netFormat(f string) (string, error) {
	var b strings.Builder
	next := 0
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case c == '%' && strings.HasPrefix(f[i:], "%%"):
			b.WriteByte('%')
			i++
		case c == '%' && strings.HasPrefix(f[i:], "%s"):
			fmt.Fprintf(&b, "{%d}", next)
			next++
			i++
		case c == '%' && strings.HasPrefix(f[i:], "%["):
			end := strings.Index(f[i:], "]s")
			n, err := strconv.Atoi(f[i+2 : i+end])
			if end < 0 || err != nil {
				return "", fmt.Errorf("format verb in %q", f)
			}
			fmt.Fprintf(&b, "{%d}", n-1)
			i += end + 1
		case c == '%':
			return "", fmt.Errorf("format verb in %q", f)
		case c == '{' || c == '}':
			b.WriteByte(c)
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func netDate(f string) (string, error) {
	r := strings.NewReplacer("YYYY", "yyyy", "DD", "dd", "hh", "HH", "'T'", "T", "'Z'", "Z")
	out := r.Replace(f)
	if strings.ContainsAny(out, "'") {
		return "", fmt.Errorf("date format %q", f)
	}
	return out, nil
}

// refs are the azapi_resource and terraform_data labels a block's
// expressions name.
func refs(b *hclsyntax.Block) (resources, barriers []string) {
	seen := map[string]bool{}
	var walk func(body *hclsyntax.Body)
	walk = func(body *hclsyntax.Body) {
		for _, a := range body.Attributes {
			for _, t := range a.Expr.Variables() {
				if len(t) < 2 {
					continue
				}
				root := t.RootName()
				at, ok := t[1].(hcl.TraverseAttr)
				if !ok || seen[root+"."+at.Name] {
					continue
				}
				seen[root+"."+at.Name] = true
				switch root {
				case "azapi_resource":
					resources = append(resources, at.Name)
				case "terraform_data":
					barriers = append(barriers, at.Name)
				}
			}
		}
		for _, nb := range body.Blocks {
			if nb.Type == "lifecycle" {
				continue
			}
			walk(nb.Body)
		}
	}
	walk(b.Body)
	sort.Strings(resources)
	sort.Strings(barriers)
	return resources, barriers
}
