// Package armvalidate checks an ARM template the way Azure Resource Manager
// checks it before and while deploying, and reports what it would reject:
// dependsOn entries naming resources the template does not declare, resource
// ids used without an ordering dependency, expressions that do not parse or
// name undeclared parameters and variables, resource names that break the
// type's naming rules, resource groups nothing declares, role assignment
// names that are not stable GUIDs, and non-deterministic functions outside
// parameter defaults.
//
// Every check runs per template scope: the top-level template and every
// inline nested deployment template, recursively. A nested deployment with
// expressionEvaluationOptions.scope "inner" has its own parameters and
// variables; with the default "outer" scope its expressions are evaluated
// with its parent's.
//
// Expressions are evaluated as far as the template allows (literals,
// parameter defaults or values, variables, concat, format, resourceId...).
// What only deployment knows stays a placeholder, and a check that would
// need it reports nothing: a finding here is something ARM will refuse.
//
// The expression syntax is policy/expr's, whose template parser checks
// syntax without restricting function names.
package armvalidate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aizone/aizone/policy/expr"
)

// Finding is one thing Azure Resource Manager would reject.
type Finding struct {
	Rule    string `json:"rule"`    // stable id, e.g. "dependson-undeclared"
	Path    string `json:"path"`    // JSON path, e.g. "resources[3].properties.template.resources[7].dependsOn[1]"
	Message string `json:"message"` // what is wrong
	Fix     string `json:"fix"`     // how to fix it
}

func (f Finding) String() string {
	return fmt.Sprintf("%s: %s (%s); fix: %s", f.Path, f.Message, f.Rule, f.Fix)
}

// Rule ids.
const (
	RuleDependsOnUndeclared   = "dependson-undeclared"
	RuleReferenceUnordered    = "reference-unordered"
	RuleChildWithoutParent    = "child-without-parent-dependency"
	RuleExpressionParse       = "expression-parse"
	RuleParameterUndeclared   = "parameter-undeclared"
	RuleVariableUndeclared    = "variable-undeclared"
	RuleParameterMissingValue = "parameter-missing-value"
	RuleParameterUnknown      = "parameter-unknown"
	RuleNameInvalid           = "name-invalid"
	RuleNameDuplicate         = "name-duplicate"
	RuleScopeUnknown          = "scope-unknown"
	RuleRoleAssignmentName    = "role-assignment-name"
	RuleNondeterministic      = "nondeterministic-function"
)

// JSONError is an input that is not a readable JSON object.
type JSONError struct {
	Input     string // "template" or "parameters"
	Line, Col int
	Err       error
}

func (e *JSONError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %v", e.Input, e.Line, e.Col, e.Err)
}

func (e *JSONError) Unwrap() error { return e.Err }

// ValidateJSON decodes a template and, when paramsJSON is not empty, a
// parameters file (its "parameters" member, or the whole object when it has
// none), and validates them. The error, a *JSONError, is only for input that
// is not a JSON object.
func ValidateJSON(data []byte, paramsJSON []byte) ([]Finding, error) {
	t, err := decodeObject("template", data)
	if err != nil {
		return nil, err
	}
	var params map[string]any
	if len(bytes.TrimSpace(paramsJSON)) > 0 {
		p, err := decodeObject("parameters", paramsJSON)
		if err != nil {
			return nil, err
		}
		params = p
		if inner, ok := field(p, "parameters").(map[string]any); ok {
			params = inner
		}
	}
	return Validate(t, params), nil
}

func decodeObject(input string, data []byte) (map[string]any, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // editors on Windows write a byte-order mark
	var v any
	if err := json.Unmarshal(relax(data), &v); err != nil {
		off := int64(0)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		}
		line, col := lineCol(data, off)
		return nil, &JSONError{Input: input, Line: line, Col: col, Err: err}
	}
	m, ok := v.(map[string]any)
	if !ok {
		off := bytes.IndexFunc(data, func(r rune) bool { return !strings.ContainsRune(" \t\r\n", r) })
		line, col := lineCol(data, int64(off)+1)
		return nil, &JSONError{Input: input, Line: line, Col: col, Err: fmt.Errorf("want a JSON object, got %s", expr.TypeName(v))}
	}
	return m, nil
}

