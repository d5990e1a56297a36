package bicep

import (
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/aizone/aizone/emit/armexpr"
	"github.com/aizone/aizone/emit/equiv"
)

// Read reads the files Files writes (main.bicep, main.bicepparam and the
// modules, by path) back into the resource model's terms: every resource
// as the ARM template would hold it, the order Bicep deploys them in (its
// references, parent, scope and dependsOn, within a file and between
// modules), the outputs and the parameters. It reads the subset of Bicep
// that Files writes and refuses anything else with its file:line:col.
func Read(files map[string][]byte) (*equiv.Model, error) {
	rd := &reader{files: map[string]*rfile{}}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if name == FileParams {
			continue
		}
		if !strings.HasSuffix(name, ".bicep") {
			return nil, fmt.Errorf("%s: not a Bicep file", name)
		}
		decls, err := parseFile(name, files[name], false)
		if err != nil {
			return nil, err
		}
		f, err := rd.declare(name, decls)
		if err != nil {
			return nil, err
		}
		rd.files[name] = f
	}
	main := rd.files[FileMain]
	if main == nil {
		return nil, fmt.Errorf("no %s", FileMain)
	}
	if main.target != "subscription" {
		return nil, errAt(Pos{File: FileMain, Line: 1, Col: 1}, "main.bicep deploys at subscription scope (targetScope = 'subscription')")
	}
	main.kind = kindMain
	m := &equiv.Model{Records: map[string]equiv.Record{}, Order: equiv.Graph{}, Outputs: map[string]string{}, Params: map[string]equiv.Param{}}
	rd.m = m
	if err := rd.bindModules(main); err != nil {
		return nil, err
	}
	for _, name := range slices.Sorted(maps.Keys(rd.files)) {
		f := rd.files[name]
		if f != main && f.caller == nil {
			return nil, errAt(Pos{File: name, Line: 1, Col: 1}, "no module deploys this file")
		}
	}
	if err := rd.bindArgs(main); err != nil {
		return nil, err
	}
	for _, name := range slices.Sorted(maps.Keys(rd.files)) {
		if err := rd.records(rd.files[name]); err != nil {
			return nil, err
		}
	}
	rd.moduleOrder(main)
	if err := rd.mainOutputs(main); err != nil {
		return nil, err
	}
	if err := rd.params(main, files[FileParams]); err != nil {
		return nil, err
	}
	return m, nil
}

type reader struct {
	files map[string]*rfile
	m     *equiv.Model
}

// rfile is one Bicep file being read.
type rfile struct {
	name    string
	kind    fileKind
	target  string
	rg      string // kindGroup
	plat    string // kindPlatform: the template parameter holding its group's id
	caller  *rfile
	mod     *rsym // the module declaration in the caller
	params  map[string]*decl
	args    map[string]any // param -> value from the caller
	vars    map[string]*decl
	syms    map[string]*rsym
	outputs []*decl
	order   []*rsym // resources and modules, in file order
}

// rsym is a resource or module symbol.
type rsym struct {
	d        *decl
	f        *rfile
	module   bool
	existing bool
	typ, ver string
	body     map[string]objProp
	// Resolved identity.
	state int // 0 new, 1 resolving, 2 resolved
	names []string
	rg    string // "" at the subscription or in the platform's group
	plat  string // in the platform's group named by this parameter
	scope string // an extension resource's scope, as the model spells it
	refs  map[*rsym]bool
	key   string
}

