package slurm

// A small reader of Bicep parameter and type declarations: enough to check
// that a parameters file fits a template's `param` declarations and the
// user-defined types they name, as Azure Resource Manager checks them when
// the compiled template (languageVersion 2.0) is deployed. It reads
// decorators, `param`, `type` and `import` declarations fully, and skips the
// bodies of `var`, `output`, `resource`, `module` and `func` by balancing
// brackets. Anything else it does not understand is an error, with the
// file, line and column: a template that changes shape must fail the
// check, not pass it silently.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aizone/aizone/emit/bicep/lex"
)

// lexFile is the file's tokens. A string a line break cuts short is
// reported where it opened: in a real template that is the likelier
// mistake.
func lexFile(file, src string) ([]lex.Token, error) {
	toks, err := lex.All(file, src)
	var le *lex.Error
	if errors.As(err, &le) && le.Open != (lex.Pos{}) {
		return nil, fmt.Errorf("%s: unterminated string", le.Open)
	}
	return toks, err
}

// --- declarations ---

// Type kinds.
const (
	kString  = "string"
	kInt     = "int"
	kBool    = "bool"
	kObject  = "object" // props == nil && additional == nil: any object
	kArray   = "array"  // elem == nil: any array
	kLiteral = "literal"
	kUnion   = "union"
	kRef     = "ref"
)

// bicepType is a type expression: a primitive, a literal, a union, an
// object or array type, or a reference to a declared type.
type bicepType struct {
	kind     string
	nullable bool // T?: the value may be null or, as a property, absent
	lit      any  // kLiteral: string, int64 or bool
	members  []*bicepType
	// discriminator names the property whose literal picks a union member
	// (@discriminator).
	discriminator string
	props         []prop
	additional    *bicepType // *: T
	typedObject   bool       // declared with { ... }
	elem          *bicepType
	ref           string // kRef: "name" or "alias.name"
	cons          constraints
	pos           string // file:line:col, for errors about the declaration
}

type prop struct {
	name string
	typ  *bicepType
}

// constraints are the decorators that limit a value.
type constraints struct {
	secure               bool
	allowed              []any
	minValue, maxValue   *int64
	minLength, maxLength *int64
	description          string
}

// bicepParam is one `param` declaration.
type bicepParam struct {
	name       string
	typ        *bicepType
	hasDefault bool
	// def is the default when it is a literal; defLiteral says whether it
	// is (a default may be any expression).
	def        any
	defLiteral bool
	pos        string
}

// Required reports whether a deployment must give the parameter a value:
// it has no default and is not nullable.
func (p *bicepParam) required() bool { return !p.hasDefault && !p.typ.nullable }

type bicepImport struct {
	path  string
	alias string   // import * as alias
	names []string // import {a, b}
}

// bicepFile is a parsed file: its parameters and types in order.
type bicepFile struct {
	name       string
	params     map[string]*bicepParam
	paramOrder []string
	types      map[string]*bicepType
	imports    []bicepImport
}

// --- parser ---

type parser struct {
	file string
	toks []lex.Token
	i    int
}

func (p *parser) peek() lex.Token { return p.toks[p.i] }

func (p *parser) peekAt(n int) lex.Token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) take() lex.Token {
	t := p.toks[p.i]
	if t.Kind != lex.EOF {
		p.i++
	}
	return t
}

func (p *parser) errAt(t lex.Token, format string, args ...any) error {
	return fmt.Errorf("%s: %s", t.Pos, fmt.Sprintf(format, args...))
}

func (p *parser) posOf(t lex.Token) string { return t.Pos.String() }

func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.Kind == lex.Punct && t.Text == s
}

func (p *parser) expectPunct(s string) error {
	t := p.take()
	if t.Kind != lex.Punct || t.Text != s {
		return p.errAt(t, "expected %q, found %s", s, t)
	}
	return nil
}

func (p *parser) expectIdent() (lex.Token, error) {
	t := p.take()
	if t.Kind != lex.Ident {
		return t, p.errAt(t, "expected a name, found %s", t)
	}
	return t, nil
}

func (p *parser) skipNewlines() {
	for p.peek().Kind == lex.Newline {
		p.i++
	}
}

// endOfStatement consumes the end of a declaration: a newline or the end
// of the file.
func (p *parser) endOfStatement() error {
	t := p.peek()
	switch t.Kind {
	case lex.Newline:
		p.i++
		return nil
	case lex.EOF:
		return nil
	}
	return p.errAt(t, "expected the end of the line, found %s", t)
}

