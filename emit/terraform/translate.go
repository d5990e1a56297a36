package terraform

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/aizone/aizone/emit/armexpr"
)

// translator turns the values of one resource (or of an output) into
// Terraform expressions, recording the resources they refer to.
type translator struct {
	e  *emitter
	it *item // nil outside a resource
	// volatile is set while translating a value that changes on every
	// plan (a utcNow() default).
	volatile bool
	// literal writes strings as they are (a parameter's value).
	literal bool
}

// kind is what little the translator knows of an expression's type:
// enough to refuse the translations that would be wrong for a list.
type kind int

const (
	kindAny kind = iota
	kindString
	kindList
)

// value translates a generic JSON value at path (for lifecycle paths).
func (tr *translator) value(v any, path []any) (hclwrite.Tokens, error) {
	switch x := v.(type) {
	case nil:
		return hclwrite.TokensForValue(cty.NullVal(cty.DynamicPseudoType)), nil
	case bool:
		return hclwrite.TokensForValue(cty.BoolVal(x)), nil
	case json.Number:
		n, err := cty.ParseNumberVal(x.String())
		if err != nil {
			return nil, fmt.Errorf("number %s: %w", x, err)
		}
		return hclwrite.TokensForValue(n), nil
	case string:
		tr.volatile = false
		toks, err := tr.str(x)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", pathString(path), err)
		}
		if tr.volatile && tr.it != nil {
			tr.it.ignore = append(tr.it.ignore, append([]any{}, path...))
		}
		return toks, nil
	case []any:
		elems := make([]hclwrite.Tokens, 0, len(x))
		compound := false
		for i, e := range x {
			t, err := tr.value(e, append(path, i))
			if err != nil {
				return nil, err
			}
			switch e.(type) {
			case map[string]any, []any:
				compound = true
			}
			elems = append(elems, t)
		}
		if compound {
			return multilineTuple(elems), nil
		}
		return hclwrite.TokensForTuple(elems), nil
	case map[string]any:
		var attrs []hclwrite.ObjectAttrTokens
		for _, k := range slices.Sorted(maps.Keys(x)) {
			val, err := tr.value(x[k], append(path, k))
			if err != nil {
				return nil, err
			}
			name := keyTokens(k)
			if lit, expr, isExpr := armexpr.Classify(k); isExpr {
				t, _, err := tr.expr(expr)
				if err != nil {
					return nil, fmt.Errorf("%s: key: %w", pathString(path), err)
				}
				name = parenTokens(t)
			} else if lit != k {
				name = strTokens(lit)
			}
			attrs = append(attrs, hclwrite.ObjectAttrTokens{Name: name, Value: val})
		}
		return hclwrite.TokensForObject(attrs), nil
	}
	return nil, fmt.Errorf("%s: unexpected %T", pathString(path), v)
}

func pathString(path []any) string {
	var b strings.Builder
	for i, p := range path {
		switch x := p.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", x)
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, x)
		}
	}
	return b.String()
}

// str translates a string of the template: a literal (ARM's "[[" escape
// undone: Terraform passes strings through as they are) or an
// expression.
func (tr *translator) str(s string) (hclwrite.Tokens, error) {
	if tr.literal {
		return strTokens(s), nil
	}
	lit, expr, isExpr := armexpr.Classify(s)
	if !isExpr {
		return strTokens(lit), nil
	}
	toks, _, err := tr.expr(expr)
	return toks, err
}

func (tr *translator) expr(s string) (hclwrite.Tokens, kind, error) {
	n, err := armexpr.Parse(s)
	if err != nil {
		return nil, 0, err
	}
	return tr.node(n)
}

// ref is the id of a resource of the module.
func (tr *translator) ref(target *item) hclwrite.Tokens {
	if tr.it != nil {
		tr.it.refs[target.label] = true
	}
	return traversal("azapi_resource", target.label, "id")
}

// untranslatable names an expression the module cannot spell faithfully.
func untranslatable(n armexpr.Node, why string) error {
	return fmt.Errorf("cannot translate ARM expression %q: %s", n.Src(), why)
}

// untranslatableErr is untranslatable for a cause that is an error.
func untranslatableErr(n armexpr.Node, err error) error {
	return fmt.Errorf("cannot translate ARM expression %q: %w", n.Src(), err)
}