func (rd *reader) declare(name string, decls []decl) (*rfile, error) {
	f := &rfile{name: name, kind: kindGroup, params: map[string]*decl{}, vars: map[string]*decl{}, syms: map[string]*rsym{}, args: map[string]any{}}
	seen := map[string]Pos{}
	for i := range decls {
		d := &decls[i]
		if d.kind != "targetScope" && d.kind != "output" {
			if p, dup := seen[d.name]; dup {
				return nil, errAt(d.pos, "%s is declared twice (first at %s)", d.name, p)
			}
			seen[d.name] = d.pos
		}
		switch d.kind {
		case "targetScope":
			s, ok := d.value.(*strExpr)
			lit, isLit := "", false
			if ok {
				lit, isLit = s.literal()
			}
			if !isLit || (lit != "subscription" && lit != "resourceGroup") {
				return nil, errAt(d.pos, "targetScope is 'subscription' or 'resourceGroup'")
			}
			f.target = lit
		case "param":
			if !d.hasDesc {
				return nil, errAt(d.pos, "param %s has no @description", d.name)
			}
			f.params[d.name] = d
		case "var":
			f.vars[d.name] = d
		case "output":
			if d.typ != "string" {
				return nil, errAt(d.pos, "output %s: aizone's outputs are strings", d.name)
			}
			f.outputs = append(f.outputs, d)
		case "resource", "module":
			s := &rsym{d: d, f: f, module: d.kind == "module", existing: d.existing, body: map[string]objProp{}, refs: map[*rsym]bool{}}
			if !s.module {
				typ, ver, ok := strings.Cut(d.typ, "@")
				if !ok || strings.Count(typ, "/") < 1 || ver == "" {
					return nil, errAt(d.pos, "resource %s: type %q is not Namespace/type@apiVersion", d.name, d.typ)
				}
				s.typ, s.ver = typ, ver
			}
			allowed := resourceKeys
			switch {
			case s.module:
				allowed = moduleKeys
			case s.existing:
				allowed = existingKeys
			}
			for _, p := range d.value.(*objExpr).props {
				if p.keyX != nil || !allowed[p.key] {
					return nil, errAt(p.pos, "%s %s: property %s is not one aizone writes", d.kind, d.name, p.key)
				}
				if _, dup := s.body[p.key]; dup {
					return nil, errAt(p.pos, "%s %s: property %s twice", d.kind, d.name, p.key)
				}
				s.body[p.key] = p
			}
			if _, ok := s.body["name"]; !ok {
				return nil, errAt(d.pos, "%s %s has no name", d.kind, d.name)
			}
			f.syms[d.name] = s
			f.order = append(f.order, s)
		default:
			return nil, errAt(d.pos, "%s declarations are not read here", d.kind)
		}
	}
	return f, nil
}

var (
	resourceKeys = map[string]bool{"parent": true, "scope": true, "name": true, "location": true, "kind": true, "sku": true, "identity": true, "zones": true, "tags": true, "properties": true, "dependsOn": true}
	existingKeys = map[string]bool{"parent": true, "scope": true, "name": true}
	moduleKeys   = map[string]bool{"name": true, "scope": true, "params": true, "dependsOn": true}
)

// bindModules follows the module declarations from f: each names its
// file, where it deploys and its parameters' values.
func (rd *reader) bindModules(f *rfile) error {
	for _, s := range f.order {
		if !s.module {
			continue
		}
		target := path.Clean(path.Join(path.Dir(f.name), s.d.typ))
		g := rd.files[target]
		if g == nil {
			return errAt(s.d.pos, "module %s: no file %s", s.d.name, target)
		}
		if g.caller != nil {
			return errAt(s.d.pos, "module %s: %s is already deployed by %s", s.d.name, target, g.mod.d.name)
		}
		if g.target != "" && g.target != "resourceGroup" {
			return errAt(Pos{File: g.name, Line: 1, Col: 1}, "a module deploys at resourceGroup scope")
		}
		g.caller, g.mod = f, s
		sc, ok := s.body["scope"]
		if !ok {
			return errAt(s.d.pos, "module %s has no scope", s.d.name)
		}
		switch {
		case f.kind == kindMain:
			rg, err := rd.groupScope(f, s, sc.val)
			if err != nil {
				return err
			}
			g.kind, g.rg = kindGroup, rg
		case f.kind == kindGroup:
			p, err := platformScope(f, sc.val)
			if err != nil {
				return err
			}
			g.kind, g.plat = kindPlatform, p
		default:
			return errAt(s.d.pos, "a module in a platform module")
		}
		if err := rd.bindModules(g); err != nil {
			return err
		}
	}
	return nil
}