// parseBicep reads one file's declarations.
func parseBicep(name, src string) (*bicepFile, error) {
	toks, err := lexFile(name, src)
	if err != nil {
		return nil, err
	}
	p := &parser{file: name, toks: toks}
	f := &bicepFile{name: name, params: map[string]*bicepParam{}, types: map[string]*bicepType{}}
	var decs []decorator
	for {
		p.skipNewlines()
		t := p.peek()
		if t.Kind == lex.EOF {
			if len(decs) > 0 {
				return nil, p.errAt(t, "decorator @%s is not followed by a declaration", decs[0].name)
			}
			return f, nil
		}
		if t.Kind == lex.Punct && t.Text == "@" {
			d, err := p.decorator()
			if err != nil {
				return nil, err
			}
			decs = append(decs, d)
			continue
		}
		if t.Kind != lex.Ident {
			return nil, p.errAt(t, "expected a declaration, found %s", t)
		}
		switch t.Text {
		case "targetScope":
			p.take()
			if err := p.expectPunct("="); err != nil {
				return nil, err
			}
			if err := p.skipExpr(); err != nil {
				return nil, err
			}
		case "import":
			imp, err := p.importDecl()
			if err != nil {
				return nil, err
			}
			f.imports = append(f.imports, imp)
		case "param":
			prm, err := p.paramDecl(decs)
			if err != nil {
				return nil, err
			}
			if _, dup := f.params[prm.name]; dup {
				return nil, p.errAt(t, "parameter %s declared twice", prm.name)
			}
			f.params[prm.name] = prm
			f.paramOrder = append(f.paramOrder, prm.name)
		case "type":
			name, typ, err := p.typeDecl(decs)
			if err != nil {
				return nil, err
			}
			if _, dup := f.types[name]; dup {
				return nil, p.errAt(t, "type %s declared twice", name)
			}
			f.types[name] = typ
		case "var", "output", "resource", "module", "func", "metadata", "extension":
			// Not parameters or types: read past them, brackets balanced.
			p.take()
			if err := p.skipExpr(); err != nil {
				return nil, err
			}
		default:
			return nil, p.errAt(t, "unsupported declaration %q", t.Text)
		}
		decs = nil
	}
}

type decorator struct {
	name string
	args []any
	tok  lex.Token
}

// knownDecorators are the decorators the reader understands; any other is
// an error rather than ignored.
var knownDecorators = map[string]bool{
	"secure": true, "description": true, "allowed": true, "minValue": true, "maxValue": true,
	"minLength": true, "maxLength": true, "discriminator": true, "export": true, "sealed": true, "metadata": true,
}

func (p *parser) decorator() (decorator, error) {
	at := p.take()
	name, err := p.expectIdent()
	if err != nil {
		return decorator{}, err
	}
	if name.Text == "sys" && p.isPunct(".") {
		p.take()
		if name, err = p.expectIdent(); err != nil {
			return decorator{}, err
		}
	}
	if !knownDecorators[name.Text] {
		return decorator{}, p.errAt(name, "unsupported decorator @%s", name.Text)
	}
	d := decorator{name: name.Text, tok: at}
	if err := p.expectPunct("("); err != nil {
		return d, err
	}
	for {
		p.skipNewlines()
		if p.isPunct(")") {
			p.take()
			break
		}
		start := p.peek()
		v, err := p.literal()
		if errors.Is(err, errNotLiteral) {
			return d, p.errAt(start, "@%s takes literal arguments", d.name)
		}
		if err != nil {
			return d, err
		}
		d.args = append(d.args, v)
		p.skipNewlines()
		if p.isPunct(",") {
			p.take()
		}
	}
	// A decorator stands on its own line or before the declaration on
	// the same line.
	if p.peek().Kind == lex.Newline {
		p.take()
	}
	return d, nil
}