func (tr *translator) node(n armexpr.Node) (hclwrite.Tokens, kind, error) {
	switch x := n.(type) {
	case *armexpr.Str:
		return strTokens(x.S), kindString, nil
	case *armexpr.Num:
		return numTokens(x.N), kindAny, nil
	case *armexpr.Prop, *armexpr.Index:
		return tr.accessor(n)
	case *armexpr.Call:
		return tr.call(x)
	}
	return nil, 0, untranslatable(n, "unknown term")
}

func (tr *translator) call(c *armexpr.Call) (hclwrite.Tokens, kind, error) {
	args := make([]hclwrite.Tokens, len(c.Args))
	kinds := make([]kind, len(c.Args))
	translateArgs := func() error {
		for i, a := range c.Args {
			t, k, err := tr.node(a)
			if err != nil {
				return err
			}
			args[i], kinds[i] = t, k
		}
		return nil
	}
	lits, allLits := armexpr.Literals(c.Args)
	switch c.Name {
	case "parameters":
		if len(lits) != 1 || !allLits {
			return nil, 0, untranslatable(c, "parameters() takes one literal name")
		}
		p, ok := tr.e.params[lits[0]]
		if !ok {
			return nil, 0, untranslatable(c, "parameter "+lits[0]+" is not declared")
		}
		k := kindAny
		switch p.Type {
		case "string":
			k = kindString
		case "array":
			k = kindList
		}
		if tr.e.volatile[p.Name] {
			tr.volatile = true
			return traversal("local", p.Name), k, nil
		}
		return traversal("var", p.Name), k, nil
	case "resourceId":
		if !allLits || len(lits) < 3 || strings.Contains(lits[0], "/") || !strings.Contains(lits[1], "/") {
			return nil, 0, untranslatable(c, "resourceId() is translated with a literal resource group, type and names")
		}
		t, err := tr.resourceID(lits[0], lits[1], lits[2:])
		if err != nil {
			return nil, 0, untranslatableErr(c, err)
		}
		return t, kindString, nil
	case "subscriptionResourceId":
		if !allLits || len(lits) < 2 || !strings.Contains(lits[0], "/") {
			return nil, 0, untranslatable(c, "subscriptionResourceId() is translated with a literal type and names")
		}
		if it := tr.e.byKey[armexpr.Key("", lits[0], strings.Join(lits[1:], "/"))]; it != nil {
			return tr.ref(it), kindString, nil
		}
		path, err := providerPath(lits[0], lits[1:])
		if err != nil {
			return nil, 0, untranslatableErr(c, err)
		}
		return interpolate(traversal("local", subscriptionL), path), kindString, nil
	case "extensionResourceId":
		it, err := tr.e.resolve(c)
		if err != nil {
			return nil, 0, untranslatableErr(c, err)
		}
		return tr.ref(it), kindString, nil
	case "guid":
		if err := translateArgs(); err != nil {
			return nil, 0, err
		}
		if len(args) == 0 {
			return nil, 0, untranslatable(c, "guid() without arguments")
		}
		for i, k := range kinds {
			if k == kindList {
				return nil, 0, untranslatable(c.Args[i], "a list in guid()")
			}
		}
		return hclwrite.TokensForFunctionCall("uuidv5", strTokens(armGUIDNamespace),
			hclwrite.TokensForFunctionCall("join", strTokens("-"), hclwrite.TokensForTuple(args))), kindString, nil
	case "concat":
		if err := translateArgs(); err != nil {
			return nil, 0, err
		}
		// aizone concatenates strings only; ARM's concat() of arrays
		// would be Terraform's concat(), which this is not.
		for i, k := range kinds {
			if k == kindList {
				return nil, 0, untranslatable(c.Args[i], "concat() of a list")
			}
		}
		return hclwrite.TokensForFunctionCall("join", strTokens(""), hclwrite.TokensForTuple(args)), kindString, nil
	case "format":
		if len(c.Args) < 1 {
			return nil, 0, untranslatable(c, "format() without a format")
		}
		f, ok := c.Args[0].(*armexpr.Str)
		if !ok {
			return nil, 0, untranslatable(c, "format() with a computed format")
		}
		tf, err := formatString(f.S, len(c.Args)-1)
		if err != nil {
			return nil, 0, untranslatableErr(c, err)
		}
		if err := translateArgs(); err != nil {
			return nil, 0, err
		}
		return hclwrite.TokensForFunctionCall("format", append([]hclwrite.Tokens{strTokens(tf)}, args[1:]...)...), kindString, nil
	case "base64":
		if err := translateArgs(); err != nil {
			return nil, 0, err
		}
		if len(args) != 1 || kinds[0] == kindList {
			return nil, 0, untranslatable(c, "base64() takes one string")
		}
		return hclwrite.TokensForFunctionCall("base64encode", args[0]), kindString, nil
	case "split":
		if err := translateArgs(); err != nil {
			return nil, 0, err
		}
		if len(args) != 2 || kinds[1] == kindList {
			return nil, 0, untranslatable(c, "split() with an array of delimiters")
		}
		return hclwrite.TokensForFunctionCall("split", args[1], args[0]), kindList, nil
	case "last":
		if err := translateArgs(); err != nil {
			return nil, 0, err
		}
		// Terraform has no last(); reverse() is for lists only, and
		// ARM's last() of a string would be wrong as it.
		if len(args) != 1 || kinds[0] != kindList {
			return nil, 0, untranslatable(c, "last() of something not known to be a list")
		}
		return indexTokens(hclwrite.TokensForFunctionCall("reverse", args[0]), numTokens(0)), kindAny, nil
	case "utcNow":
		f := "yyyyMMddTHHmmssZ"
		if len(c.Args) == 1 {
			s, ok := c.Args[0].(*armexpr.Str)
			if !ok {
				return nil, 0, untranslatable(c, "utcNow() with a computed format")
			}
			f = s.S
		}
		tf, err := dateFormat(f)
		if err != nil {
			return nil, 0, untranslatableErr(c, err)
		}
		// plantimestamp(), unlike timestamp(), is known while planning,
		// so the plan shows the value.
		tr.volatile = true
		return hclwrite.TokensForFunctionCall("formatdate", strTokens(tf), hclwrite.TokensForFunctionCall("plantimestamp")), kindString, nil
	}
	return nil, 0, untranslatable(c, "no Terraform translation for "+c.Name+"()")
}