// groupScope reads a module's scope in main.bicep: a resource group
// resource of main.bicep, or resourceGroup('name').
func (rd *reader) groupScope(f *rfile, s *rsym, x expr) (string, error) {
	switch v := x.(type) {
	case *identExpr:
		rg := f.syms[v.name]
		if rg == nil || rg.module || rg.typ != typeResourceGroup {
			return "", errAt(v.pos, "module %s: scope %s is not a resource group of main.bicep", s.d.name, v.name)
		}
		s.refs[rg] = true
		n, ok := rg.body["name"].val.(*strExpr)
		if !ok {
			return "", errAt(rg.d.pos, "a resource group's name is a string")
		}
		name, ok := n.literal()
		if !ok {
			return "", errAt(n.pos, "a resource group's name is a plain string")
		}
		return name, nil
	case *callExpr:
		if v.name == "resourceGroup" && len(v.args) == 1 {
			if n, ok := v.args[0].(*strExpr); ok {
				if name, ok := n.literal(); ok {
					return name, nil
				}
			}
		}
	}
	return "", errAt(x.at(), "module %s: scope is a resource group of main.bicep or resourceGroup('name')", s.d.name)
}

// platformScope reads resourceGroup(split(P, '/')[2], last(split(P, '/'))):
// the resource group whose id the parameter P holds.
func platformScope(f *rfile, x expr) (string, error) {
	bad := errAt(x.at(), "a platform module's scope is resourceGroup(split(P, '/')[2], last(split(P, '/'))) for a parameter P")
	c, ok := x.(*callExpr)
	if !ok || c.name != "resourceGroup" || len(c.args) != 2 {
		return "", bad
	}
	splitOf := func(e expr) string {
		s, ok := e.(*callExpr)
		if !ok || s.name != "split" || len(s.args) != 2 {
			return ""
		}
		id, ok := s.args[0].(*identExpr)
		sep, ok2 := s.args[1].(*strExpr)
		if !ok || !ok2 || f.params[id.name] == nil {
			return ""
		}
		if lit, ok := sep.literal(); !ok || lit != "/" {
			return ""
		}
		return id.name
	}
	ix, ok := c.args[0].(*indexExpr)
	if !ok {
		return "", bad
	}
	if i, ok := ix.i.(*intExpr); !ok || i.text != "2" {
		return "", bad
	}
	p := splitOf(ix.x)
	last, ok := c.args[1].(*callExpr)
	if p == "" || !ok || last.name != "last" || len(last.args) != 1 || splitOf(last.args[0]) != p {
		return "", bad
	}
	return p, nil
}

// armx is an ARM expression, without its brackets.
type armx string

// value evaluation context: the file and the symbol whose references are
// being collected.
type ctx struct {
	rd   *reader
	f    *rfile
	refs map[*rsym]bool
}