// applyDecorators sets the decorators' constraints on a declaration, and a
// union's discriminator.
func applyDecorators(decs []decorator, c *constraints, t *bicepType, p *parser) error {
	for _, d := range decs {
		arg := func(kind string) (any, error) {
			if len(d.args) != 1 {
				return nil, p.errAt(d.tok, "@%s takes one argument", d.name)
			}
			switch kind {
			case "int":
				if _, ok := d.args[0].(int64); !ok {
					return nil, p.errAt(d.tok, "@%s takes an integer", d.name)
				}
			case "string":
				if _, ok := d.args[0].(string); !ok {
					return nil, p.errAt(d.tok, "@%s takes a string", d.name)
				}
			case "array":
				if _, ok := d.args[0].([]any); !ok {
					return nil, p.errAt(d.tok, "@%s takes an array", d.name)
				}
			}
			return d.args[0], nil
		}
		intArg := func() (*int64, error) {
			v, err := arg("int")
			if err != nil {
				return nil, err
			}
			n := v.(int64)
			return &n, nil
		}
		var err error
		switch d.name {
		case "secure":
			if len(d.args) != 0 {
				return p.errAt(d.tok, "@secure takes no argument")
			}
			c.secure = true
		case "description":
			var v any
			if v, err = arg("string"); err == nil {
				c.description = v.(string)
			}
		case "allowed":
			var v any
			if v, err = arg("array"); err == nil {
				c.allowed = v.([]any)
			}
		case "minValue":
			c.minValue, err = intArg()
		case "maxValue":
			c.maxValue, err = intArg()
		case "minLength":
			c.minLength, err = intArg()
		case "maxLength":
			c.maxLength, err = intArg()
		case "discriminator":
			var v any
			if v, err = arg("string"); err == nil {
				if t == nil || t.kind != kUnion {
					return p.errAt(d.tok, "@discriminator on something other than a union type")
				}
				t.discriminator = v.(string)
			}
		case "sealed", "export", "metadata":
			// sealed: this reader rejects unknown properties of every
			// object type anyway; export and metadata do not limit values.
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) importDecl() (bicepImport, error) {
	p.take()
	var imp bicepImport
	switch {
	case p.isPunct("*"):
		p.take()
		as, err := p.expectIdent()
		if err != nil || as.Text != "as" {
			return imp, p.errAt(as, "expected `as` after `import *`")
		}
		alias, err := p.expectIdent()
		if err != nil {
			return imp, err
		}
		imp.alias = alias.Text
	case p.isPunct("{"):
		p.take()
		for {
			p.skipNewlines()
			if p.isPunct("}") {
				p.take()
				break
			}
			n, err := p.expectIdent()
			if err != nil {
				return imp, err
			}
			if p.peek().Kind == lex.Ident && p.peek().Text == "as" {
				return imp, p.errAt(p.peek(), "import renaming (`as`) is not supported")
			}
			imp.names = append(imp.names, n.Text)
			if p.isPunct(",") {
				p.take()
			}
		}
	default:
		return imp, p.errAt(p.peek(), "unsupported import form")
	}
	from, err := p.expectIdent()
	if err != nil || from.Text != "from" {
		return imp, p.errAt(from, "expected `from` in import")
	}
	path := p.take()
	lit, ok := path.Literal()
	if path.Kind != lex.String || !ok {
		return imp, p.errAt(path, "expected the imported file's path")
	}
	imp.path = lit
	return imp, p.endOfStatement()
}

func (p *parser) paramDecl(decs []decorator) (*bicepParam, error) {
	p.take()
	name, err := p.expectIdent()
	if err != nil {
		return nil, err
	}
	typ, err := p.typeExpr()
	if err != nil {
		return nil, err
	}
	prm := &bicepParam{name: name.Text, typ: typ, pos: p.posOf(name)}
	if err := applyDecorators(decs, &typ.cons, nil, p); err != nil {
		return nil, err
	}
	if p.isPunct("=") {
		p.take()
		prm.hasDefault = true
		start := p.i
		v, err := p.literal()
		if err == nil && (p.peek().Kind == lex.Newline || p.peek().Kind == lex.EOF) {
			prm.def, prm.defLiteral = v, true
		} else {
			// An expression, not a literal: valid Bicep that sets a
			// default this reader does not evaluate.
			p.i = start
			if err := p.skipExpr(); err != nil {
				return nil, err
			}
			return prm, nil
		}
	}
	return prm, p.endOfStatement()
}

func (p *parser) typeDecl(decs []decorator) (string, *bicepType, error) {
	p.take()
	name, err := p.expectIdent()
	if err != nil {
		return "", nil, err
	}
	if err := p.expectPunct("="); err != nil {
		return "", nil, err
	}
	typ, err := p.typeExpr()
	if err != nil {
		return "", nil, err
	}
	if err := applyDecorators(decs, &typ.cons, typ, p); err != nil {
		return "", nil, err
	}
	return name.Text, typ, p.endOfStatement()
}

// typeExpr reads a type: members joined by |, each a primary type with
// any number of [] and an optional trailing ?.
func (p *parser) typeExpr() (*bicepType, error) {
	first, err := p.postfixType()
	if err != nil {
		return nil, err
	}
	if !p.isPunct("|") {
		return first, nil
	}
	u := &bicepType{kind: kUnion, members: []*bicepType{first}, pos: first.pos}
	for p.isPunct("|") {
		p.take()
		p.skipNewlines()
		m, err := p.postfixType()
		if err != nil {
			return nil, err
		}
		u.members = append(u.members, m)
	}
	return u, nil
}

func (p *parser) postfixType() (*bicepType, error) {
	t, err := p.primaryType()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.isPunct("[") && p.peekAt(1).Kind == lex.Punct && p.peekAt(1).Text == "]":
			p.take()
			p.take()
			t = &bicepType{kind: kArray, elem: t, pos: t.pos}
		case p.isPunct("?"):
			p.take()
			if t.nullable {
				return nil, p.errAt(p.peek(), "type marked nullable twice")
			}
			c := *t
			c.nullable = true
			t = &c
		default:
			return t, nil
		}
	}
}

