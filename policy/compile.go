package policy

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/aizone/aizone/policy/expr"
)

// Compiled is a definition compiled once for many evaluations: conditions
// are trees of typed nodes, aliases are resolved to paths, expressions are
// parsed. It is safe for concurrent use.
type Compiled struct {
	Def *Definition

	mode     string // "all", "indexed" or the provider mode as written
	provider bool   // a resource provider mode (Microsoft.Kubernetes.Data, ...)
	cond     node
	effect   *valueSrc
	details  *details
	aliases  AliasTable
	// Aliases resolved by the fallback, sorted.
	fallbacks []string
	// guard is the rule's leading condition on the resource type, when it
	// has one (see typeGuard); Bind turns it into the list of types the
	// rule can match, so that most resources are dismissed with a string
	// comparison.
	guard     []*condNode
	static    []*valueSrc // expressions that depend only on parameters
	dynFields []*dynField
	fieldFns  sync.Map // cache of field() arguments resolved at run time
	// reads are the property paths of the resource the rule can read;
	// readArgs the field() arguments that depend only on parameters,
	// resolved for each assignment; readAll is set when a path is known
	// only per resource. See (*Bound).Reads.
	reads    []readPath
	readArgs []expr.Node
	readAll  bool
}

// valueSrc is a literal or an expression. Static expressions depend only on
// parameters and are evaluated once per assignment (Bind); the others per
// resource.
type valueSrc struct {
	lit    any
	node   expr.Node
	text   string
	static bool
	slot   int
	// tmpl holds a JSON object or array containing expressions (details of
	// append/modify/deployIfNotExists), evaluated recursively.
	tmpl any
}

// dynField is a "field" whose name is an expression, e.g.
// "[concat('tags[', parameters('tagName'), ']')]".
type dynField struct {
	src    *valueSrc
	scopes []compileScope
	slot   int
}

type compiler struct {
	aliases   AliasTable
	fallbacks map[string]bool
	static    []*valueSrc
	dynFields []*dynField
	// What the authoring limits count (see limits below).
	conds       int
	funcs       int
	valueCounts int
	fieldCounts map[string]int
	// What the rule reads of a resource (see Compiled.reads); skipReads
	// while compiling what is checked but never evaluated.
	reads     []readPath
	readArgs  []expr.Node
	readAll   bool
	skipReads bool
}

// Azure Policy's limits on the structure of a policy rule, which it
// enforces when a definition is created or assigned ("Policy rule limits"
// in the policy rule structure reference); expr enforces those on single
// expressions.
const (
	// maxIfConditions is the most conditions the "if" may hold.
	maxIfConditions = 4096
	// maxExistenceConditions is the most an existenceCondition may hold.
	maxExistenceConditions = 128
	// maxFunctions is the most function calls a policy rule may make.
	maxFunctions = 2048
	// maxFieldCounts is the most field count expressions over one array.
	maxFieldCounts = 5
	// maxValueCounts is the most value count expressions in a rule.
	maxValueCounts = 10
	// maxValueCountIterations is the most members a value count may
	// iterate over, counting those of the value counts it is nested in.
	maxValueCountIterations = 100
)

// limitErr is a compile error for a rule over one of Azure's limits.
func limitErr(path, format string, args ...any) error {
	return &Error{Path: path, Err: fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), expr.ErrLimit)}
}

// countFuncs adds the function calls of n to the rule's count.
func (c *compiler) countFuncs(n expr.Node, path string) error {
	expr.Walk(n, func(m expr.Node) {
		if _, ok := m.(*expr.Call); ok {
			c.funcs++
		}
	})
	if c.funcs > maxFunctions {
		return limitErr(path, "the policy rule calls more than %d functions, the most Azure Policy allows", maxFunctions)
	}
	return nil
}

func (c *compiler) noteFallback(alias string) {
	if c.fallbacks == nil {
		c.fallbacks = map[string]bool{}
	}
	c.fallbacks[alias] = true
}

// dynamicFuncs are the expression functions whose value depends on the
// resource or the moment of evaluation.
var dynamicFuncs = []string{"field", "current", "resourcegroup", "subscription", "requestcontext", "utcnow", "policy", "newguid", "deployment", "tenant", "environment"}

