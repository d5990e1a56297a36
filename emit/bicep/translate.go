package bicep

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/aizone/aizone/emit/armexpr"
	"github.com/aizone/aizone/resources"
)

// bx is a Bicep expression being written: an inline expression (raw), an
// object or an array, laid out over lines when printed.
type bx interface{}

type raw string

type bObj []bKV

type bKV struct {
	key string // as written: an identifier or a string
	val bx
}

type bArr []bx

// translator spells the values of one resource (or output, or module
// argument) of file f in Bicep, recording the deployed resources of the
// file it names in refs.
type translator struct {
	e    *emitter
	f    *file
	it   *item
	refs map[string]bool
	// utcNow allows utcNow(), which Bicep takes only in a parameter's
	// default.
	utcNow bool
}

func (tr *translator) ref(sym string) {
	switch {
	case tr.it != nil:
		tr.it.refs[sym] = true
	case tr.refs != nil:
		tr.refs[sym] = true
	}
}

// value translates a generic JSON value.
func (tr *translator) value(v any) (bx, error) {
	switch x := v.(type) {
	case nil:
		return raw("null"), nil
	case bool:
		return raw(fmt.Sprint(x)), nil
	case json.Number:
		return numberLit(x), nil
	case string:
		return tr.str(x)
	case []any:
		arr := make(bArr, 0, len(x))
		for i, e := range x {
			t, err := tr.value(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			arr = append(arr, t)
		}
		return arr, nil
	case map[string]any:
		obj := make(bObj, 0, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			val, err := tr.value(x[k])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			lit, expr, isExpr := armexpr.Classify(k)
			name := keyText(lit)
			if isExpr {
				t, err := tr.expr(expr)
				if err != nil {
					return nil, fmt.Errorf("key %s: %w", k, err)
				}
				name = "'${" + t + "}'"
			}
			obj = append(obj, bKV{name, val})
		}
		return obj, nil
	}
	return nil, fmt.Errorf("unexpected %T", v)
}

// numberLit writes an integer as it is; Bicep has no other number
// literal, so a fraction goes through json().
func numberLit(n json.Number) raw {
	s := n.String()
	if strings.ContainsAny(s, ".eE") {
		return raw("json(" + quote(s) + ")")
	}
	return raw(s)
}

// str translates a string of the model: a literal (ARM's "[[" escape
// undone: Bicep writes the escape itself when it compiles) or an
// expression.
func (tr *translator) str(s string) (bx, error) {
	lit, expr, isExpr := armexpr.Classify(s)
	if !isExpr {
		return raw(quote(lit)), nil
	}
	t, err := tr.expr(expr)
	if err != nil {
		return nil, err
	}
	return raw(t), nil
}

func (tr *translator) expr(s string) (string, error) {
	n, err := armexpr.Parse(s)
	if err != nil {
		return "", err
	}
	return tr.node(n)
}

func untranslatable(n armexpr.Node, why string) error {
	return fmt.Errorf("cannot spell ARM expression %q in Bicep: %s", n.Src(), why)
}

// node translates one expression term.
func (tr *translator) node(n armexpr.Node) (string, error) {
	if tr.f.kind == kindPlatform {
		if t, ok, err := tr.hoist(n); ok || err != nil {
			return t, err
		}
	}
	switch x := n.(type) {
	case *armexpr.Str:
		return quote(x.S), nil
	case *armexpr.Num:
		return x.Text, nil
	case *armexpr.Prop, *armexpr.Index:
		return tr.accessor(n)
	case *armexpr.Call:
		return tr.call(x)
	}
	return "", untranslatable(n, "unknown term")
}

// passThrough are the functions Bicep has under the same name and with
// the same meaning, written as they are.
var passThrough = map[string]bool{"guid": true, "format": true, "concat": true, "base64": true, "split": true, "last": true}

func (tr *translator) call(c *armexpr.Call) (string, error) {
	lits, allLits := armexpr.Literals(c.Args)
	switch c.Name {
	case "parameters":
		if len(lits) != 1 || !allLits {
			return "", untranslatable(c, "parameters() takes one literal name")
		}
		if _, ok := tr.e.params[lits[0]]; !ok {
			return "", untranslatable(c, "parameter "+lits[0]+" is not declared")
		}
		tr.f.params[lits[0]] = true
		return lits[0], nil
	case "resourceId":
		if !allLits || len(lits) < 3 || strings.Contains(lits[0], "/") || !strings.Contains(lits[1], "/") {
			return "", untranslatable(c, "resourceId() is spelled with a literal resource group, type and names")
		}
		t, err := tr.resourceID(lits[0], lits[1], lits[2:])
		if err != nil {
			return "", untranslatable(c, err.Error())
		}
		return t, nil
	case "subscriptionResourceId":
		if !allLits || len(lits) < 2 || !strings.Contains(lits[0], "/") {
			return "", untranslatable(c, "subscriptionResourceId() is spelled with a literal type and names")
		}
		if it := tr.e.byKey[armexpr.Key("", lits[0], strings.Join(lits[1:], "/"))]; it != nil {
			if it.file != tr.f {
				return "", untranslatable(c, "a subscription resource named outside main.bicep")
			}
			tr.ref(it.sym)
			return it.sym + ".id", nil
		}
		// Not the zone's (a built-in role definition): Bicep's function
		// of the same name.
		return tr.passCall(c)
	case "extensionResourceId":
		it, err := tr.e.resolve(c)
		if err != nil {
			return "", untranslatable(c, err.Error())
		}
		if it.file != tr.f {
			return "", untranslatable(c, "an extension resource of another file")
		}
		tr.ref(it.sym)
		return it.sym + ".id", nil
	case "utcNow":
		if !tr.utcNow {
			return "", untranslatable(c, "utcNow() outside a parameter's default")
		}
		return tr.passCall(c)
	}
	if passThrough[c.Name] {
		return tr.passCall(c)
	}
	return "", untranslatable(c, "no Bicep spelling of "+c.Name+"()")
}

func (tr *translator) passCall(c *armexpr.Call) (string, error) {
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		t, err := tr.node(a)
		if err != nil {
			return "", err
		}
		args[i] = t
	}
	return c.Name + "(" + strings.Join(args, ", ") + ")", nil
}

