package armvalidate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/aizone/aizone/policy/expr"
)

// Values only known at deployment time (a parameter without a value, a
// uniqueString, a reference) are kept as placeholders inside strings: the
// canonical text of the expression between two private-use runes. Equal
// placeholders come from equal expressions, so two names built from the same
// parameter compare equal although neither is known; a placeholder against a
// literal may be anything, so the checks that must not raise false alarms
// treat it as a wildcard.
const (
	phOpen  = '\uE000'
	phClose = '\uE001'
	phSlash = '\uE002' // a '/' inside a placeholder, so that splitting ids on '/' never cuts one
)

// Bounds on what evaluation builds: a template may double a string in each
// of many variables.
const (
	maxText        = 4096 // characters of a computed string
	maxItems       = 1024 // members of a computed array
	maxPlaceholder = 200
)

// maxDepth bounds evaluation through parameters and variables that refer to
// each other, and through hostile nesting.
const maxDepth = 64

func placeholder(text string) string {
	// Placeholders do not nest: one inside another is only text.
	text = strings.NewReplacer(string(phOpen), "", string(phClose), "").Replace(strings.ToLower(text))
	if len(text) > maxPlaceholder {
		// Long texts keep their start, for messages, and their hash, so that
		// equal texts still give equal placeholders.
		sum := sha256.Sum256([]byte(text))
		text = strings.ToValidUTF8(text[:maxPlaceholder/2], "") + "…" + hex.EncodeToString(sum[:8])
	}
	text = strings.ReplaceAll(text, "/", string(phSlash))
	return string(phOpen) + text + string(phClose)
}

// known reports whether s holds no placeholder.
func known(s string) bool { return !strings.ContainsRune(s, phOpen) }

// display renders a value with placeholders for messages.
func display(s string) string {
	return strings.NewReplacer(string(phOpen), "<", string(phClose), ">", string(phSlash), "/").Replace(s)
}

// parseExpr parses a bracketed template expression. User-defined functions
// are called with a namespace ("[__bicep.name(...)]", as Bicep compiles
// them); the policy parser reads only plain names, so the namespace dot is
// replaced first, which keeps every offset where it was.
func parseExpr(s string) (expr.Node, error) {
	return expr.ParseTemplate(qualifiedCalls(s))
}