func (c *ctx) eval(x expr) (any, error) {
	switch v := x.(type) {
	case *strExpr:
		return c.str(v)
	case *intExpr:
		return json.Number(v.text), nil
	case *identExpr:
		switch v.name {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
		return c.ident(v)
	case *objExpr:
		out := map[string]any{}
		for _, p := range v.props {
			k := armexpr.Literal(p.key)
			if p.keyX != nil {
				kv, err := c.str(p.keyX)
				if err != nil {
					return nil, err
				}
				x, ok := kv.(armx)
				if !ok {
					return nil, errAt(p.pos, "an interpolated key is one expression")
				}
				k = "[" + string(x) + "]"
			}
			if _, dup := out[k]; dup {
				return nil, errAt(p.pos, "property %s twice", p.key)
			}
			val, err := c.eval(p.val)
			if err != nil {
				return nil, err
			}
			m, err := c.materialize(val, p.val.at())
			if err != nil {
				return nil, err
			}
			out[k] = m
		}
		return out, nil
	case *arrExpr:
		out := make([]any, 0, len(v.items))
		for _, it := range v.items {
			val, err := c.eval(it)
			if err != nil {
				return nil, err
			}
			m, err := c.materialize(val, it.at())
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
		return out, nil
	case *callExpr:
		return c.call(v)
	case *propExpr, *indexExpr:
		return c.access(x)
	}
	return nil, errAt(x.at(), "unexpected expression")
}

// materialize spells a value as the model holds it: an expression as
// "[...]", a literal string with ARM's "[[" escape where it needs one.
func (c *ctx) materialize(v any, at Pos) (any, error) {
	switch x := v.(type) {
	case armx:
		return "[" + string(x) + "]", nil
	case string:
		return armexpr.Literal(x), nil
	case *rsym, scopeVal:
		return nil, errAt(at, "a resource, module or scope is not a value (write .id)")
	}
	return v, nil
}

// scopeVal is resourceGroup('name').
type scopeVal struct{ rg string }

func (c *ctx) ident(v *identExpr) (any, error) {
	if s := c.f.syms[v.name]; s != nil {
		if !s.existing && !s.module {
			c.refs[s] = true
		}
		if s.module {
			c.refs[s] = true
		}
		return s, nil
	}
	if d := c.f.params[v.name]; d != nil {
		if c.f.kind == kindMain {
			return armx("parameters(" + armexpr.Quote(v.name) + ")"), nil
		}
		val, ok := c.f.args[v.name]
		if !ok {
			return nil, errAt(v.pos, "parameter %s: the deploying module passes no value", v.name)
		}
		return val, nil
	}
	if d := c.f.vars[v.name]; d != nil {
		return c.eval(d.value)
	}
	return nil, errAt(v.pos, "%s is not declared in %s", v.name, c.f.name)
}

// argText spells a value as an argument of an ARM function.
func argText(v any, at Pos) (string, error) {
	switch x := v.(type) {
	case armx:
		return string(x), nil
	case string:
		return armexpr.Quote(x), nil
	case json.Number:
		return x.String(), nil
	}
	return "", errAt(at, "%T is not an argument aizone writes", v)
}

// calls are the functions of the subset and how many arguments each
// takes (-1: one or more).
var calls = map[string]int{"guid": -1, "format": -1, "concat": -1, "base64": 1, "split": 2, "last": 1, "subscriptionResourceId": -1, "utcNow": 1, "json": 1, "resourceGroup": 1, "subscription": 0}

func (c *ctx) call(v *callExpr) (any, error) {
	n, ok := calls[v.name]
	if !ok {
		return nil, errAt(v.pos, "function %s is not one aizone writes", v.name)
	}
	if n >= 0 && len(v.args) != n || n < 0 && len(v.args) == 0 {
		return nil, errAt(v.pos, "%s takes %d arguments, not %d", v.name, n, len(v.args))
	}
	args := make([]any, len(v.args))
	for i, a := range v.args {
		val, err := c.eval(a)
		if err != nil {
			return nil, err
		}
		args[i] = val
	}
	switch v.name {
	case "json":
		s, ok := args[0].(string)
		if !ok {
			return nil, errAt(v.pos, "json() takes a number as a string")
		}
		var num json.Number
		if err := json.Unmarshal([]byte(s), &num); err != nil {
			return nil, errAt(v.pos, "json(%q) is not a number", s)
		}
		return num, nil
	case "resourceGroup":
		s, ok := args[0].(string)
		if !ok {
			return nil, errAt(v.pos, "resourceGroup() takes a literal name here")
		}
		return scopeVal{s}, nil
	case "subscription":
		return armx("subscription()"), nil
	}
	texts := make([]string, len(args))
	for i, a := range args {
		t, err := argText(a, v.args[i].at())
		if err != nil {
			return nil, err
		}
		texts[i] = t
	}
	return armx(v.name + "(" + strings.Join(texts, ", ") + ")"), nil
}

// access reads x.a[0].b: on a resource symbol its id, its properties
// (reference()) or its other top-level values (reference(..., 'full'));
// on a module its outputs; otherwise the same access in ARM.
func (c *ctx) access(x expr) (any, error) {
	var st []any
	base := x
	for {
		switch v := base.(type) {
		case *propExpr:
			st = append([]any{v.name}, st...)
			base = v.x
			continue
		case *indexExpr:
			i, err := c.eval(v.i)
			if err != nil {
				return nil, err
			}
			switch iv := i.(type) {
			case json.Number:
				n, err := iv.Int64()
				if err != nil || n < 0 {
					return nil, errAt(v.pos, "index %s", iv)
				}
				st = append([]any{int(n)}, st...)
			case string:
				st = append([]any{iv}, st...)
			default:
				return nil, errAt(v.pos, "an index is an integer or a string")
			}
			base = v.x
			continue
		}
		break
	}
	b, err := c.eval(base)
	if err != nil {
		return nil, err
	}
	switch v := b.(type) {
	case *rsym:
		if v.module {
			return c.moduleOutput(v, st, x.at())
		}
		id, err := c.rd.idText(v)
		if err != nil {
			return nil, err
		}
		switch {
		case len(st) == 1 && st[0] == "id":
			return armx(id), nil
		case len(st) > 1 && st[0] == "properties":
			return armx(stepsText("reference("+id+", "+armexpr.Quote(v.ver)+")", st[1:])), nil
		case len(st) > 1:
			if s, ok := st[0].(string); ok && s != "name" && s != "type" && s != "apiVersion" {
				return armx(stepsText("reference("+id+", "+armexpr.Quote(v.ver)+", 'full')", st)), nil
			}
		}
		return nil, errAt(x.at(), "%s: aizone reads a resource's id, properties or identity", v.d.name)
	case armx:
		return armx(stepsText(string(v), st)), nil
	}
	return nil, errAt(x.at(), "%T has no properties", b)
}

func stepsText(base string, st []any) string {
	var b strings.Builder
	b.WriteString(base)
	for _, s := range st {
		switch v := s.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", v)
		case string:
			if identRe.MatchString(v) {
				b.WriteString("." + v)
			} else {
				b.WriteString("[" + armexpr.Quote(v) + "]")
			}
		}
	}
	return b.String()
}

func (c *ctx) moduleOutput(s *rsym, st []any, at Pos) (any, error) {
	if len(st) != 2 || st[0] != "outputs" {
		return nil, errAt(at, "module %s: aizone reads a module's outputs.NAME", s.d.name)
	}
	name, _ := st[1].(string)
	var target *rfile
	for _, f := range c.rd.files {
		if f.mod == s {
			target = f
		}
	}
	for _, o := range target.outputs {
		if o.name == name {
			return (&ctx{rd: c.rd, f: target, refs: map[*rsym]bool{}}).eval(o.value)
		}
	}
	return nil, errAt(at, "module %s has no output %s", s.d.name, name)
}

// str reads a string: a literal, one interpolated expression, a subnet's
// id ('${vnet.id}/subnets/name'), or any other interpolation as format().
func (c *ctx) str(v *strExpr) (any, error) {
	if lit, ok := v.literal(); ok {
		return lit, nil
	}
	vals := make([]any, len(v.parts))
	for i, p := range v.parts {
		if !p.isExpr {
			vals[i] = p.lit
			continue
		}
		val, err := c.eval(p.expr)
		if err != nil {
			return nil, err
		}
		vals[i] = val
	}
	if len(vals) == 1 {
		if x, ok := vals[0].(armx); ok {
			return x, nil
		}
	}
	if len(v.parts) == 2 && v.parts[0].isExpr && !v.parts[1].isExpr {
		if pe, ok := v.parts[0].expr.(*propExpr); ok && pe.name == "id" {
			if id, ok := pe.x.(*identExpr); ok {
				if s := c.f.syms[id.name]; s != nil && s.typ == typeVNet {
					if sub, ok := strings.CutPrefix(v.parts[1].lit, "/subnets/"); ok && !strings.Contains(sub, "/") {
						if err := c.rd.resolve(s); err != nil {
							return nil, err
						}
						if s.rg == "" || len(s.names) != 1 {
							return nil, errAt(v.pos, "a subnet of a VNet outside the zone's resource groups")
						}
						return armx(fmt.Sprintf("resourceId(%s, '%s', %s, %s)", armexpr.Quote(s.rg), typeSubnet, armexpr.Quote(s.names[0]), armexpr.Quote(sub))), nil
					}
				}
			}
		}
	}
	var f strings.Builder
	var args []string
	for i, val := range vals {
		if !v.parts[i].isExpr {
			f.WriteString(strings.NewReplacer("{", "{{", "}", "}}").Replace(val.(string)))
			continue
		}
		t, err := argText(val, v.parts[i].expr.at())
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&f, "{%d}", len(args))
		args = append(args, t)
	}
	return armx("format(" + strings.Join(append([]string{armexpr.Quote(f.String())}, args...), ", ") + ")"), nil
}

