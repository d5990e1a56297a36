package bicep

import (
	"strings"

	"github.com/aizone/aizone/emit/bicep/lex"
)

// The parser of the Bicep subset this package writes: declarations
// (targetScope, param with @description, var, resource [existing],
// module, output; using and param = in a .bicepparam file), object and
// array literals one entry a line, strings with escapes and ${}
// interpolation, integers, true, false, null, names, function calls,
// property access and indexing. Anything else is an error at its
// file:line:col.

// Pos is a place in a file.
type Pos = lex.Pos

// Error is an error at a place in a Bicep file.
type Error = lex.Error

var errAt = lex.Errorf

// maxNesting bounds how deep objects, arrays, calls and interpolations
// nest, so that hostile input cannot exhaust the stack.
const maxNesting = lex.MaxNesting

// subsetPunct is the punctuation of the subset; the lexer knows all of
// Bicep's.
const subsetPunct = "{}[]():.,=@"

// subset checks each token as the lexer produces it, so that the first
// one outside the subset is the error even when a later one would not
// lex. It makes a minus sign and the integer after it one token.
func subset(next func() (lex.Token, error)) ([]lex.Token, error) {
	var out []lex.Token
	for {
		t, err := next()
		if err != nil {
			return nil, err
		}
		switch {
		case t.Kind == lex.Punct && t.Text == "-":
			n, err := next()
			if err != nil {
				return nil, err
			}
			if n.Kind != lex.Int || n.Pos != (Pos{File: t.Pos.File, Line: t.Pos.Line, Col: t.Pos.Col + 1}) {
				return nil, errAt(t.Pos, "a minus sign is only written before an integer")
			}
			t.Kind, t.Text = lex.Int, "-"+n.Text
		case t.Kind == lex.Punct && (len(t.Text) > 1 || !strings.Contains(subsetPunct, t.Text)):
			return nil, errAt(t.Pos, "unexpected '%s': not in the Bicep aizone writes (declarations, literals, names, calls, . and [])", t.Text)
		case t.Kind == lex.String && t.Multiline:
			return nil, errAt(t.Pos, "a multi-line string: not in the Bicep aizone writes (write \\n)")
		case t.Kind == lex.String:
			parts := make([]lex.Part, len(t.Parts))
			for i, p := range t.Parts {
				parts[i] = p
				if !p.Interp {
					continue
				}
				rest := p.Toks
				toks, err := subset(func() (lex.Token, error) {
					n := rest[0]
					rest = rest[1:]
					if n.Kind == lex.Newline {
						return n, errAt(p.Pos, "unterminated ${")
					}
					return n, nil
				})
				if err != nil {
					return nil, err
				}
				parts[i].Toks = toks
			}
			t.Parts = parts
		}
		if t.Kind == lex.Int && len(t.Text) > 19 {
			return nil, errAt(t.Pos, "integer %s is too long", t.Text)
		}
		out = append(out, t)
		if t.Kind == lex.EOF {
			return out, nil
		}
	}
}

// interpolation parses the expression of a string's ${}.
func (p *parser) interpolation(part lex.Part) (expr, error) {
	ps := &parser{toks: part.Toks, depth: p.depth + 1}
	x, err := ps.expr()
	if err != nil {
		return nil, err
	}
	if ps.peek().Kind != lex.EOF {
		return nil, errAt(ps.peek().Pos, "unexpected %s in ${}", ps.peek())
	}
	return x, nil
}

// strExpr is a string token's expression, its interpolations parsed.
func (p *parser) strExpr(t lex.Token) (*strExpr, error) {
	s := &strExpr{pos: t.Pos}
	for _, part := range t.Parts {
		if !part.Interp {
			s.parts = append(s.parts, strPart{lit: part.Lit})
			continue
		}
		x, err := p.interpolation(part)
		if err != nil {
			return nil, err
		}
		s.parts = append(s.parts, strPart{expr: x, isExpr: true})
	}
	return s, nil
}

// strPart is a literal run of a string or an interpolated expression.
type strPart struct {
	lit    string
	expr   expr
	isExpr bool
}

// Expressions.
type expr interface{ at() Pos }

type (
	strExpr struct {
		pos   Pos
		parts []strPart
	}
	intExpr struct {
		pos  Pos
		text string
	}
	identExpr struct {
		pos  Pos
		name string
	}
	callExpr struct {
		pos  Pos
		name string
		args []expr
	}
	propExpr struct {
		pos  Pos
		x    expr
		name string
	}
	indexExpr struct {
		pos  Pos
		x, i expr
	}
	objExpr struct {
		pos   Pos
		props []objProp
	}
	arrExpr struct {
		pos   Pos
		items []expr
	}
)

type objProp struct {
	pos  Pos
	key  string   // a name or a plain string
	keyX *strExpr // an interpolated key
	val  expr
}

func (e *strExpr) at() Pos   { return e.pos }
func (e *intExpr) at() Pos   { return e.pos }
func (e *identExpr) at() Pos { return e.pos }
func (e *callExpr) at() Pos  { return e.pos }
func (e *propExpr) at() Pos  { return e.pos }
func (e *indexExpr) at() Pos { return e.pos }
func (e *objExpr) at() Pos   { return e.pos }
func (e *arrExpr) at() Pos   { return e.pos }