func qualifiedCalls(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	b := []byte(s)
	inStr := false
	prev := byte('[') // last significant byte outside string literals
	for i := 1; i < len(b); i++ {
		c := b[i]
		if inStr {
			if c == '\'' {
				if i+1 < len(b) && b[i+1] == '\'' {
					i++
					continue
				}
				inStr = false
				prev = c
			}
			continue
		}
		switch {
		case c == '\'':
			inStr = true
			continue
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		case isIdentStart(c) && (prev == '[' || prev == '(' || prev == ','):
			j := i
			for j < len(b) && isIdentPart(b[j]) {
				j++
			}
			if j < len(b) && b[j] == '.' {
				k := j + 1
				for k < len(b) && isIdentPart(b[k]) {
					k++
				}
				if k > j+1 && k < len(b) && b[k] == '(' {
					b[j] = '_'
				}
			}
			i = j - 1
			prev = 'a'
			continue
		}
		prev = c
	}
	return string(b)
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentPart(c byte) bool  { return isIdentStart(c) || c >= '0' && c <= '9' }

// param is a declared parameter and what is known of its value.
type param struct {
	decl     map[string]any
	value    any // the value given by a parameters file or a nested deployment
	hasValue bool
	resolved any
	state    int // 0 not resolved, 1 resolving, 2 resolved
}

// env is where expressions are evaluated: the parameters and variables of a
// template (a nested deployment with the default "outer" scope shares its
// parent's), and the resource group resourceGroup() names.
type env struct {
	params map[string]*param // by lower-case name
	vars   map[string]any    // raw variable values by lower-case name
	loops  map[string]bool   // variables made by the variables' copy loops
	varVal map[string]any
	varSt  map[string]int
	rg     string // resource group name, or a placeholder
	// nested is set for the templates of nested deployments, where "[[...]"
	// is commonly an expression left for the nested deployment to evaluate
	// (ARM evaluates an outer-scope template twice), not a literal.
	nested bool
	// In a copy loop's member: the loop's name and the member's index.
	loop   string
	index  float64
	inLoop bool
}

// maxMembers bounds the copy loops whose members' names are computed.
const maxMembers = 256

// members computes the names of a copy loop's members, when the count is
// known.
func (e *env) members(copySpec map[string]any, rawName, loop string) []string {
	n, ok := e.deep(field(copySpec, "count"), 0).(float64)
	if !ok || n < 0 || n > maxMembers {
		return nil
	}
	out := make([]string, 0, int(n))
	for i := 0; i < int(n); i++ {
		m := *e
		m.loop, m.index, m.inLoop = loop, float64(i), true
		out = append(out, m.strValue(rawName))
	}
	return out
}

func newEnv(tpl map[string]any, values map[string]any, rg string) *env {
	e := &env{params: map[string]*param{}, vars: map[string]any{}, loops: map[string]bool{}, varVal: map[string]any{}, varSt: map[string]int{}, rg: rg}
	if ps, ok := field(tpl, "parameters").(map[string]any); ok {
		for name, d := range ps {
			dm, _ := d.(map[string]any)
			e.params[strings.ToLower(name)] = &param{decl: dm}
		}
	}
	for name, v := range values {
		if p, ok := e.params[strings.ToLower(name)]; ok {
			p.value, p.hasValue = v, true
		}
	}
	if vs, ok := field(tpl, "variables").(map[string]any); ok {
		for name, v := range vs {
			if strings.EqualFold(name, "copy") {
				// Variable loops: their variables are declared, their values stay unknown.
				loops, _ := v.([]any)
				for _, l := range loops {
					lm, _ := l.(map[string]any)
					if n, ok := field(lm, "name").(string); ok {
						e.loops[strings.ToLower(n)] = true
					}
				}
				continue
			}
			e.vars[strings.ToLower(name)] = v
		}
	}
	return e
}

func (e *env) varDeclared(name string) bool {
	key := strings.ToLower(name)
	_, ok := e.vars[key]
	return ok || e.loops[key]
}

func (e *env) param(name string, depth int) any {
	p, ok := e.params[strings.ToLower(name)]
	if !ok {
		return placeholder("parameters('" + name + "')")
	}
	switch {
	case p.state == 2:
		return p.resolved
	case p.state == 1 || depth > maxDepth:
		return placeholder("parameters('" + name + "')")
	}
	p.state = 1
	v := any(placeholder("parameters('" + name + "')"))
	if p.hasValue {
		v = p.value
	} else if d, ok := lookup(p.decl, "defaultValue"); ok {
		v = e.deep(d, depth+1)
	}
	p.resolved, p.state = v, 2
	return v
}

func (e *env) variable(name string, depth int) any {
	key := strings.ToLower(name)
	raw, ok := e.vars[key]
	switch {
	case !ok || e.varSt[key] == 1 || depth > maxDepth:
		return placeholder("variables('" + name + "')")
	case e.varSt[key] == 2:
		return e.varVal[key]
	}
	e.varSt[key] = 1
	v := e.deep(raw, depth+1)
	e.varVal[key], e.varSt[key] = v, 2
	return v
}

// deep evaluates every expression inside a JSON value.
func (e *env) deep(v any, depth int) any {
	switch x := v.(type) {
	case string:
		return e.str(x, depth)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, m := range x {
			out[k] = e.deep(m, depth+1)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, m := range x {
			out[i] = e.deep(m, depth+1)
		}
		return out
	}
	return v
}

// str evaluates a template string: an expression, an escaped literal or a
// plain literal.
func (e *env) str(s string, depth int) any {
	if e.nested && strings.HasPrefix(s, "[[") {
		return placeholder(s[1:])
	}
	if !expr.IsExpression(s) {
		return expr.Unescape(s)
	}
	n, err := parseExpr(s)
	if err != nil {
		return placeholder(s)
	}
	return e.eval(n, depth)
}

// strValue evaluates s to a string (placeholders for what is not known).
func (e *env) strValue(s string) string { return text(e.str(s, 0)) }

func (e *env) eval(n expr.Node, depth int) any {
	if depth > maxDepth {
		return placeholder(n.String())
	}
	switch x := n.(type) {
	case *expr.Lit:
		return x.V
	case *expr.Prop:
		v := e.eval(x.X, depth+1)
		if m, ok := v.(map[string]any); ok {
			if mv, ok := lookup(m, x.Name); ok {
				return mv
			}
		}
		return placeholder(canon(v) + "." + x.Name)
	case *expr.Index:
		v := e.eval(x.X, depth+1)
		i := e.eval(x.I, depth+1)
		switch iv := i.(type) {
		case string:
			if m, ok := v.(map[string]any); ok {
				if mv, ok := lookup(m, iv); ok {
					return mv
				}
			}
		case float64:
			if a, ok := v.([]any); ok && iv >= 0 && int(iv) < len(a) {
				return a[int(iv)]
			}
		}
		return placeholder(canon(v) + "[" + canon(i) + "]")
	case *expr.Call:
		return e.call(x, depth)
	}
	return placeholder(n.String())
}

// call evaluates the functions that build names and ids; any other function
// gives a placeholder made of its name and evaluated arguments.
func (e *env) call(c *expr.Call, depth int) any {
	v := e.compute(c, depth)
	switch x := v.(type) {
	case string:
		if len(x) > maxText {
			return placeholder(x)
		}
	case []any:
		if len(x) > maxItems {
			return placeholder(c.String())
		}
	}
	return v
}

func (e *env) compute(c *expr.Call, depth int) any {
	if c.Name == "if" && len(c.Args) == 3 {
		if b, ok := e.eval(c.Args[0], depth+1).(bool); ok {
			if b {
				return e.eval(c.Args[1], depth+1)
			}
			return e.eval(c.Args[2], depth+1)
		}
	}
	args := make([]any, len(c.Args))
	for i, a := range c.Args {
		args[i] = e.eval(a, depth+1)
	}
	str := func(i int) (string, bool) {
		s, ok := args[i].(string)
		return s, ok && known(s)
	}
	switch c.Name {
	case "parameters", "variables":
		if len(args) == 1 {
			if name, ok := str(0); ok {
				if c.Name == "parameters" {
					return e.param(name, depth)
				}
				return e.variable(name, depth)
			}
		}
	case "concat":
		if len(args) > 0 {
			if _, ok := args[0].([]any); ok {
				var out []any
				for _, a := range args {
					arr, ok := a.([]any)
					if !ok {
						return placeholder(callText(c.Name, args))
					}
					out = append(out, arr...)
				}
				return out
			}
		}
		var b strings.Builder
		for _, a := range args {
			b.WriteString(text(a))
		}
		return b.String()
	case "format":
		if len(args) > 0 {
			if f, ok := str(0); ok {
				if s, ok := format(f, args[1:]); ok {
					return s
				}
			}
		}
	case "tolower", "toupper":
		if len(args) == 1 {
			if s, ok := args[0].(string); ok {
				if c.Name == "tolower" {
					return outsidePlaceholders(s, strings.ToLower)
				}
				return outsidePlaceholders(s, strings.ToUpper)
			}
		}
	case "replace":
		if len(args) == 3 {
			s, ok1 := str(0)
			old, ok2 := str(1)
			repl, ok3 := str(2)
			if ok1 && ok2 && ok3 {
				return strings.ReplaceAll(s, old, repl)
			}
		}
	case "split":
		if len(args) == 2 {
			if s, ok := str(0); ok {
				if sep, ok := str(1); ok && sep != "" {
					var out []any
					for _, part := range strings.Split(s, sep) {
						out = append(out, part)
					}
					return out
				}
			}
		}
	case "length":
		if len(args) == 1 {
			switch x := args[0].(type) {
			case []any:
				return float64(len(x))
			case map[string]any:
				return float64(len(x))
			case string:
				if known(x) {
					return float64(len([]rune(x)))
				}
			}
		}
	case "string":
		if len(args) == 1 {
			switch args[0].(type) {
			case string, float64, bool:
				return text(args[0])
			}
		}
	case "copyindex":
		if e.inLoop {
			offset, loop := 0.0, ""
			for _, a := range args {
				switch x := a.(type) {
				case float64:
					offset = x
				case string:
					loop = x
				}
			}
			if loop == "" || strings.EqualFold(loop, e.loop) {
				return e.index + offset
			}
		}
	case "resourcegroup":
		if len(args) == 0 {
			return map[string]any{"name": e.rg}
		}
	case "resourceid", "subscriptionresourceid", "tenantresourceid", "extensionresourceid":
		if id, ok := resourceID(c.Name, args, e.rg); ok {
			return id
		}
	}
	return placeholder(callText(c.Name, args))
}

func callText(name string, args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = canon(a)
	}
	return name + "(" + strings.Join(parts, ", ") + ")"
}

// format implements the composite formatting format() uses, for plain
// {n} items; an item with a format specifier becomes a placeholder.
func format(f string, args []any) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c == '{' && i+1 < len(f) && f[i+1] == '{' || c == '}' && i+1 < len(f) && f[i+1] == '}' {
			b.WriteByte(c)
			i++
			continue
		}
		if c != '{' {
			b.WriteByte(c)
			continue
		}
		end := strings.IndexByte(f[i:], '}')
		if end < 0 {
			return "", false
		}
		item := f[i+1 : i+end]
		spec := ""
		if k := strings.IndexAny(item, ":,"); k >= 0 {
			item, spec = item[:k], item[k:]
		}
		n, err := strconv.Atoi(strings.TrimSpace(item))
		if err != nil || n < 0 || n >= len(args) {
			return "", false
		}
		if spec != "" {
			b.WriteString(placeholder("format(" + canon(args[n]) + spec + ")"))
		} else {
			b.WriteString(text(args[n]))
		}
		i += end
	}
	return b.String(), true
}