// resolve works out a resource symbol's names, group and scope.
func (rd *reader) resolve(s *rsym) error {
	switch s.state {
	case 2:
		return nil
	case 1:
		return errAt(s.d.pos, "%s refers to itself through its name, parent or scope", s.d.name)
	}
	s.state = 1
	c := &ctx{rd: rd, f: s.f, refs: s.refs}
	nv, err := c.eval(s.body["name"].val)
	if err != nil {
		return err
	}
	var own string
	switch n := nv.(type) {
	case string:
		if n == "" || strings.Contains(n, "/") {
			return errAt(s.body["name"].pos, "%s: a name is one non-empty segment (a child names its parent with parent:)", s.d.name)
		}
		own = n
	case armx:
		own = "[" + string(n) + "]"
	default:
		return errAt(s.body["name"].pos, "%s: name is a string", s.d.name)
	}
	switch s.f.kind {
	case kindGroup:
		s.rg = s.f.rg
	case kindPlatform:
		s.plat = s.f.plat
	}
	types := strings.Split(s.typ, "/")
	parent, hasParent := s.body["parent"]
	scope, hasScope := s.body["scope"]
	switch {
	case hasParent:
		pv, err := c.eval(parent.val)
		if err != nil {
			return err
		}
		p, ok := pv.(*rsym)
		if !ok || p.module {
			return errAt(parent.pos, "%s: parent is a resource symbol", s.d.name)
		}
		if err := rd.resolve(p); err != nil {
			return err
		}
		if p.scope != "" || p.typ+"/"+types[len(types)-1] != s.typ || strings.HasPrefix(own, "[") {
			return errAt(parent.pos, "%s: %s is not the parent of a %s", s.d.name, p.d.name, s.typ)
		}
		s.names = append(append([]string{}, p.names...), own)
		s.rg, s.plat = p.rg, p.plat
		if hasScope {
			return errAt(scope.pos, "%s: a child resource takes its parent's scope", s.d.name)
		}
	case hasScope:
		sv, err := c.eval(scope.val)
		if err != nil {
			return err
		}
		switch x := sv.(type) {
		case scopeVal:
			if !s.existing || s.f.kind != kindGroup {
				return errAt(scope.pos, "%s: resourceGroup() scopes an existing resource of a group's module", s.d.name)
			}
			s.rg = x.rg
		case *rsym:
			if s.existing || x.module || len(types) != 2 {
				return errAt(scope.pos, "%s: a resource symbol scopes an extension resource", s.d.name)
			}
			id, err := rd.idText(x)
			if err != nil {
				return err
			}
			s.scope = "[" + id + "]"
			s.rg = x.rg
			if x.plat != "" {
				// The platform's resources belong to none of the zone's
				// groups.
				s.rg = ""
			}
		default:
			return errAt(scope.pos, "%s: scope is a resource symbol or resourceGroup('name')", s.d.name)
		}
		s.names = []string{own}
	default:
		if len(types) != 2 {
			return errAt(s.d.pos, "%s: a child type without parent:", s.d.name)
		}
		s.names = []string{own}
	}
	s.state = 2
	return nil
}