func (p *parser) primaryType() (*bicepType, error) {
	t := p.take()
	pos := p.posOf(t)
	switch {
	case t.Kind == lex.Ident:
		switch t.Text {
		case kString, kInt, kBool, kObject, kArray:
			return &bicepType{kind: t.Text, pos: pos}, nil
		case "true", "false":
			return &bicepType{kind: kLiteral, lit: t.Text == "true", pos: pos}, nil
		case "any", "resourceInput", "resourceOutput", "resource":
			return nil, p.errAt(t, "unsupported type %q", t.Text)
		}
		name := t.Text
		if p.isPunct(".") {
			p.take()
			n, err := p.expectIdent()
			if err != nil {
				return nil, err
			}
			name += "." + n.Text
		}
		return &bicepType{kind: kRef, ref: name, pos: pos}, nil
	case t.Kind == lex.String:
		lit, ok := t.Literal()
		if !ok {
			return nil, p.errAt(t, "interpolated string in a type")
		}
		return &bicepType{kind: kLiteral, lit: lit, pos: pos}, nil
	case t.Kind == lex.Int:
		n, err := strconv.ParseInt(t.Text, 10, 64)
		if err != nil {
			return nil, p.errAt(t, "integer literal out of range")
		}
		return &bicepType{kind: kLiteral, lit: n, pos: pos}, nil
	case t.Kind == lex.Punct && t.Text == "{":
		return p.objectType(pos)
	case t.Kind == lex.Punct && t.Text == "(":
		inner, err := p.typeExpr()
		if err != nil {
			return nil, err
		}
		return inner, p.expectPunct(")")
	}
	return nil, p.errAt(t, "expected a type, found %s", t)
}

func (p *parser) objectType(pos string) (*bicepType, error) {
	o := &bicepType{kind: kObject, typedObject: true, pos: pos}
	seen := map[string]bool{}
	for {
		p.skipNewlines()
		if p.isPunct("}") {
			p.take()
			return o, nil
		}
		var decs []decorator
		for p.isPunct("@") {
			d, err := p.decorator()
			if err != nil {
				return nil, err
			}
			decs = append(decs, d)
			p.skipNewlines()
		}
		k := p.take()
		var name string
		switch {
		case k.Kind == lex.Ident:
			name = k.Text
		case k.Kind == lex.String && isLiteral(k):
			name, _ = k.Literal()
		case k.Kind == lex.Punct && k.Text == "*":
			name = "*"
		default:
			return nil, p.errAt(k, "expected a property name, found %s", k)
		}
		if seen[name] {
			return nil, p.errAt(k, "property %s declared twice", name)
		}
		seen[name] = true
		if err := p.expectPunct(":"); err != nil {
			return nil, err
		}
		typ, err := p.typeExpr()
		if err != nil {
			return nil, err
		}
		if err := applyDecorators(decs, &typ.cons, nil, p); err != nil {
			return nil, err
		}
		if name == "*" {
			o.additional = typ
		} else {
			o.props = append(o.props, prop{name: name, typ: typ})
		}
		switch t := p.peek(); {
		case t.Kind == lex.Newline:
		case t.Kind == lex.Punct && (t.Text == "," || t.Text == "}"):
			if t.Text == "," {
				p.take()
			}
		default:
			return nil, p.errAt(t, "expected a new line, a comma or } after property %s, found %s", name, t)
		}
	}
}