// value compiles a JSON value that may be an expression string.
func (c *compiler) value(v any, path string) (*valueSrc, error) {
	s, ok := v.(string)
	if !ok || !expr.IsExpression(s) {
		if ok {
			v = expr.Unescape(s)
		}
		return &valueSrc{lit: v, slot: -1}, nil
	}
	n, err := expr.Parse(s)
	if err != nil {
		return nil, &Error{Path: path, Err: err}
	}
	if err := c.countFuncs(n, path); err != nil {
		return nil, err
	}
	c.exprReads(n)
	vs := &valueSrc{node: n, text: s, slot: -1}
	if !expr.Uses(n, dynamicFuncs...) {
		vs.static = true
		vs.slot = len(c.static)
		c.static = append(c.static, vs)
	}
	return vs, nil
}

// tree compiles a JSON value that may contain expressions anywhere inside
// (template=true: an embedded ARM template, syntax-checked only).
func (c *compiler) tree(v any, path string, template bool) (*valueSrc, error) {
	var hasExpr bool
	var check func(v any, path string) error
	check = func(v any, path string) error {
		switch x := v.(type) {
		case string:
			if expr.IsExpression(x) {
				hasExpr = true
				if template {
					// ARM evaluates the template, with its own limits.
					_, err := expr.ParseTemplate(x)
					if err != nil {
						return &Error{Path: path, Err: err}
					}
					return nil
				}
				n, err := expr.Parse(x)
				if err != nil {
					return &Error{Path: path, Err: err}
				}
				c.exprReads(n)
				return c.countFuncs(n, path)
			}
		case []any:
			for i, el := range x {
				if err := check(el, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		case map[string]any:
			for _, k := range sortedKeys(x) {
				if err := check(x[k], path+"."+k); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := check(v, path); err != nil {
		return nil, err
	}
	if template {
		// ARM evaluates (and unescapes) an embedded template itself.
		return &valueSrc{lit: v, slot: -1}, nil
	}
	if !hasExpr {
		return &valueSrc{lit: unescapeTree(v), slot: -1}, nil
	}
	return &valueSrc{tmpl: v, slot: -1}, nil
}

// unescapeTree returns a copy of v with every "[[" literal unescaped. It
// runs once per definition, at compile time.
func unescapeTree(v any) any {
	switch x := v.(type) {
	case string:
		return expr.Unescape(x)
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			out[i] = unescapeTree(el)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, el := range x {
			out[k] = unescapeTree(el)
		}
		return out
	}
	return v
}

// node is a compiled condition.
type node interface {
	eval(c *evalCtx) (bool, error)
	// why evaluates like eval and also returns the reasons that decided the
	// outcome; neg is set under an odd number of "not"s.
	why(c *evalCtx, neg bool) (bool, []string, error)
}

type allOfNode struct{ kids []node }
type anyOfNode struct{ kids []node }
type notNode struct{ kid node }

type condNode struct {
	path     string
	op       op
	field    *fieldRef
	dynField *dynField
	value    *valueSrc
	count    *countNode
	rhs      *valueSrc
}

type countNode struct {
	field *fieldRef // the counted array ([*] path), or nil for a value count
	value *valueSrc
	name  string
	where node
	scope compileScope
	disp  string // display(), computed once
}

// Compile compiles a definition with an alias table; nil means
// DefaultAliases().
func Compile(d *Definition, aliases AliasTable) (*Compiled, error) {
	cp, err := compile(d, aliases)
	if err != nil {
		return nil, withFile(d.File, withSource(d.src, err))
	}
	return cp, nil
}

// Compile compiles the definition with the default alias mapping.
func (d *Definition) Compile() (*Compiled, error) { return Compile(d, nil) }

func compile(d *Definition, aliases AliasTable) (*Compiled, error) {
	if aliases == nil {
		aliases = DefaultAliases()
	}
	c := &compiler{aliases: aliases}
	out := &Compiled{Def: d, aliases: aliases}
	switch m := strings.ToLower(d.Mode); m {
	case "", "all":
		out.mode = "all"
	case "indexed":
		out.mode = "indexed"
	default:
		if !strings.Contains(m, ".") {
			return nil, errAt(d.base+"mode", "unknown mode %q (want All, Indexed or a resource provider mode)", d.Mode)
		}
		out.mode = d.Mode
		out.provider = true
	}
	base := d.base + "policyRule"
	ifv, ok := lookupCI(d.Rule, "if")
	if !ok {
		return nil, errAt(base+".if", "missing")
	}
	var err error
	if out.cond, err = c.cond(ifv, base+".if", nil); err != nil {
		return nil, err
	}
	if c.conds > maxIfConditions {
		return nil, limitErr(base+".if", "%d conditions, more than the %d Azure Policy allows", c.conds, maxIfConditions)
	}
	out.guard = typeGuard(out.cond)
	thenv, ok := lookupCI(d.Rule, "then")
	if !ok {
		return nil, errAt(base+".then", "missing")
	}
	then, ok := thenv.(map[string]any)
	if !ok {
		return nil, errAt(base+".then", "must be an object")
	}
	ev, ok := lookupCI(then, "effect")
	if !ok {
		return nil, errAt(base+".then.effect", "missing")
	}
	if _, isStr := ev.(string); !isStr {
		return nil, errAt(base+".then.effect", "must be a string")
	}
	if out.effect, err = c.value(ev, base+".then.effect"); err != nil {
		return nil, err
	}
	if lit, ok := out.effect.lit.(string); ok && out.effect.node == nil {
		if _, known := effects[strings.ToLower(lit)]; !known {
			return nil, errAt(base+".then.effect", "unknown effect %q", lit)
		}
	}
	if err := checkEffectParameter(d, out.effect, base+".then.effect"); err != nil {
		return nil, err
	}
	if dv, ok := lookupCI(then, "details"); ok {
		if out.details, err = c.details(dv, base+".then.details"); err != nil {
			return nil, err
		}
	}
	for a := range c.fallbacks {
		out.fallbacks = append(out.fallbacks, a)
	}
	sort.Strings(out.fallbacks)
	out.static = c.static
	out.dynFields = c.dynFields
	out.reads, out.readArgs, out.readAll = c.reads, c.readArgs, c.readAll
	return out, nil
}

// typeGuard finds the conditions that decide first whether a rule can
// match: "field": "type" with equals or in, as the "if" itself, as the first
// member of an allOf, or in every member of an anyOf. A resource whose type
// none of them accepts cannot match, and dismissing it skips nothing that
// could have raised an error: allOf stops at its first false member, and
// anyOf, every member of which then stops at its type condition, is false.
func typeGuard(n node) []*condNode {
	switch x := n.(type) {
	case *allOfNode:
		if len(x.kids) > 0 {
			return typeGuard(x.kids[0])
		}
	case *anyOfNode:
		var out []*condNode
		for _, k := range x.kids {
			g := typeGuard(k)
			if g == nil {
				return nil
			}
			out = append(out, g...)
		}
		return out
	case *condNode:
		if x.field == nil || x.field.kind != fkType || (x.op != opEquals && x.op != opIn) {
			return nil
		}
		if x.rhs.node != nil && !x.rhs.static {
			return nil
		}
		return []*condNode{x}
	}
	return nil
}

// checkEffectParameter verifies that an effect taken from a parameter has
// a default or allowed values that are real effects, so that a typo in a
// definition is caught at compile time rather than at assignment.
func checkEffectParameter(d *Definition, v *valueSrc, path string) error {
	if v.node == nil {
		return nil
	}
	call, ok := v.node.(*expr.Call)
	if !ok || call.Name != "parameters" || len(call.Args) != 1 {
		return nil
	}
	lit, ok := call.Args[0].(*expr.Lit)
	if !ok {
		return nil
	}
	name, _ := lit.V.(string)
	p, ok := d.Parameters[strings.ToLower(name)]
	if !ok {
		return errAt(path, "parameter %q is not defined", name)
	}
	if p.HasDefault {
		if s, ok := p.DefaultValue.(string); ok {
			if _, known := effects[strings.ToLower(s)]; !known && !expr.IsExpression(s) {
				return errAt(d.base+"parameters."+p.Name+".defaultValue", "unknown effect %q", s)
			}
		}
	}
	return nil
}

func (c *compiler) cond(v any, path string, scopes []compileScope) (node, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errAt(path, "a condition must be an object, got %s", jsonType(v))
	}
	if len(m) == 0 {
		return nil, errAt(path, "empty condition")
	}
	// Logical operators.
	for _, k := range sortedKeys(m) {
		lk := strings.ToLower(k)
		switch lk {
		case "allof", "anyof":
			if len(m) != 1 {
				return nil, errAt(path, "%s cannot be combined with other keys (%s)", k, strings.Join(sortedKeys(m), ", "))
			}
			arr, ok := m[k].([]any)
			if !ok {
				return nil, errAt(path+"."+k, "must be an array")
			}
			kids := make([]node, 0, len(arr))
			for i, el := range arr {
				n, err := c.cond(el, fmt.Sprintf("%s.%s[%d]", path, k, i), scopes)
				if err != nil {
					return nil, err
				}
				kids = append(kids, n)
			}
			if lk == "allof" {
				return &allOfNode{kids: kids}, nil
			}
			return &anyOfNode{kids: kids}, nil
		case "not":
			if len(m) != 1 {
				return nil, errAt(path, "not cannot be combined with other keys")
			}
			n, err := c.cond(m[k], path+"."+k, scopes)
			if err != nil {
				return nil, err
			}
			return &notNode{kid: n}, nil
		}
	}
	c.conds++
	cn := &condNode{path: path}
	var opKey string
	var opVal any
	nOps := 0
	for _, k := range sortedKeys(m) {
		lk := strings.ToLower(k)
		switch lk {
		case "field", "value", "count":
			if cn.field != nil || cn.value != nil || cn.count != nil || cn.dynField != nil {
				return nil, errAt(path, "a condition has exactly one of field, value or count")
			}
			var err error
			switch lk {
			case "field":
				err = c.fieldOperand(cn, m[k], path+"."+k, scopes)
			case "value":
				cn.value, err = c.value(m[k], path+"."+k)
			case "count":
				cn.count, err = c.count(m[k], path+"."+k, scopes)
			}
			if err != nil {
				return nil, err
			}
		default:
			o, ok := opNames[lk]
			if !ok {
				return nil, errAt(path+"."+k, "unknown operator %q", k)
			}
			nOps++
			cn.op, opKey, opVal = o, k, m[k]
		}
	}
	if cn.field == nil && cn.value == nil && cn.count == nil && cn.dynField == nil {
		return nil, errAt(path, "a condition needs field, value or count")
	}
	if nOps != 1 {
		return nil, errAt(path, "a condition needs exactly one operator, found %d", nOps)
	}
	var err error
	if cn.rhs, err = c.value(opVal, path+"."+opKey); err != nil {
		return nil, err
	}
	if cn.rhs.node == nil {
		if err := checkOperand(cn.op, cn.rhs.lit); err != nil {
			return nil, errAt(path+"."+opKey, "%v", err)
		}
	}
	return cn, nil
}

// checkOperand rejects literal operands that can never work.
func checkOperand(o op, x any) error {
	switch o {
	case opIn, opNotIn:
		if _, ok := x.([]any); !ok {
			return fmt.Errorf("%s needs an array, got %s", o, jsonType(x))
		}
	case opExists:
		if _, err := toBool(x); err != nil {
			return fmt.Errorf("exists needs true or false, got %s", fmtVal(x))
		}
	case opLike, opNotLike, opMatch, opNotMatch, opMatchInsensitively, opNotMatchInsensitively, opContainsKey, opNotContainsKey:
		if _, ok := scalarString(x); !ok {
			return fmt.Errorf("%s needs a string, got %s", o, jsonType(x))
		}
	}
	return nil
}

func (c *compiler) fieldOperand(cn *condNode, v any, path string, scopes []compileScope) error {
	s, ok := v.(string)
	if !ok {
		return errAt(path, "field must be a string, got %s", jsonType(v))
	}
	if expr.IsExpression(s) {
		src, err := c.value(s, path)
		if err != nil {
			return err
		}
		df := &dynField{src: src, scopes: append([]compileScope(nil), scopes...), slot: -1}
		if src.static {
			df.slot = len(c.dynFields)
			c.dynFields = append(c.dynFields, df)
		} else if !c.skipReads {
			c.readAll = true // a field named per resource may be any
		}
		cn.dynField = df
		return nil
	}
	f, err := c.resolveField(expr.Unescape(s), scopes)
	if err != nil {
		return &Error{Path: path, Err: err}
	}
	cn.field = f
	return nil
}

func (c *compiler) count(v any, path string, scopes []compileScope) (*countNode, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errAt(path, "count must be an object, got %s", jsonType(v))
	}
	cnt := &countNode{}
	for _, k := range sortedKeys(m) {
		switch strings.ToLower(k) {
		case "field":
			s, ok := m[k].(string)
			if !ok {
				return nil, errAt(path+"."+k, "must be a string")
			}
			f, err := c.resolveField(s, scopes)
			if err != nil {
				return nil, &Error{Path: path + "." + k, Err: err}
			}
			if !f.coll || f.kind != fkPath {
				return nil, errAt(path+"."+k, "count needs an array alias ending in [*], got %q", s)
			}
			cnt.field = f
			cnt.scope = compileScope{alias: strings.ToLower(s)}
			if c.fieldCounts == nil {
				c.fieldCounts = map[string]int{}
			}
			if c.fieldCounts[cnt.scope.alias]++; c.fieldCounts[cnt.scope.alias] > maxFieldCounts {
				return nil, limitErr(path+"."+k, "more than %d field count expressions over %s, the most Azure Policy allows", maxFieldCounts, s)
			}
			// The counted array's absolute path is its scope's path
			// joined with the relative one.
			if f.scope >= 0 {
				cnt.scope.segs = append(append([]seg(nil), scopes[f.scope].segs...), f.segs...)
			} else {
				cnt.scope.segs = f.segs
			}
		case "value":
			src, err := c.value(m[k], path+"."+k)
			if err != nil {
				return nil, err
			}
			cnt.value = src
			if c.valueCounts++; c.valueCounts > maxValueCounts {
				return nil, limitErr(path+"."+k, "more than %d value count expressions, the most Azure Policy allows in a policy rule", maxValueCounts)
			}
		case "name":
			s, ok := m[k].(string)
			if !ok || s == "" {
				return nil, errAt(path+"."+k, "must be a non-empty string")
			}
			cnt.name = s
		case "where":
		default:
			return nil, errAt(path+"."+k, "unknown key %q in count (want field or value, name, where)", k)
		}
	}
	if (cnt.field == nil) == (cnt.value == nil) {
		return nil, errAt(path, "count needs exactly one of field or value")
	}
	if cnt.field != nil && cnt.name != "" {
		return nil, errAt(path+".name", "name is only allowed in a value count")
	}
	cnt.scope.name = cnt.name
	if w, ok := lookupCI(m, "where"); ok {
		inner := append(append([]compileScope(nil), scopes...), cnt.scope)
		n, err := c.cond(w, path+".where", inner)
		if err != nil {
			return nil, err
		}
		cnt.where = n
	}
	cnt.disp = cnt.display()
	return cnt, nil
}

// details are the compiled "then.details" of an effect.
type details struct {
	// append: a list of field/value pairs.
	appends []appendOp
	// modify.
	operations     []modifyOp
	conflictEffect *valueSrc
	// *IfNotExists.
	typ                *valueSrc
	name               *valueSrc
	resourceGroupName  *valueSrc
	existenceScope     *valueSrc
	existenceCondition node
	deployment         *valueSrc
	// denyAction.
	actionNames *valueSrc
	// manual.
	defaultState *valueSrc
	raw          any
}

type appendOp struct {
	field *valueSrc
	value *valueSrc
}

type modifyOp struct {
	operation *valueSrc
	field     *valueSrc
	value     *valueSrc
	condition *valueSrc
}

func (c *compiler) details(v any, path string) (*details, error) {
	d := &details{raw: v}
	switch x := v.(type) {
	case []any:
		// append: [{field, value}, ...]
		for i, el := range x {
			p := fmt.Sprintf("%s[%d]", path, i)
			m, ok := el.(map[string]any)
			if !ok {
				return nil, errAt(p, "must be an object with field and value")
			}
			fv, ok := lookupCI(m, "field")
			if !ok {
				return nil, errAt(p+".field", "missing")
			}
			f, err := c.value(fv, p+".field")
			if err != nil {
				return nil, err
			}
			val, err := c.tree(getCI(m, "value"), p+".value", false)
			if err != nil {
				return nil, err
			}
			d.appends = append(d.appends, appendOp{field: f, value: val})
		}
		return d, nil
	case map[string]any:
		for _, k := range sortedKeys(x) {
			p := path + "." + k
			var err error
			switch strings.ToLower(k) {
			case "type":
				d.typ, err = c.value(x[k], p)
			case "name":
				d.name, err = c.value(x[k], p)
			case "resourcegroupname":
				d.resourceGroupName, err = c.value(x[k], p)
			case "existencescope":
				d.existenceScope, err = c.value(x[k], p)
			case "existencecondition":
				before := c.conds
				d.existenceCondition, err = c.cond(x[k], p, nil)
				if err == nil && c.conds-before > maxExistenceConditions {
					err = limitErr(p, "%d conditions, more than the %d Azure Policy allows in an existence condition", c.conds-before, maxExistenceConditions)
				}
			case "deployment":
				d.deployment, err = c.deploymentTree(x[k], p)
			case "operations":
				arr, ok := x[k].([]any)
				if !ok {
					return nil, errAt(p, "must be an array")
				}
				for i, el := range arr {
					op, err := c.modifyOp(el, fmt.Sprintf("%s[%d]", p, i))
					if err != nil {
						return nil, err
					}
					d.operations = append(d.operations, op)
				}
			case "conflicteffect":
				d.conflictEffect, err = c.value(x[k], p)
			case "actionnames":
				d.actionNames, err = c.tree(x[k], p, false)
			case "defaultstate":
				d.defaultState, err = c.value(x[k], p)
			default:
				// roleDefinitionIds, evaluationDelay, deploymentScope,
				// cascadeBehaviors...: checked for syntax, not evaluated.
				c.skipReads = true
				_, err = c.tree(x[k], p, false)
				c.skipReads = false
			}
			if err != nil {
				return nil, err
			}
		}
		return d, nil
	}
	return nil, errAt(path, "must be an object or an array, got %s", jsonType(v))
}

func (c *compiler) modifyOp(v any, path string) (modifyOp, error) {
	var op modifyOp
	m, ok := v.(map[string]any)
	if !ok {
		return op, errAt(path, "must be an object")
	}
	var err error
	for _, k := range sortedKeys(m) {
		p := path + "." + k
		switch strings.ToLower(k) {
		case "operation":
			op.operation, err = c.value(m[k], p)
		case "field":
			op.field, err = c.value(m[k], p)
		case "value":
			op.value, err = c.tree(m[k], p, false)
		case "condition":
			op.condition, err = c.value(m[k], p)
		default:
			return op, errAt(p, "unknown key %q in a modify operation", k)
		}
		if err != nil {
			return op, err
		}
	}
	if op.operation == nil || op.field == nil {
		return op, errAt(path, "a modify operation needs operation and field")
	}
	if s, ok := op.operation.lit.(string); ok {
		switch strings.ToLower(s) {
		case "addorreplace", "add", "remove":
		default:
			return op, errAt(path+".operation", "unknown operation %q (want addOrReplace, add or remove)", s)
		}
	}
	return op, nil
}

// deploymentTree checks a deployIfNotExists deployment: its parameters are
// policy expressions (evaluated by Azure Policy), its template is ARM's.
func (c *compiler) deploymentTree(v any, path string) (*valueSrc, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errAt(path, "must be an object")
	}
	props, ok := getCI(m, "properties").(map[string]any)
	if !ok {
		return nil, errAt(path+".properties", "missing")
	}
	// The deployment is Azure's to evaluate, not this engine's.
	c.skipReads = true
	defer func() { c.skipReads = false }()
	for _, k := range sortedKeys(props) {
		p := path + ".properties." + k
		var err error
		if strings.EqualFold(k, "template") {
			_, err = c.tree(props[k], p, true)
		} else {
			_, err = c.tree(props[k], p, false)
		}
		if err != nil {
			return nil, err
		}
	}
	return &valueSrc{lit: v, slot: -1}, nil
}

var effects = map[string]string{
	"deny":              "deny",
	"audit":             "audit",
	"append":            "append",
	"modify":            "modify",
	"auditifnotexists":  "auditIfNotExists",
	"deployifnotexists": "deployIfNotExists",
	"denyaction":        "denyAction",
	"disabled":          "disabled",
	"manual":            "manual",
	"auditaction":       "auditAction",
	// Effects of resource provider modes, which are evaluated inside the
	// provider; known so that such definitions compile.
	"mutate":               "mutate",
	"enforceregopolicy":    "enforceRegoPolicy",
	"enforceopaconstraint": "enforceOPAConstraint",
	"enforcesetting":       "enforceSetting",
}

// Fallbacks lists the aliases this definition resolved by the default
// mapping rather than the alias table.
func (cp *Compiled) Fallbacks() []string { return cp.fallbacks }

// Mode is "all", "indexed" or the resource provider mode as written.
func (cp *Compiled) Mode() string { return cp.mode }