// literal returns a string without interpolation.
func (e *strExpr) literal() (string, bool) {
	var b strings.Builder
	for _, p := range e.parts {
		if p.isExpr {
			return "", false
		}
		b.WriteString(p.lit)
	}
	return b.String(), true
}

// Declarations.
type decl struct {
	pos      Pos
	kind     string // targetScope, param, var, resource, module, output, using
	name     string
	typ      string // param and output type; resource type@version; module path
	desc     string
	hasDesc  bool
	existing bool
	value    expr
}

type parser struct {
	toks  []lex.Token
	i     int
	depth int
}

func (p *parser) peek() lex.Token { return p.toks[p.i] }

func (p *parser) nextTok() lex.Token {
	t := p.toks[p.i]
	if t.Kind != lex.EOF {
		p.i++
	}
	return t
}

func (p *parser) punct(s string) error {
	t := p.nextTok()
	if t.Kind != lex.Punct || t.Text != s {
		return errAt(t.Pos, "expected %q, found %s", s, t)
	}
	return nil
}

func (p *parser) ident() (lex.Token, error) {
	t := p.nextTok()
	if t.Kind != lex.Ident {
		return t, errAt(t.Pos, "expected a name, found %s", t)
	}
	return t, nil
}

func (p *parser) newlines() int {
	n := 0
	for p.peek().Kind == lex.Newline {
		p.i++
		n++
	}
	return n
}

// endOfLine requires a line break (or the end) after a declaration or an
// entry.
func (p *parser) endOfLine() error {
	t := p.peek()
	if t.Kind != lex.Newline && t.Kind != lex.EOF {
		return errAt(t.Pos, "expected a line break, found %s", t)
	}
	p.newlines()
	return nil
}