// idText spells a resource's id as the model does.
func (rd *reader) idText(s *rsym) (string, error) {
	if err := rd.resolve(s); err != nil {
		return "", err
	}
	name := strings.Join(s.names, "/")
	rec := equiv.Record{"type": s.typ, "name": name, "resourceGroup": s.rg, "scope": s.scope}
	if s.plat != "" && s.scope == "" {
		m := strings.Split(s.typ, "/")
		if len(m) != 2 || strings.HasPrefix(name, "[") {
			return "", errAt(s.d.pos, "%s: only a top-level resource of the platform's group is read", s.d.name)
		}
		return fmt.Sprintf("format('{0}/providers/%s/{1}', parameters(%s), %s)", s.typ, armexpr.Quote(s.plat), armexpr.Quote(name)), nil
	}
	if s.rg == "" && s.scope == "" && s.f.kind != kindMain {
		return "", errAt(s.d.pos, "%s: a subscription resource outside main.bicep", s.d.name)
	}
	return equiv.IDText(rec), nil
}

// records reads the deployed resources of a file and the order within it.
func (rd *reader) records(f *rfile) error {
	for _, s := range f.order {
		if s.module || s.existing {
			if s.existing {
				if err := rd.resolve(s); err != nil {
					return err
				}
			}
			continue
		}
		if err := rd.resolve(s); err != nil {
			return err
		}
		rec := equiv.Record{"type": s.typ, "apiVersion": s.ver, "name": strings.Join(s.names, "/"), "resourceGroup": s.rg}
		if s.scope != "" {
			rec["scope"] = s.scope
		}
		c := &ctx{rd: rd, f: f, refs: s.refs}
		for _, k := range []string{"location", "kind", "sku", "identity", "zones", "tags", "properties"} {
			p, ok := s.body[k]
			if !ok {
				continue
			}
			v, err := c.eval(p.val)
			if err != nil {
				return err
			}
			m, err := c.materialize(v, p.pos)
			if err != nil {
				return err
			}
			rec[k] = m
		}
		if _, ok := rec["properties"]; !ok {
			return errAt(s.d.pos, "%s has no properties (aizone writes them, empty or not)", s.d.name)
		}
		if p, ok := s.body["dependsOn"]; ok {
			arr, ok := p.val.(*arrExpr)
			if !ok {
				return errAt(p.pos, "dependsOn is an array of symbols")
			}
			for _, it := range arr.items {
				id, ok := it.(*identExpr)
				if !ok || f.syms[id.name] == nil || f.syms[id.name].module || f.syms[id.name].existing {
					return errAt(it.at(), "dependsOn names resources this file deploys")
				}
				s.refs[f.syms[id.name]] = true
			}
		}
		s.key = equiv.Key(rec)
		if _, dup := rd.m.Records[s.key]; dup {
			return errAt(s.d.pos, "a second %s", s.key)
		}
		rd.m.Records[s.key] = rec
	}
	for _, s := range f.order {
		if s.module || s.existing {
			continue
		}
		for r := range s.refs {
			if r != s && !r.module && !r.existing && r.f == f {
				rd.m.Order.Edge(r.key, s.key)
			}
		}
	}
	return nil
}