func isLiteral(t lex.Token) bool {
	_, ok := t.Literal()
	return ok
}

var errNotLiteral = errors.New("not a literal")

// literal reads a literal value: a string without interpolation, an
// integer, true, false, null, or an array or object of literals. It
// returns errNotLiteral (leaving the position undefined) for anything
// else.
func (p *parser) literal() (any, error) {
	t := p.take()
	switch {
	case t.Kind == lex.String:
		if lit, ok := t.Literal(); ok {
			return lit, nil
		}
		return nil, errNotLiteral
	case t.Kind == lex.Int:
		n, err := strconv.ParseInt(t.Text, 10, 64)
		if err != nil {
			return nil, p.errAt(t, "integer literal out of range")
		}
		return n, nil
	case t.Kind == lex.Punct && t.Text == "-" && p.peek().Kind == lex.Int:
		n, err := strconv.ParseInt("-"+p.take().Text, 10, 64)
		if err != nil {
			return nil, p.errAt(t, "integer literal out of range")
		}
		return n, nil
	case t.Kind == lex.Ident && (t.Text == "true" || t.Text == "false"):
		return t.Text == "true", nil
	case t.Kind == lex.Ident && t.Text == "null":
		return nil, nil
	case t.Kind == lex.Punct && t.Text == "[":
		out := []any{}
		for {
			p.skipNewlines()
			if p.isPunct("]") {
				p.take()
				return out, nil
			}
			v, err := p.literal()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			if p.isPunct(",") {
				p.take()
			} else if k := p.peek().Kind; k != lex.Newline && !p.isPunct("]") {
				return nil, errNotLiteral
			}
		}
	case t.Kind == lex.Punct && t.Text == "{":
		out := map[string]any{}
		for {
			p.skipNewlines()
			if p.isPunct("}") {
				p.take()
				return out, nil
			}
			k := p.take()
			var key string
			switch {
			case k.Kind == lex.Ident:
				key = k.Text
			case k.Kind == lex.String && isLiteral(k):
				key, _ = k.Literal()
			default:
				return nil, errNotLiteral
			}
			if !p.isPunct(":") {
				return nil, errNotLiteral
			}
			p.take()
			v, err := p.literal()
			if err != nil {
				return nil, err
			}
			out[key] = v
			if p.isPunct(",") {
				p.take()
			} else if k := p.peek().Kind; k != lex.Newline && !p.isPunct("}") {
				return nil, errNotLiteral
			}
		}
	}
	return nil, errNotLiteral
}

// skipExpr reads past the rest of a statement: up to a newline outside
// brackets, unless the next line continues the expression (it starts with
// an operator such as ? or :, as a multi-line conditional does).
func (p *parser) skipExpr() error {
	var stack []lex.Token
	closing := map[string]string{"(": ")", "[": "]", "{": "}"}
	for {
		t := p.peek()
		switch t.Kind {
		case lex.EOF:
			if len(stack) > 0 {
				return p.errAt(stack[len(stack)-1], "unclosed %q", stack[len(stack)-1].Text)
			}
			return nil
		case lex.Newline:
			if len(stack) == 0 {
				j := p.i
				for p.toks[j].Kind == lex.Newline {
					j++
				}
				if n := p.toks[j]; n.Kind == lex.Punct && n.Text != "@" {
					p.i = j
					continue
				}
				p.i++
				return nil
			}
		case lex.Punct:
			switch t.Text {
			case "(", "[", "{":
				stack = append(stack, t)
			case ")", "]", "}":
				if len(stack) == 0 || closing[stack[len(stack)-1].Text] != t.Text {
					return p.errAt(t, "unbalanced %q", t.Text)
				}
				stack = stack[:len(stack)-1]
			}
		}
		p.i++
	}
}

// --- templates: a main file and what it imports ---

// bicepTemplate is a main Bicep file with the files it imports.
type bicepTemplate struct {
	main  *bicepFile
	files map[string]*bicepFile // by path relative to the main file's directory
}