// parseFile parses a .bicep (params false) or .bicepparam (params true)
// file.
func parseFile(name string, src []byte, params bool) ([]decl, error) {
	toks, err := subset(lex.New(name, string(src)).Next)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	p.newlines()
	var out []decl
	for p.peek().Kind != lex.EOF {
		d, err := p.decl(params)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
		if err := p.endOfLine(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

var paramTypes = map[string]bool{"string": true, "int": true, "array": true, "object": true, "bool": true}

func (p *parser) decl(params bool) (decl, error) {
	d := decl{pos: p.peek().Pos}
	if !params && p.peek().Kind == lex.Punct && p.peek().Text == "@" {
		p.nextTok()
		t, err := p.ident()
		if err != nil {
			return d, err
		}
		if t.Text != "description" {
			return d, errAt(t.Pos, "decorator @%s: only @description is written by aizone", t.Text)
		}
		if err := p.punct("("); err != nil {
			return d, err
		}
		s := p.nextTok()
		if s.Kind != lex.String {
			return d, errAt(s.Pos, "@description takes a string, found %s", s)
		}
		lit, ok := s.Literal()
		if !ok {
			return d, errAt(s.Pos, "@description takes a string without interpolation")
		}
		if err := p.punct(")"); err != nil {
			return d, err
		}
		if err := p.endOfLine(); err != nil {
			return d, err
		}
		d.desc, d.hasDesc = lit, true
		if t := p.peek(); t.Kind != lex.Ident || t.Text != "param" {
			return d, errAt(t.Pos, "@description stands before a param, found %s", t)
		}
	}
	kw, err := p.ident()
	if err != nil {
		return d, err
	}
	d.kind = kw.Text
	d.pos = kw.Pos
	str := func(what string) (string, error) {
		t := p.nextTok()
		if t.Kind != lex.String {
			return "", errAt(t.Pos, "expected %s as a string, found %s", what, t)
		}
		s, ok := t.Literal()
		if !ok {
			return "", errAt(t.Pos, "%s is a string without interpolation", what)
		}
		return s, nil
	}
	value := func() error {
		if err := p.punct("="); err != nil {
			return err
		}
		x, err := p.expr()
		d.value = x
		return err
	}
	switch {
	case params && kw.Text == "using":
		d.typ, err = str("the template's path")
		return d, err
	case params && kw.Text == "param":
		t, err := p.ident()
		if err != nil {
			return d, err
		}
		d.name = t.Text
		return d, value()
	case params:
		return d, errAt(kw.Pos, "%s: a parameters file holds using and param declarations", kw.Text)
	}
	switch kw.Text {
	case "targetScope":
		return d, value()
	case "param", "output":
		t, err := p.ident()
		if err != nil {
			return d, err
		}
		d.name = t.Text
		ty, err := p.ident()
		if err != nil {
			return d, err
		}
		if !paramTypes[ty.Text] {
			return d, errAt(ty.Pos, "type %s: aizone writes string, int, array, object or bool", ty.Text)
		}
		d.typ = ty.Text
		if kw.Text == "param" && p.peek().Kind != lex.Punct {
			return d, nil
		}
		return d, value()
	case "var":
		t, err := p.ident()
		if err != nil {
			return d, err
		}
		d.name = t.Text
		return d, value()
	case "resource", "module":
		t, err := p.ident()
		if err != nil {
			return d, err
		}
		d.name = t.Text
		if d.typ, err = str("the " + kw.Text + "'s " + map[string]string{"resource": "type@apiVersion", "module": "path"}[kw.Text]); err != nil {
			return d, err
		}
		if kw.Text == "resource" && p.peek().Kind == lex.Ident && p.peek().Text == "existing" {
			p.nextTok()
			d.existing = true
		}
		if err := value(); err != nil {
			return d, err
		}
		if _, ok := d.value.(*objExpr); !ok {
			return d, errAt(d.value.at(), "a %s's body is an object", kw.Text)
		}
		return d, nil
	}
	return d, errAt(kw.Pos, "%s: not a declaration aizone writes (targetScope, param, var, resource, module, output)", kw.Text)
}

func (p *parser) expr() (expr, error) {
	if p.depth >= maxNesting {
		return nil, errAt(p.peek().Pos, "nested more than %d deep", maxNesting)
	}
	p.depth++
	defer func() { p.depth-- }()
	t := p.nextTok()
	var x expr
	switch {
	case t.Kind == lex.String:
		s, err := p.strExpr(t)
		if err != nil {
			return nil, err
		}
		x = s
	case t.Kind == lex.Int:
		x = &intExpr{pos: t.Pos, text: t.Text}
	case t.Kind == lex.Ident:
		if p.peek().Kind == lex.Punct && p.peek().Text == "(" {
			p.nextTok()
			c := &callExpr{pos: t.Pos, name: t.Text}
			if p.peek().Kind == lex.Punct && p.peek().Text == ")" {
				p.nextTok()
			} else {
				for {
					a, err := p.expr()
					if err != nil {
						return nil, err
					}
					c.args = append(c.args, a)
					n := p.nextTok()
					if n.Kind == lex.Punct && n.Text == "," {
						continue
					}
					if n.Kind == lex.Punct && n.Text == ")" {
						break
					}
					return nil, errAt(n.Pos, "expected , or ) in the arguments of %s, found %s", t.Text, n)
				}
			}
			x = c
		} else {
			x = &identExpr{pos: t.Pos, name: t.Text}
		}
	case t.Kind == lex.Punct && t.Text == "{":
		o := &objExpr{pos: t.Pos}
		if p.peek().Kind == lex.Punct && p.peek().Text == "}" {
			p.nextTok()
			x = o
			break
		}
		if p.newlines() == 0 {
			return nil, errAt(p.peek().Pos, "an object's entries start on the next line")
		}
		for !(p.peek().Kind == lex.Punct && p.peek().Text == "}") {
			k := p.nextTok()
			prop := objProp{pos: k.Pos}
			switch k.Kind {
			case lex.Ident:
				prop.key = k.Text
			case lex.String:
				s, err := p.strExpr(k)
				if err != nil {
					return nil, err
				}
				if lit, ok := s.literal(); ok {
					prop.key = lit
				} else {
					prop.keyX = s
				}
			default:
				return nil, errAt(k.Pos, "expected a property name, found %s", k)
			}
			if err := p.punct(":"); err != nil {
				return nil, err
			}
			v, err := p.expr()
			if err != nil {
				return nil, err
			}
			prop.val = v
			o.props = append(o.props, prop)
			if n := p.peek(); n.Kind != lex.Newline {
				return nil, errAt(n.Pos, "expected a line break after a property, found %s", n)
			}
			p.newlines()
		}
		p.nextTok()
		x = o
	case t.Kind == lex.Punct && t.Text == "[":
		a := &arrExpr{pos: t.Pos}
		if p.peek().Kind == lex.Punct && p.peek().Text == "]" {
			p.nextTok()
			x = a
			break
		}
		if p.newlines() == 0 {
			return nil, errAt(p.peek().Pos, "an array's items start on the next line")
		}
		for !(p.peek().Kind == lex.Punct && p.peek().Text == "]") {
			v, err := p.expr()
			if err != nil {
				return nil, err
			}
			a.items = append(a.items, v)
			if n := p.peek(); n.Kind != lex.Newline {
				return nil, errAt(n.Pos, "expected a line break after an item, found %s", n)
			}
			p.newlines()
		}
		p.nextTok()
		x = a
	default:
		return nil, errAt(t.Pos, "expected a value, found %s", t)
	}
	// Accessors bind to the term before them.
	for {
		n := p.peek()
		if n.Kind != lex.Punct {
			return x, nil
		}
		switch n.Text {
		case ".":
			p.nextTok()
			id, err := p.ident()
			if err != nil {
				return nil, err
			}
			x = &propExpr{pos: id.Pos, x: x, name: id.Text}
		case "[":
			p.nextTok()
			i, err := p.expr()
			if err != nil {
				return nil, err
			}
			if err := p.punct("]"); err != nil {
				return nil, err
			}
			x = &indexExpr{pos: n.Pos, x: x, i: i}
		default:
			return x, nil
		}
	}
}