// members are the keys of the resources a module deploys, its own
// modules' included.
func (rd *reader) members(f *rfile) []string {
	var out []string
	for _, s := range f.order {
		if !s.module && !s.existing {
			out = append(out, s.key)
		}
	}
	for _, g := range rd.files {
		if g.caller == f {
			out = append(out, rd.members(g)...)
		}
	}
	sort.Strings(out)
	return out
}

// moduleFile is the file a module symbol deploys.
func (rd *reader) moduleFile(s *rsym) *rfile {
	for _, h := range rd.files {
		if h.mod == s {
			return h
		}
	}
	return nil
}

// bindArgs reads the module declarations of f and below: their names,
// the values they pass their files' parameters, and what they wait for.
func (rd *reader) bindArgs(f *rfile) error {
	for _, s := range f.order {
		if !s.module {
			continue
		}
		g := rd.moduleFile(s)
		c := &ctx{rd: rd, f: f, refs: s.refs}
		if nv, err := c.eval(s.body["name"].val); err != nil {
			return err
		} else if _, ok := nv.(string); !ok {
			return errAt(s.body["name"].pos, "a module's name is a plain string")
		}
		if p, ok := s.body["params"]; ok {
			obj, ok := p.val.(*objExpr)
			if !ok {
				return errAt(p.pos, "params is an object")
			}
			for _, a := range obj.props {
				if a.keyX != nil || g.params[a.key] == nil {
					return errAt(a.pos, "module %s: %s has no parameter %s", s.d.name, g.name, a.key)
				}
				if _, dup := g.args[a.key]; dup {
					return errAt(a.pos, "module %s: %s twice", s.d.name, a.key)
				}
				v, err := c.eval(a.val)
				if err != nil {
					return err
				}
				g.args[a.key] = v
			}
		}
		for name := range g.params {
			if _, ok := g.args[name]; !ok {
				return errAt(s.d.pos, "module %s passes no value for %s", s.d.name, name)
			}
		}
		if p, ok := s.body["dependsOn"]; ok {
			arr, ok := p.val.(*arrExpr)
			if !ok {
				return errAt(p.pos, "dependsOn is an array of symbols")
			}
			for _, it := range arr.items {
				id, ok := it.(*identExpr)
				if !ok || f.syms[id.name] == nil || f.syms[id.name].existing {
					return errAt(it.at(), "dependsOn names resources or modules of this file")
				}
				s.refs[f.syms[id.name]] = true
			}
		}
		if err := rd.bindArgs(g); err != nil {
			return err
		}
	}
	return nil
}