// accessor translates x.a.b[0]: on reference() the resource's exported
// response, on subscription() the client configuration, otherwise the
// same access on the translated expression.
func (tr *translator) accessor(n armexpr.Node) (hclwrite.Tokens, kind, error) {
	var steps []any
	base := n
chain:
	for {
		switch x := base.(type) {
		case *armexpr.Prop:
			steps = append([]any{x.Name}, steps...)
			base = x.X
		case *armexpr.Index:
			switch i := x.I.(type) {
			case *armexpr.Num:
				steps = append([]any{int(i.N)}, steps...)
			case *armexpr.Str:
				steps = append([]any{i.S}, steps...)
			default:
				return nil, 0, untranslatable(n, "an index that is computed")
			}
			base = x.X
		default:
			break chain
		}
	}
	c, _ := base.(*armexpr.Call)
	switch {
	case c != nil && c.Name == "reference":
		return tr.reference(n, c, steps)
	case c != nil && c.Name == "subscription" && len(c.Args) == 0 && len(steps) == 1:
		switch steps[0] {
		case "tenantId":
			return traversal("data", "azapi_client_config", clientConfig, "tenant_id"), kindString, nil
		case "subscriptionId":
			return traversal("data", "azapi_client_config", clientConfig, "subscription_id"), kindString, nil
		case "id":
			return traversal("local", subscriptionL), kindString, nil
		}
		return nil, 0, untranslatable(n, "no Terraform translation of this property of subscription()")
	case c != nil && (c.Name == "subscription" || c.Name == "resourceGroup" || c.Name == "deployment"):
		return nil, 0, untranslatable(n, "no Terraform translation of this property")
	}
	toks, _, err := tr.node(base)
	if err != nil {
		return nil, 0, err
	}
	for _, s := range steps {
		switch x := s.(type) {
		case int:
			toks = indexTokens(toks, numTokens(int64(x)))
		case string:
			toks = attrTokens(toks, x)
		}
	}
	return toks, kindAny, nil
}