// outsidePlaceholders applies f to the literal parts of s.
func outsidePlaceholders(s string, f func(string) string) string {
	var b strings.Builder
	for s != "" {
		i := strings.IndexRune(s, phOpen)
		if i < 0 {
			b.WriteString(f(s))
			break
		}
		b.WriteString(f(s[:i]))
		j := strings.IndexRune(s[i:], phClose)
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		j += i + len(string(phClose))
		b.WriteString(s[i:j])
		s = s[j:]
	}
	return b.String()
}

// text converts a value to the string concat() would make of it.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case bool:
		if x {
			return "True"
		}
		return "False"
	case float64:
		return expr.FormatNumber(x)
	}
	return placeholder(canon(v))
}

// canon is a value's text in placeholders: strings as they are, anything
// else as JSON.
func canon(v any) string {
	switch x := v.(type) {
	case string:
		return "'" + x + "'"
	case float64:
		return expr.FormatNumber(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}

// resourceID builds the id the resourceId functions return, from evaluated
// arguments. As ARM does, the resource type is the first argument holding a
// '/': arguments before it are the subscription and resource group.
func resourceID(fn string, args []any, rg string) (string, bool) {
	strs := make([]string, len(args))
	ti := -1
	for i, a := range args {
		strs[i] = text(a)
		if ti < 0 && strings.Contains(strs[i], "/") && (fn != "extensionresourceid" || i > 0) {
			ti = i
		}
	}
	if ti < 0 {
		return "", false
	}
	sub := placeholder("subscription().subscriptionId")
	var prefix string
	switch fn {
	case "resourceid":
		switch ti {
		case 0:
		case 1:
			rg = strs[0]
		case 2:
			sub, rg = strs[0], strs[1]
		default:
			return "", false
		}
		prefix = "/subscriptions/" + sub + "/resourceGroups/" + rg
	case "subscriptionresourceid":
		switch ti {
		case 0:
		case 1:
			sub = strs[0]
		default:
			return "", false
		}
		prefix = "/subscriptions/" + sub
	case "tenantresourceid":
		if ti != 0 {
			return "", false
		}
	case "extensionresourceid":
		if ti != 1 {
			return "", false
		}
		prefix = strings.TrimSuffix(strs[0], "/")
	}
	types := strings.Split(strings.Trim(strs[ti], "/"), "/")
	names := strings.Split(strings.Join(strs[ti+1:], "/"), "/")
	var b strings.Builder
	b.WriteString(prefix + "/providers/" + types[0])
	for i, t := range types[1:] {
		b.WriteString("/" + t)
		if i < len(names) {
			b.WriteString("/" + names[i])
		}
	}
	return b.String(), true
}

// ref is what a dependsOn entry or resource id points at.
type ref struct {
	rg, typ, name string // rg "" when the id does not say
}

// parseRef reads a resource id ("/subscriptions/.../providers/NS/t/n"), or
// the "NS/t/n" form dependsOn accepts. Plain names give false.
func parseRef(s string) (ref, bool) {
	s = strings.TrimSpace(s)
	low := strings.ToLower(s)
	if i := strings.LastIndex(low, "/providers/"); i >= 0 {
		r, ok := typeAndName(s[i+len("/providers/"):])
		if j := strings.Index(low[:i], "/resourcegroups/"); j >= 0 {
			r.rg, _, _ = strings.Cut(s[j+len("/resourcegroups/"):i], "/")
		}
		return r, ok
	}
	if strings.HasPrefix(low, "/subscriptions/") {
		seg := strings.Split(s, "/")
		if len(seg) == 5 && strings.EqualFold(seg[3], "resourceGroups") {
			return ref{typ: "Microsoft.Resources/resourceGroups", name: seg[4]}, true
		}
		return ref{}, false
	}
	if ns, _, ok := strings.Cut(s, "/"); ok && strings.Contains(ns, ".") && known(ns) {
		return typeAndName(s)
	}
	return ref{}, false
}

// typeAndName splits "NS/t1/n1/t2/n2" into type "NS/t1/t2" and name "n1/n2".
func typeAndName(s string) (ref, bool) {
	seg := strings.Split(s, "/")
	if len(seg) < 3 || len(seg)%2 == 0 {
		return ref{}, false
	}
	types, names := []string{seg[0]}, []string{}
	for i := 1; i < len(seg); i += 2 {
		types = append(types, seg[i])
		names = append(names, seg[i+1])
	}
	return ref{typ: strings.Join(types, "/"), name: strings.Join(names, "/")}, true
}

// Match levels: whether two strings, each possibly holding placeholders,
// name the same thing.
const (
	noMatch = iota
	mayMatch
	sameName
)

func matchText(a, b string) int {
	switch {
	case strings.EqualFold(a, b):
		return sameName
	case known(a) && known(b):
		return noMatch
	case known(a):
		if glob(b, a) {
			return mayMatch
		}
		return noMatch
	case known(b):
		if glob(a, b) {
			return mayMatch
		}
		return noMatch
	}
	return mayMatch
}

// glob matches the known string s against pattern, in which every
// placeholder stands for any text; case-insensitive.
func glob(pattern, s string) bool {
	var parts []string
	rest := strings.ToLower(pattern)
	for {
		i := strings.IndexRune(rest, phOpen)
		if i < 0 {
			parts = append(parts, rest)
			break
		}
		parts = append(parts, rest[:i])
		j := strings.IndexRune(rest[i:], phClose)
		if j < 0 {
			parts = append(parts, "")
			break
		}
		rest = rest[i+j+len(string(phClose)):]
	}
	s = strings.ToLower(s)
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return len(parts) > 1 && strings.HasSuffix(s, last) || len(parts) == 1 && s == ""
}

// lookup reads a JSON object member case-insensitively, as ARM does.
func lookup(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// field is lookup without the second result, for optional members.
func field(m map[string]any, key string) any {
	v, _ := lookup(m, key)
	return v
}

// fieldKey returns the member's key as written, for paths.
func fieldKey(m map[string]any, key string) string {
	if _, ok := m[key]; ok {
		return key
	}
	for k := range m {
		if strings.EqualFold(k, key) {
			return k
		}
	}
	return key
}