// loadTemplate reads a main Bicep file and the files it imports, and checks
// that every type reference resolves.
func loadTemplate(mainPath string) (*bicepTemplate, error) {
	dir := filepath.Dir(mainPath)
	tpl := &bicepTemplate{files: map[string]*bicepFile{}}
	var load func(rel string) (*bicepFile, error)
	load = func(rel string) (*bicepFile, error) {
		rel = filepath.Clean(rel)
		if f, ok := tpl.files[rel]; ok {
			return f, nil
		}
		src, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			return nil, err
		}
		f, err := parseBicep(rel, string(src))
		if err != nil {
			return nil, err
		}
		tpl.files[rel] = f
		for _, imp := range f.imports {
			if _, err := load(filepath.Join(filepath.Dir(rel), imp.path)); err != nil {
				return nil, err
			}
		}
		return f, nil
	}
	main, err := load(filepath.Base(mainPath))
	if err != nil {
		return nil, err
	}
	tpl.main = main
	// Every reference must resolve, in every file, used or not.
	for _, rel := range sortedKeys(tpl.files) {
		f := tpl.files[rel]
		for _, name := range sortedKeys(f.types) {
			if err := tpl.walkRefs(f, f.types[name]); err != nil {
				return nil, err
			}
		}
		for _, name := range f.paramOrder {
			if err := tpl.walkRefs(f, f.params[name].typ); err != nil {
				return nil, err
			}
		}
	}
	return tpl, nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func (tpl *bicepTemplate) walkRefs(f *bicepFile, t *bicepType) error {
	switch t.kind {
	case kRef:
		_, _, err := tpl.resolve(f, t)
		return err
	case kUnion:
		for _, m := range t.members {
			if err := tpl.walkRefs(f, m); err != nil {
				return err
			}
		}
		if t.discriminator != "" {
			for _, m := range t.members {
				if _, _, err := tpl.discriminant(f, m, t.discriminator); err != nil {
					return err
				}
			}
		}
	case kObject:
		for _, pr := range t.props {
			if err := tpl.walkRefs(f, pr.typ); err != nil {
				return err
			}
		}
		if t.additional != nil {
			return tpl.walkRefs(f, t.additional)
		}
	case kArray:
		if t.elem != nil {
			return tpl.walkRefs(f, t.elem)
		}
	}
	return nil
}

// resolve finds the declaration a reference names: a type of the same
// file, a name imported with import {...}, or alias.name for import * as
// alias. It follows references to references.
func (tpl *bicepTemplate) resolve(f *bicepFile, t *bicepType) (*bicepType, *bicepFile, error) {
	for range 32 {
		if t.kind != kRef {
			return t, f, nil
		}
		var target *bicepFile
		name := t.ref
		if alias, n, ok := strings.Cut(t.ref, "."); ok {
			for _, imp := range f.imports {
				if imp.alias == alias {
					target = tpl.files[filepath.Clean(filepath.Join(filepath.Dir(f.name), imp.path))]
				}
			}
			name = n
		} else if _, ok := f.types[name]; ok {
			target = f
		} else {
			for _, imp := range f.imports {
				for _, n := range imp.names {
					if n == name {
						target = tpl.files[filepath.Clean(filepath.Join(filepath.Dir(f.name), imp.path))]
					}
				}
			}
		}
		if target == nil {
			return nil, nil, fmt.Errorf("%s: unknown type %s", t.pos, t.ref)
		}
		decl, ok := target.types[name]
		if !ok {
			return nil, nil, fmt.Errorf("%s: type %s is not declared in %s", t.pos, t.ref, target.name)
		}
		if t.nullable && !decl.nullable {
			c := *decl
			c.nullable = true
			decl = &c
		}
		t, f = decl, target
	}
	return nil, nil, fmt.Errorf("%s: type references nest too deep", t.pos)
}

// discriminant is the literal a discriminated union's member fixes its
// discriminator property to, with the member's object type.
func (tpl *bicepTemplate) discriminant(f *bicepFile, m *bicepType, disc string) (string, *bicepType, error) {
	obj, _, err := tpl.resolve(f, m)
	if err != nil {
		return "", nil, err
	}
	if obj.kind != kObject || !obj.typedObject {
		return "", nil, fmt.Errorf("%s: member of a union discriminated by %q is not an object type", m.pos, disc)
	}
	for _, pr := range obj.props {
		if pr.name == disc {
			if s, ok := pr.typ.lit.(string); ok && pr.typ.kind == kLiteral && !pr.typ.nullable {
				return s, obj, nil
			}
		}
	}
	return "", nil, fmt.Errorf("%s: member of a union discriminated by %q has no string literal %q property", m.pos, disc, disc)
}