// reference translates reference(id, apiVersion[, 'full']).path: the
// path of the resource's response that azapi exports (the properties,
// unless 'full' asks for the whole resource).
func (tr *translator) reference(n armexpr.Node, c *armexpr.Call, steps []any) (hclwrite.Tokens, kind, error) {
	if len(c.Args) < 2 || len(c.Args) > 3 {
		return nil, 0, untranslatable(n, "reference() takes an id, an apiVersion and optionally 'full'")
	}
	target, err := tr.e.resolve(c.Args[0])
	if err != nil {
		return nil, 0, untranslatableErr(n, err)
	}
	ver, ok := c.Args[1].(*armexpr.Str)
	if !ok || ver.S != target.r.APIVersion {
		// The module reads the resource with the apiVersion it deploys
		// it with; another version may shape the response otherwise.
		return nil, 0, untranslatable(n, "reference() with an apiVersion other than the resource's "+target.r.APIVersion)
	}
	full := false
	if len(c.Args) == 3 {
		if f, ok := c.Args[2].(*armexpr.Str); !ok || !strings.EqualFold(f.S, "full") {
			return nil, 0, untranslatable(n, "reference()'s third argument is not 'full'")
		}
		full = true
	}
	if len(steps) == 0 {
		return nil, 0, untranslatable(n, "reference() of a whole resource")
	}
	path := steps
	if !full {
		path = append([]any{"properties"}, steps...)
	}
	// Export the path up to its first index: azapi exports object paths.
	var export []string
	for _, s := range path {
		name, ok := s.(string)
		if !ok {
			break
		}
		if strings.Contains(name, ".") {
			return nil, 0, untranslatable(n, "a property name with a dot")
		}
		export = append(export, name)
	}
	target.exports[strings.Join(export, ".")] = true
	if tr.it != nil {
		tr.it.refs[target.label] = true
	}
	return traversal("azapi_resource", append([]any{target.label, "output"}, path...)...), kindAny, nil
}

// resourceID is the id of a resource in a resource group of the
// subscription: a reference to it when it is in the module, otherwise
// its parent's id (a subnet is its VNet's) or its resource group's,
// followed by the path to it.
func (tr *translator) resourceID(rg, typ string, names []string) (hclwrite.Tokens, error) {
	types := strings.Split(typ, "/")
	if len(types) != len(names)+1 {
		return nil, fmt.Errorf("%d names for type %s", len(names), typ)
	}
	if it := tr.e.byKey[armexpr.Key(rg, typ, strings.Join(names, "/"))]; it != nil {
		return tr.ref(it), nil
	}
	for k := len(names) - 1; k >= 1; k-- {
		parent := tr.e.byKey[armexpr.Key(rg, strings.Join(types[:k+1], "/"), strings.Join(names[:k], "/"))]
		if parent == nil {
			continue
		}
		var b strings.Builder
		for i := k; i < len(names); i++ {
			fmt.Fprintf(&b, "/%s/%s", types[i+1], names[i])
		}
		return interpolate(tr.ref(parent), b.String()), nil
	}
	path, err := providerPath(typ, names)
	if err != nil {
		return nil, err
	}
	if it := tr.e.byKey[armexpr.Key("", typeResourceGroup, rg)]; it != nil {
		return interpolate(tr.ref(it), path), nil
	}
	return interpolate(traversal("local", subscriptionL), "/resourceGroups/"+rg+path), nil
}

// providerPath is "/providers/Ns/type/name/child/name".
func providerPath(typ string, names []string) (string, error) {
	types := strings.Split(typ, "/")
	if len(types) != len(names)+1 {
		return "", fmt.Errorf("%d names for type %s", len(names), typ)
	}
	var b strings.Builder
	b.WriteString("/providers/" + types[0])
	for i, n := range names {
		fmt.Fprintf(&b, "/%s/%s", types[i+1], n)
	}
	return b.String(), nil
}

// resolve finds the resource an id expression names.
func (e *emitter) resolve(n armexpr.Node) (*item, error) {
	return armexpr.Resolve(n, e.byKey, e.ext, "the module")
}