// steps splits x.a[0].b into its base and accessors.
func steps(n armexpr.Node) (armexpr.Node, []any, error) {
	var out []any
	for {
		switch x := n.(type) {
		case *armexpr.Prop:
			out = append([]any{x.Name}, out...)
			n = x.X
		case *armexpr.Index:
			switch i := x.I.(type) {
			case *armexpr.Num:
				out = append([]any{int(i.N)}, out...)
			case *armexpr.Str:
				out = append([]any{i.S}, out...)
			default:
				return nil, nil, untranslatable(x, "an index that is computed")
			}
			n = x.X
		default:
			return n, out, nil
		}
	}
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func accessText(base string, st []any) string {
	var b strings.Builder
	b.WriteString(base)
	for _, s := range st {
		switch x := s.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", x)
		case string:
			if identRe.MatchString(x) {
				b.WriteString("." + x)
			} else {
				b.WriteString("[" + quote(x) + "]")
			}
		}
	}
	return b.String()
}

// accessor translates x.a.b[0]: on reference() the resource's symbol,
// on subscription() Bicep's subscription(), otherwise the same access on
// the translated term.
func (tr *translator) accessor(n armexpr.Node) (string, error) {
	base, st, err := steps(n)
	if err != nil {
		return "", err
	}
	c, _ := base.(*armexpr.Call)
	switch {
	case c != nil && c.Name == "reference":
		return tr.reference(n, c, st)
	case c != nil && c.Name == "subscription" && len(c.Args) == 0 && len(st) == 1:
		switch st[0] {
		case "tenantId", "subscriptionId", "id":
			return accessText("subscription()", st), nil
		}
		return "", untranslatable(n, "no Bicep spelling of this property of subscription()")
	case c != nil && (c.Name == "subscription" || c.Name == "resourceGroup" || c.Name == "deployment"):
		return "", untranslatable(n, "no Bicep spelling of this property")
	}
	t, err := tr.node(base)
	if err != nil {
		return "", err
	}
	return accessText(t, st), nil
}

// reference translates reference(id, apiVersion[, 'full']).path: the
// symbol's properties.path, or the symbol's path with 'full'.
func (tr *translator) reference(n armexpr.Node, c *armexpr.Call, st []any) (string, error) {
	if len(c.Args) < 2 || len(c.Args) > 3 {
		return "", untranslatable(n, "reference() takes an id, an apiVersion and optionally 'full'")
	}
	id, ok := c.Args[0].(*armexpr.Call)
	if !ok {
		return "", untranslatable(n, "reference() of a computed id")
	}
	target, err := tr.e.resolve(id)
	if err != nil {
		return "", untranslatable(n, err.Error())
	}
	if lits, _ := armexpr.Literals(id.Args); id.Name == "resourceId" && len(lits) > 1 && lits[1] == typeSubnet {
		return "", untranslatable(n, "reference() of a subnet")
	}
	ver, ok := c.Args[1].(*armexpr.Str)
	if !ok || ver.S != target.r.APIVersion {
		// A symbol reads its resource with the apiVersion it declares.
		return "", untranslatable(n, "reference() with an apiVersion other than the resource's "+target.r.APIVersion)
	}
	path := st
	if len(c.Args) == 3 {
		if f, ok := c.Args[2].(*armexpr.Str); !ok || !strings.EqualFold(f.S, "full") {
			return "", untranslatable(n, "reference()'s third argument is not 'full'")
		}
	} else {
		path = append([]any{"properties"}, st...)
	}
	if len(st) == 0 {
		return "", untranslatable(n, "reference() of a whole resource")
	}
	sym, err := tr.symbolOf(target)
	if err != nil {
		return "", untranslatable(n, err.Error())
	}
	return accessText(sym, path), nil
}