// --- checking values ---

// checkParameters checks an ARM parameters file's "parameters" object
// against the main file's declarations: no unknown name, every required
// parameter present, each entry {"value": v} with v of the declared type
// and within its decorators' limits. Values are compared as JSON decodes
// them with UseNumber, so pass what is written, read back.
func (tpl *bicepTemplate) checkParameters(params map[string]any) []error {
	var errs []error
	for _, name := range sortedKeys(params) {
		prm, ok := tpl.main.params[name]
		if !ok {
			errs = append(errs, fmt.Errorf("parameter %s: not declared by %s", name, tpl.main.name))
			continue
		}
		entry, ok := params[name].(map[string]any)
		if !ok {
			errs = append(errs, fmt.Errorf("parameter %s: entry is not an object", name))
			continue
		}
		v, ok := entry["value"]
		if !ok || len(entry) != 1 {
			errs = append(errs, fmt.Errorf("parameter %s: entry must be exactly {\"value\": ...}", name))
			continue
		}
		errs = append(errs, tpl.check(tpl.main, prm.typ, v, name)...)
	}
	for _, name := range tpl.main.paramOrder {
		if _, ok := params[name]; !ok && tpl.main.params[name].required() {
			errs = append(errs, fmt.Errorf("parameter %s: required (no default, not nullable) but missing", name))
		}
	}
	return errs
}

func (tpl *bicepTemplate) check(f *bicepFile, t *bicepType, v any, path string) []error {
	fail := func(format string, args ...any) []error {
		return []error{fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))}
	}
	if v == nil {
		if t.nullable {
			return nil
		}
		return fail("null, but the type (%s) is not nullable", t.pos)
	}
	if errs := checkConstraints(t.cons, v); len(errs) > 0 {
		return fail("%s", strings.Join(errs, "; "))
	}
	switch t.kind {
	case kRef:
		decl, df, err := tpl.resolve(f, t)
		if err != nil {
			return []error{err}
		}
		return tpl.check(df, decl, v, path)
	case kString:
		if _, ok := v.(string); !ok {
			return fail("want a string, got %s", jsonKind(v))
		}
	case kInt:
		if _, ok := asInt(v); !ok {
			return fail("want an integer, got %s", jsonKind(v))
		}
	case kBool:
		if _, ok := v.(bool); !ok {
			return fail("want a boolean, got %s", jsonKind(v))
		}
	case kLiteral:
		if !equalLiteral(t.lit, v) {
			return fail("want %v, got %v", fmtLiteral(t.lit), fmtValue(v))
		}
	case kArray:
		a, ok := v.([]any)
		if !ok {
			return fail("want an array, got %s", jsonKind(v))
		}
		if t.elem != nil {
			var errs []error
			for i, e := range a {
				errs = append(errs, tpl.check(f, t.elem, e, fmt.Sprintf("%s[%d]", path, i))...)
			}
			return errs
		}
	case kObject:
		m, ok := v.(map[string]any)
		if !ok {
			return fail("want an object, got %s", jsonKind(v))
		}
		if !t.typedObject {
			return nil
		}
		var errs []error
		declared := map[string]bool{}
		for _, pr := range t.props {
			declared[pr.name] = true
			pv, present := m[pr.name]
			if !present {
				if !pr.typ.nullable {
					errs = append(errs, fmt.Errorf("%s.%s: required property missing", path, pr.name))
				}
				continue
			}
			errs = append(errs, tpl.check(f, pr.typ, pv, path+"."+pr.name)...)
		}
		for _, k := range sortedKeys(m) {
			if declared[k] {
				continue
			}
			if t.additional == nil {
				// ARM itself accepts extra properties unless the type is
				// sealed; a generator that writes one has misspelt a name
				// the template then never reads.
				errs = append(errs, fmt.Errorf("%s.%s: not a property of the type declared at %s", path, k, t.pos))
				continue
			}
			errs = append(errs, tpl.check(f, t.additional, m[k], path+"."+k)...)
		}
		return errs
	case kUnion:
		if t.discriminator != "" {
			m, ok := v.(map[string]any)
			if !ok {
				return fail("want an object, got %s", jsonKind(v))
			}
			d, _ := m[t.discriminator].(string)
			var allowed []string
			for _, mem := range t.members {
				lit, obj, err := tpl.discriminant(f, mem, t.discriminator)
				if err != nil {
					return []error{err}
				}
				allowed = append(allowed, strconv.Quote(lit))
				if lit == d {
					_, mf, err := tpl.resolve(f, mem)
					if err != nil {
						return []error{err}
					}
					return tpl.check(mf, obj, v, path)
				}
			}
			return fail("%s %s is not one of %s", t.discriminator, fmtValue(m[t.discriminator]), strings.Join(allowed, ", "))
		}
		var last []error
		for _, mem := range t.members {
			errs := tpl.check(f, mem, v, path)
			if len(errs) == 0 {
				return nil
			}
			last = errs
		}
		if len(t.members) > 0 && allLiterals(tpl, f, t) {
			var opts []string
			for _, mem := range t.members {
				r, _, _ := tpl.resolve(f, mem)
				opts = append(opts, fmtLiteral(r.lit))
			}
			return fail("%s is not one of %s", fmtValue(v), strings.Join(opts, ", "))
		}
		return append(fail("matches no member of the union declared at %s; the last member's errors follow", t.pos), last...)
	default:
		return fail("type kind %q cannot be checked", t.kind)
	}
	return nil
}