// formatString turns a .NET composite format ("{0}/x/{1}") into
// Terraform's format verbs ("%s/x/%s", or "%[2]s" out of order).
func formatString(f string, nargs int) (string, error) {
	var b strings.Builder
	next := 0
	inOrder := true
	type hole struct{ at, arg int }
	var holes []hole
	var lit strings.Builder
	flushLit := func() {
		b.WriteString(strings.ReplaceAll(lit.String(), "%", "%%"))
		lit.Reset()
	}
	for i := 0; i < len(f); i++ {
		switch c := f[i]; {
		case c == '{' && i+1 < len(f) && f[i+1] == '{':
			lit.WriteByte('{')
			i++
		case c == '}' && i+1 < len(f) && f[i+1] == '}':
			lit.WriteByte('}')
			i++
		case c == '{':
			end := strings.IndexByte(f[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("format %q: unclosed {", f)
			}
			var n int
			if _, err := fmt.Sscanf(f[i+1:i+end], "%d", &n); err != nil || fmt.Sprint(n) != f[i+1:i+end] {
				return "", fmt.Errorf("format %q: %q is not an argument index (format specifiers are not translated)", f, f[i:i+end+1])
			}
			if n < 0 || n >= nargs {
				return "", fmt.Errorf("format %q: no argument %d", f, n)
			}
			flushLit()
			holes = append(holes, hole{b.Len(), n})
			if n != next {
				inOrder = false
			}
			next++
			b.WriteString("\x00")
			i += end
		case c == '}':
			return "", fmt.Errorf("format %q: unmatched }", f)
		default:
			lit.WriteByte(c)
		}
	}
	flushLit()
	out := b.String()
	var final strings.Builder
	h := 0
	for i := 0; i < len(out); i++ {
		if out[i] != 0 {
			final.WriteByte(out[i])
			continue
		}
		if inOrder {
			final.WriteString("%s")
		} else {
			fmt.Fprintf(&final, "%%[%d]s", holes[h].arg+1)
		}
		h++
	}
	return final.String(), nil
}

// dateFormat turns a .NET date format of utcNow() into formatdate()'s.
func dateFormat(f string) (string, error) {
	repl := []struct{ net, tf string }{
		{"yyyy", "YYYY"}, {"MM", "MM"}, {"dd", "DD"}, {"HH", "hh"}, {"mm", "mm"}, {"ss", "ss"},
	}
	var b strings.Builder
	for i := 0; i < len(f); {
		matched := false
		for _, r := range repl {
			if strings.HasPrefix(f[i:], r.net) {
				b.WriteString(r.tf)
				i += len(r.net)
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		c := f[i]
		switch {
		case c >= '0' && c <= '9' || c == '-' || c == ':' || c == '.' || c == ' ' || c == '/':
			b.WriteByte(c)
		case c == 'T' || c == 'Z':
			// Letters are formatdate() verbs unless quoted.
			b.WriteString("'" + string(c) + "'")
		default:
			return "", fmt.Errorf("date format %q: %q has no formatdate() spelling", f, string(c))
		}
		i++
	}
	return b.String(), nil
}

// identity translates an ARM identity block into azapi's: its type and
// the ids of its user-assigned identities.
func (tr *translator) identity(m map[string]any) (*identityBlock, error) {
	out := &identityBlock{}
	for k, v := range m {
		switch k {
		case "type":
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("type is %T", v)
			}
			out.typ = s
		case "userAssignedIdentities":
			ids, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("userAssignedIdentities is %T", v)
			}
			keys := make([]string, 0, len(ids))
			for id, val := range ids {
				if vm, ok := val.(map[string]any); !ok || len(vm) > 0 {
					return nil, fmt.Errorf("userAssignedIdentities[%s] is not empty", id)
				}
				keys = append(keys, id)
			}
			sort.Strings(keys)
			for _, id := range keys {
				t, err := tr.str(id)
				if err != nil {
					return nil, err
				}
				out.ids = append(out.ids, t)
			}
		default:
			return nil, fmt.Errorf("key %q has no azapi spelling", k)
		}
	}
	if out.typ == "" {
		return nil, fmt.Errorf("no type")
	}
	return out, nil
}