// moduleOrder orders the modules of f and below: every resource of a
// module waits for its scope, for what its arguments name and for what
// its dependsOn names (all of a module's resources, for a module).
func (rd *reader) moduleOrder(f *rfile) {
	for _, s := range f.order {
		if !s.module {
			continue
		}
		g := rd.moduleFile(s)
		mine := rd.members(g)
		for r := range s.refs {
			var from []string
			switch {
			case r.module:
				from = rd.members(rd.moduleFile(r))
			case !r.existing:
				from = []string{r.key}
			}
			for _, a := range from {
				for _, b := range mine {
					rd.m.Order.Edge(a, b)
				}
			}
		}
		rd.moduleOrder(g)
	}
}

func (rd *reader) mainOutputs(main *rfile) error {
	c := &ctx{rd: rd, f: main, refs: map[*rsym]bool{}}
	for _, o := range main.outputs {
		v, err := c.eval(o.value)
		if err != nil {
			return err
		}
		x, ok := v.(armx)
		if !ok {
			return errAt(o.pos, "output %s is an expression", o.name)
		}
		if _, dup := rd.m.Outputs[o.name]; dup {
			return errAt(o.pos, "output %s twice", o.name)
		}
		rd.m.Outputs[o.name] = "[" + string(x) + "]"
	}
	return nil
}

// params reads main.bicep's parameters and their values in
// main.bicepparam.
func (rd *reader) params(main *rfile, file []byte) error {
	c := &ctx{rd: rd, f: main, refs: map[*rsym]bool{}}
	for name, d := range main.params {
		p := equiv.Param{Type: d.typ, Description: d.desc}
		if d.value != nil {
			v, err := c.eval(d.value)
			if err != nil {
				return err
			}
			if p.Default, err = c.materialize(v, d.pos); err != nil {
				return err
			}
		}
		rd.m.Params[name] = p
	}
	if file == nil {
		return fmt.Errorf("no %s", FileParams)
	}
	decls, err := parseFile(FileParams, file, true)
	if err != nil {
		return err
	}
	if len(decls) == 0 || decls[0].kind != "using" || decls[0].typ != FileMain {
		return errAt(Pos{File: FileParams, Line: 1, Col: 1}, "a parameters file starts with using '%s'", FileMain)
	}
	for _, d := range decls[1:] {
		if d.kind != "param" {
			return errAt(d.pos, "using stands once, first")
		}
		p, ok := rd.m.Params[d.name]
		if !ok {
			return errAt(d.pos, "main.bicep has no parameter %s", d.name)
		}
		if p.HasValue {
			return errAt(d.pos, "%s is set twice", d.name)
		}
		v, err := literalOnly(d.value)
		if err != nil {
			return err
		}
		p.Value, p.HasValue = v, true
		rd.m.Params[d.name] = p
	}
	return nil
}

// literalOnly reads a parameter's value: literals only.
func literalOnly(x expr) (any, error) {
	switch v := x.(type) {
	case *strExpr:
		if s, ok := v.literal(); ok {
			return s, nil
		}
	case *intExpr:
		return json.Number(v.text), nil
	case *identExpr:
		switch v.name {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	case *arrExpr:
		out := []any{}
		for _, it := range v.items {
			e, err := literalOnly(it)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		return out, nil
	case *objExpr:
		out := map[string]any{}
		for _, p := range v.props {
			if p.keyX != nil {
				break
			}
			e, err := literalOnly(p.val)
			if err != nil {
				return nil, err
			}
			out[p.key] = e
		}
		if len(out) == len(v.props) {
			return out, nil
		}
	}
	return nil, errAt(x.at(), "a parameter's value is a literal")
}