// symbolOf is the symbol by which the file names a resource of the
// model: its own, or an existing declaration.
func (tr *translator) symbolOf(it *item) (string, error) {
	if it.r.Scope != "" {
		if it.file != tr.f {
			return "", fmt.Errorf("an extension resource of another file")
		}
		tr.ref(it.sym)
		return it.sym, nil
	}
	types := strings.Split(it.r.Type, "/")
	names := strings.Split(it.r.Name, "/")
	if len(names) != len(types)-1 {
		return "", fmt.Errorf("name %q does not match the segments of type %s", it.r.Name, it.r.Type)
	}
	return tr.resourceSymbol(it.r.ResourceGroup, it.r.Type, names, true)
}

// resourceID is the id of a resource of the zone: its symbol's id, or for
// a subnet its VNet's id and the path to it.
func (tr *translator) resourceID(rg, typ string, names []string) (string, error) {
	if typ == typeSubnet && len(names) == 2 && tr.e.byKey[armexpr.Key(rg, typ, strings.Join(names, "/"))] == nil {
		vnet, err := tr.resourceSymbol(rg, typeVNet, names[:1], true)
		if err != nil {
			return "", err
		}
		return "'${" + vnet + ".id}/subnets/" + escape(names[1]) + "'", nil
	}
	sym, err := tr.resourceSymbol(rg, typ, names, true)
	if err != nil {
		return "", err
	}
	return sym + ".id", nil
}

// resourceSymbol is the symbol naming a resource of the zone in the file:
// the resource when the file deploys it, otherwise an existing
// declaration (a subnet is always one, its parent the VNet). record says
// whether a deployed symbol counts as a reference of what is translated.
func (tr *translator) resourceSymbol(rg, typ string, names []string, record bool) (string, error) {
	full := strings.Join(names, "/")
	it := tr.e.byKey[armexpr.Key(rg, typ, full)]
	if it != nil && it.file == tr.f {
		if record {
			tr.ref(it.sym)
		}
		return it.sym, nil
	}
	ver := ""
	switch {
	case it != nil:
		ver = it.r.APIVersion
	case typ == typeSubnet && len(names) == 2:
		vnet := tr.e.byKey[armexpr.Key(rg, typeVNet, names[0])]
		if vnet == nil {
			return "", fmt.Errorf("subnet %s of no VNet of the zone", full)
		}
		ver = vnet.r.APIVersion
	default:
		return "", fmt.Errorf("%s %s in %s is no resource of the zone", typ, full, rg)
	}
	if tr.f.kind == kindMain || rg == "" {
		return "", fmt.Errorf("%s %s: no existing declaration at the subscription", typ, full)
	}
	k := armexpr.Key(rg, typ, full)
	if ex := tr.f.existing[k]; ex != nil {
		return ex.sym, nil
	}
	types := strings.Split(typ, "/")
	ex := &existingDecl{typ: typ, ver: ver, name: names[len(names)-1]}
	if len(types) > 2 {
		parent, err := tr.resourceSymbol(rg, strings.Join(types[:len(types)-1], "/"), names[:len(names)-1], false)
		if err != nil {
			return "", err
		}
		ex.parent = parent
	} else if rg != tr.f.rg {
		ex.scopeRG = rg
	}
	ex.sym = tr.f.claim(symbolFor(typ, full, ""))
	tr.f.existing[k] = ex
	return ex.sym, nil
}

// scope translates an extension resource's scope to the symbol of the
// resource it applies to.
func (tr *translator) scope(s string) (bx, error) {
	_, expr, isExpr := armexpr.Classify(s)
	if !isExpr {
		return nil, fmt.Errorf("scope %q is not an expression", s)
	}
	n, err := armexpr.Parse(expr)
	if err != nil {
		return nil, err
	}
	if tr.f.kind == kindPlatform {
		if sym, ok, err := tr.platformResource(n); ok || err != nil {
			return raw(sym), err
		}
	}
	c, ok := n.(*armexpr.Call)
	lits, all := []string(nil), false
	if ok {
		lits, all = armexpr.Literals(c.Args)
	}
	if !ok || c.Name != "resourceId" || !all || len(lits) < 3 {
		return nil, untranslatable(n, "a scope other than a resource of the zone")
	}
	sym, err := tr.resourceSymbol(lits[0], lits[1], lits[2:], true)
	if err != nil {
		return nil, untranslatable(n, err.Error())
	}
	return raw(sym), nil
}