// relax turns what ARM accepts beyond JSON into JSON of the same length,
// so that offsets stay true: comments (// and /* */) become spaces, and so
// do line breaks and tabs inside strings (multi-line expressions).
func relax(data []byte) []byte {
	out := bytes.Clone(data)
	const (
		code = iota
		str
		lineComment
		blockComment
	)
	state := code
	for i := 0; i < len(out); i++ {
		c := out[i]
		switch state {
		case code:
			switch {
			case c == '"':
				state = str
			case c == '/' && i+1 < len(out) && out[i+1] == '/':
				state = lineComment
				out[i] = ' '
			case c == '/' && i+1 < len(out) && out[i+1] == '*':
				state = blockComment
				out[i], out[i+1] = ' ', ' '
				i++
			}
		case str:
			switch {
			case c == '\\':
				i++
			case c == '"':
				state = code
			case c < 0x20:
				out[i] = ' '
			}
		case lineComment:
			if c == '\n' {
				state = code
			} else {
				out[i] = ' '
			}
		case blockComment:
			if c == '*' && i+1 < len(out) && out[i+1] == '/' {
				out[i], out[i+1] = ' ', ' '
				state = code
				i++
			} else if c != '\n' {
				out[i] = ' '
			}
		}
	}
	return out
}

// lineCol converts a byte offset (of the byte after the problem, as
// encoding/json reports it) to a 1-based line and column.
func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off > 0 {
		off--
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

// Validate checks a decoded template (as encoding/json decodes it). params
// are the values of a parameters file's "parameters" (name -> {"value": ...}),
// or nil when there is no parameters file. Findings are sorted by path, then
// rule.
func Validate(template map[string]any, params map[string]any) []Finding {
	v := &validator{}
	rg := placeholder("resourceGroup().name")
	root := v.load(template, "", newEnv(template, givenValues(params, nil), rg), rg, false, false)
	if params != nil {
		v.parameterValues(root, params, "parametersFile.parameters")
	}
	v.rgs = declaredGroups(root)
	v.check(root)
	sort.SliceStable(v.findings, func(i, j int) bool {
		a, b := v.findings[i], v.findings[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
	return v.findings
}

type validator struct {
	findings []Finding
	rgs      map[string]bool // resource groups the templates declare; nil when some are not known
}

func (v *validator) add(rule, path, msg, fix string) {
	v.findings = append(v.findings, Finding{Rule: rule, Path: path, Message: msg, Fix: fix})
}

// template is one template scope.
type template struct {
	path      string // JSON path of the template object; "" at the top
	raw       map[string]any
	env       *env
	outer     bool   // a nested template evaluated in its parent's scope
	condition bool   // deployed only on a condition (its deployment's, or an enclosing one's)
	rg        string // resource group its resources deploy to (or a placeholder)
	mgScope   bool   // deployed at management-group scope
	resources []*resource
	nested    []*template
}

// resource is a declared resource, with its type and name evaluated.
type resource struct {
	path        string
	raw         map[string]any
	typ, name   string // full type and name ("NS/parent/child", "p/c")
	symbol      string // languageVersion 2.0 symbolic name
	copyName    string
	members     []string // the names of a copy loop's members, when known
	extScope    string   // the resource an extension resource of the old spelling extends
	condition   bool     // it has a condition
	conditional bool     // it has a condition, or its template is deployed on one
	existing    bool
	nestedChild bool   // declared in its parent's resources array
	rg          string // resource group it is deployed to
}

// names are the names a resource may have: its name as written and, for a
// copy loop, each member's.
func (r *resource) names() []string { return append([]string{r.name}, r.members...) }

// join appends a member to a JSON path.
func join(path, key string) string {
	if isIdent(key) {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	return path + "['" + strings.ReplaceAll(key, "'", `\'`) + "']"
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isIdentPart(c) || c == '$') || i == 0 && c >= '0' && c <= '9' {
			return false
		}
	}
	return true
}

// load reads a template scope and, recursively, its inline nested templates.
func (v *validator) load(raw map[string]any, path string, e *env, rg string, outer, condition bool) *template {
	schema, _ := field(raw, "$schema").(string)
	t := &template{path: path, raw: raw, env: e, rg: rg, outer: outer, condition: condition, mgScope: strings.Contains(strings.ToLower(schema), "managementgroupdeploymenttemplate")}
	key := fieldKey(raw, "resources")
	switch rs := field(raw, "resources").(type) {
	case []any:
		for i, r := range rs {
			v.loadResource(t, r, index(join(path, key), i), "", nil)
		}
	case map[string]any: // languageVersion 2.0: resources by symbolic name
		for _, name := range expr.SortedKeys(rs) {
			v.loadResource(t, rs[name], join(join(path, key), name), name, nil)
		}
	}
	return t
}

func (v *validator) loadResource(t *template, raw any, path, symbol string, parent *resource) {
	m, ok := raw.(map[string]any)
	if !ok {
		return
	}
	typ, _ := field(m, "type").(string)
	name, _ := field(m, "name").(string)
	r := &resource{path: path, raw: m, symbol: symbol, rg: t.rg, nestedChild: parent != nil}
	r.typ = t.env.strValue(typ)
	r.name = t.env.strValue(name)
	if parent != nil && !strings.Contains(r.typ, "/") {
		r.typ = parent.typ + "/" + r.typ
		r.name = parent.name + "/" + r.name
	}
	r.typ, r.name, r.extScope = extension(r.typ, r.name)
	if c, ok := field(m, "copy").(map[string]any); ok {
		r.copyName, _ = field(c, "name").(string)
		for _, n := range t.env.members(c, name, r.copyName) {
			if parent != nil && !strings.Contains(typ, "/") {
				n = parent.name + "/" + n
			}
			r.members = append(r.members, n)
		}
	}
	_, r.condition = lookup(m, "condition")
	r.conditional = r.condition || t.condition
	r.existing, _ = field(m, "existing").(bool)
	if g, ok := field(m, "resourceGroup").(string); ok {
		r.rg = t.env.strValue(g)
	}
	t.resources = append(t.resources, r)
	if strings.EqualFold(r.typ, "Microsoft.Resources/deployments") {
		v.loadNested(t, r)
	}
	if children, ok := field(m, "resources").([]any); ok {
		for i, c := range children {
			v.loadResource(t, c, index(join(path, fieldKey(m, "resources")), i), "", r)
		}
	}
}

// extension rewrites the old spelling of an extension resource,
// "NS/type/providers/ext" named "parent/NS2/name", as the resource it is:
// "NS2/ext" named "name" (a role assignment on a storage account is a
// Microsoft.Authorization/roleAssignments).
func extension(typ, name string) (extType, extName, scope string) {
	i := strings.Index(strings.ToLower(typ), "/providers/")
	if i < 0 {
		return typ, name, ""
	}
	scopeNames := strings.Count(typ[:i], "/")
	seg := strings.Split(name, "/")
	if len(seg) < scopeNames+2 {
		return typ, name, ""
	}
	scope = typ[:i] + "/" + strings.Join(seg[:scopeNames], "/")
	return seg[scopeNames] + "/" + typ[i+len("/providers/"):], strings.Join(seg[scopeNames+1:], "/"), scope
}

// givenValues reads the values given to parameters (name -> {"value": v}),
// evaluated in env when they come from a template, as they are when they
// come from a parameters file (env nil). A Key Vault reference is unknown.
func givenValues(params map[string]any, env *env) map[string]any {
	values := make(map[string]any, len(params))
	for name, p := range params {
		pm, _ := p.(map[string]any)
		val, ok := lookup(pm, "value")
		switch {
		case !ok:
			val = placeholder("parameters('" + name + "')")
		case env != nil:
			val = env.deep(val, 0)
		}
		values[name] = val
	}
	return values
}

// loadNested reads the inline template of a nested deployment.
func (v *validator) loadNested(t *template, r *resource) {
	props, _ := field(r.raw, "properties").(map[string]any)
	inner, ok := field(props, "template").(map[string]any)
	if !ok {
		return
	}
	path := join(join(r.path, fieldKey(r.raw, "properties")), fieldKey(props, "template"))
	scope := ""
	if o, ok := field(props, "expressionEvaluationOptions").(map[string]any); ok {
		scope, _ = field(o, "scope").(string)
	}
	var nt *template
	if strings.EqualFold(scope, "inner") {
		ps, _ := field(props, "parameters").(map[string]any)
		e := newEnv(inner, givenValues(ps, t.env), r.rg)
		e.nested = true
		nt = v.load(inner, path, e, r.rg, false, r.conditional)
		if ps, ok := field(props, "parameters").(map[string]any); ok {
			v.parameterValues(nt, ps, join(join(r.path, fieldKey(r.raw, "properties")), fieldKey(props, "parameters")))
		} else if _, linked := lookup(props, "parametersLink"); !linked {
			v.parameterValues(nt, map[string]any{}, "")
		}
	} else {
		e := *t.env // the parent's parameters and variables
		e.nested = true
		nt = v.load(inner, path, &e, r.rg, true, r.conditional)
	}
	t.nested = append(t.nested, nt)
}

// check runs every check on a template scope and its nested templates.
func (v *validator) check(t *template) {
	v.checkExpressions(t)
	v.checkDependencies(t)
	v.checkNames(t)
	for _, n := range t.nested {
		v.check(n)
	}
}

// optional reports whether a parameter may go without a value: it has a
// defaultValue, or it is nullable (languageVersion 2.0), itself or through
// the type definition it refers to.
func optional(tpl, decl map[string]any) bool {
	if _, ok := lookup(decl, "defaultValue"); ok {
		return true
	}
	if n, _ := field(decl, "nullable").(bool); n {
		return true
	}
	if ref, ok := field(decl, "$ref").(string); ok {
		defs, _ := field(tpl, "definitions").(map[string]any)
		def, _ := field(defs, strings.TrimPrefix(ref, "#/definitions/")).(map[string]any)
		n, _ := field(def, "nullable").(bool)
		return n
	}
	return false
}

// parameterValues checks the values given to a template's parameters: every
// parameter without a default needs one, and every value needs a parameter.
// valuesPath is where the values are ("" when nothing gives any).
func (v *validator) parameterValues(t *template, values map[string]any, valuesPath string) {
	declared, _ := field(t.raw, "parameters").(map[string]any)
	declPath := join(t.path, fieldKey(t.raw, "parameters"))
	for _, name := range expr.SortedKeys(declared) {
		d, _ := declared[name].(map[string]any)
		if optional(t.raw, d) {
			continue
		}
		if _, ok := lookup(values, name); !ok {
			where := "the parameters file"
			if t.path != "" {
				where = "the nested deployment's properties.parameters"
			}
			v.add(RuleParameterMissingValue, join(declPath, name),
				fmt.Sprintf("parameter %q has no defaultValue and %s gives it no value; the deployment would fail", name, where),
				fmt.Sprintf("give %q a value in %s, or a defaultValue in the template", name, where))
		}
	}
	for _, name := range expr.SortedKeys(values) {
		if _, ok := lookup(declared, name); !ok {
			v.add(RuleParameterUnknown, join(valuesPath, name),
				fmt.Sprintf("a value is given for parameter %q, which the template does not declare; ARM rejects the deployment", name),
				fmt.Sprintf("remove %q from the values, or declare it under the template's parameters", name))
		}
	}
}