func allLiterals(tpl *bicepTemplate, f *bicepFile, u *bicepType) bool {
	for _, m := range u.members {
		r, _, err := tpl.resolve(f, m)
		if err != nil || r.kind != kLiteral {
			return false
		}
	}
	return true
}

func checkConstraints(c constraints, v any) []string {
	var errs []string
	if len(c.allowed) > 0 {
		ok := false
		for _, a := range c.allowed {
			if equalLiteral(a, v) {
				ok = true
			}
		}
		if !ok {
			errs = append(errs, fmt.Sprintf("%s is not an allowed value", fmtValue(v)))
		}
	}
	var n int64 = -1
	switch x := v.(type) {
	case string:
		n = int64(utf8.RuneCountInString(x))
	case []any:
		n = int64(len(x))
	}
	if c.minLength != nil && n >= 0 && n < *c.minLength {
		errs = append(errs, fmt.Sprintf("length %d is below the minimum %d", n, *c.minLength))
	}
	if c.maxLength != nil && n > *c.maxLength {
		errs = append(errs, fmt.Sprintf("length %d is above the maximum %d", n, *c.maxLength))
	}
	if i, ok := asInt(v); ok {
		if c.minValue != nil && i < *c.minValue {
			errs = append(errs, fmt.Sprintf("%d is below the minimum %d", i, *c.minValue))
		}
		if c.maxValue != nil && i > *c.maxValue {
			errs = append(errs, fmt.Sprintf("%d is above the maximum %d", i, *c.maxValue))
		}
	}
	return errs
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		i, err := x.Int64()
		return i, err == nil
	case int64:
		return x, true
	case int:
		return int64(x), true
	}
	return 0, false
}

func equalLiteral(lit, v any) bool {
	switch l := lit.(type) {
	case string:
		s, ok := v.(string)
		return ok && s == l
	case bool:
		b, ok := v.(bool)
		return ok && b == l
	case int64:
		i, ok := asInt(v)
		return ok && i == l
	}
	return false
}

func fmtLiteral(l any) string {
	if s, ok := l.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(l)
}

func fmtValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, int, int64, float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// Validate checks a workspace's parameters against the workspace's Bicep
// template: mainTemplate.bicep and the types it imports, read from
// bicepDir (the bicep directory of a checkout of the workspace's
// repository at PinnedCommit). It reports every parameter that is not
// declared, every required parameter that is missing, and every value not
// of its declared type or outside its allowed values.
func Validate(w Workspace, bicepDir string) error {
	tpl, err := loadTemplate(filepath.Join(bicepDir, "mainTemplate.bicep"))
	if err != nil {
		return err
	}
	data, err := w.Marshal()
	if err != nil {
		return err
	}
	var doc struct {
		Parameters map[string]any `json:"parameters"`
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return err
	}
	return errors.Join(tpl.checkParameters(doc.Parameters)...)
}