var platformFormat = regexp.MustCompile(`^\{0\}/providers/([A-Za-z0-9.]+)/([A-Za-z0-9]+)/\{1\}$`)

// platformResource spells, in a platform module, the id of a resource in
// the platform's resource group (format('{0}/providers/T/{1}',
// parameters('P'), 'name'), P being the group's id) as an existing
// resource of the module's own group.
func (tr *translator) platformResource(n armexpr.Node) (string, bool, error) {
	c, ok := n.(*armexpr.Call)
	if !ok || c.Name != "format" || len(c.Args) != 3 {
		return "", false, nil
	}
	f, ok1 := c.Args[0].(*armexpr.Str)
	p, ok2 := c.Args[1].(*armexpr.Call)
	name, ok3 := c.Args[2].(*armexpr.Str)
	if !ok1 || !ok2 || !ok3 || p.Name != "parameters" || len(p.Args) != 1 {
		return "", false, nil
	}
	if pn, ok := p.Args[0].(*armexpr.Str); !ok || pn.S != tr.f.platformParam {
		return "", false, nil
	}
	m := platformFormat.FindStringSubmatch(f.S)
	if m == nil {
		return "", false, nil
	}
	typ := m[1] + "/" + m[2]
	ver := resources.APIVersion(typ)
	if ver == "" {
		return "", true, untranslatable(n, "no apiVersion known for "+typ)
	}
	k := armexpr.Key("", typ, name.S)
	if ex := tr.f.existing[k]; ex != nil {
		return ex.sym, true, nil
	}
	ex := &existingDecl{typ: typ, ver: ver, name: name.S}
	ex.sym = tr.f.claim(symbolFor(typ, name.S, ""))
	tr.f.existing[k] = ex
	return ex.sym, true, nil
}

// hoist spells, in a platform module, what the module cannot name in its
// own resource group (the zone's resources, the template's parameters):
// a module parameter, whose value the caller's module passes.
func (tr *translator) hoist(n armexpr.Node) (string, bool, error) {
	if sym, ok, err := tr.platformResource(n); ok || err != nil {
		return sym + ".id", ok, err
	}
	base, st, err := steps(n)
	if err != nil {
		return "", false, nil
	}
	c, ok := base.(*armexpr.Call)
	if !ok {
		return "", false, nil
	}
	var name, typ string
	switch {
	case c.Name == "reference" && len(st) > 0:
		id, _ := c.Args[0].(*armexpr.Call)
		target, err := tr.e.resolve(id)
		if err != nil {
			return "", true, untranslatable(n, err.Error())
		}
		name, typ = lowerFirst(camel(target.r.Name)+camel(fmt.Sprint(st[len(st)-1]))), "string"
	case c.Name == "resourceId" && len(st) == 0:
		lits, _ := armexpr.Literals(c.Args)
		name, typ = lowerFirst(camel(lits[len(lits)-1])+"Id"), "string"
	case c.Name == "parameters" && len(st) == 0:
		lits, _ := armexpr.Literals(c.Args)
		if len(lits) != 1 {
			return "", true, untranslatable(n, "parameters() takes one literal name")
		}
		p, ok := tr.e.params[lits[0]]
		if !ok {
			return "", true, untranslatable(n, "parameter "+lits[0]+" is not declared")
		}
		name, typ = p.Name, p.Type
	default:
		return "", false, nil
	}
	if h := tr.f.hoisted[n.Src()]; h != nil {
		return h.name, true, nil
	}
	caller := &translator{e: tr.e, f: tr.f.caller, refs: map[string]bool{}}
	v, err := caller.node(n)
	if err != nil {
		return "", true, err
	}
	for s := range caller.refs {
		tr.f.moduleDeps = append(tr.f.moduleDeps, s)
	}
	h := &hoist{name: tr.f.claim(name), typ: typ, desc: "From the deploying module: " + n.Src(), caller: raw(v)}
	tr.f.hoisted[n.Src()] = h
	return h.name, true, nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// quote spells s as a Bicep string literal.
func quote(s string) string { return "'" + escape(s) + "'" }

// escape escapes what a Bicep string cannot hold as it is: the
// backslash, the quote, "${" (which would start an interpolation) and
// control characters.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\'':
			b.WriteString(`\'`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '$' && i+1 < len(s) && s[i+1] == '{':
			b.WriteString(`\$`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\u{%X}`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// keyText writes an object key: an identifier as it is, anything else
// quoted.
func keyText(k string) string {
	if identRe.MatchString(k) {
		return k
	}
	return quote(k)
}
