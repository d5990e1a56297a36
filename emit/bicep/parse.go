package bicep

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The parser of the Bicep subset this package writes: declarations
// (targetScope, param with @description, var, resource [existing],
// module, output; using and param = in a .bicepparam file), object and
// array literals one entry a line, strings with escapes and ${}
// interpolation, integers, true, false, null, names, function calls,
// property access and indexing. Anything else is an error at its
// file:line:col.

// Pos is a place in a file.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Error is an error at a place in a Bicep file.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

func errAt(p Pos, format string, args ...any) error {
	return &Error{Pos: p, Msg: fmt.Sprintf(format, args...)}
}

type tokKind int

const (
	tEOF tokKind = iota
	tNewline
	tIdent
	tString
	tInt
	tPunct
)

type token struct {
	kind  tokKind
	text  string // identifier, punctuation or integer as written
	parts []strPart
	pos   Pos
}

// strPart is a literal run of a string or an interpolated expression.
type strPart struct {
	lit    string
	expr   expr
	isExpr bool
}

type lexer struct {
	file      string
	src       string
	i         int
	line, col int
	depth     int
}

// maxNesting bounds how deep objects, arrays, calls and interpolations
// nest, so that hostile input cannot exhaust the stack.
const maxNesting = 64

func (l *lexer) pos() Pos { return Pos{l.file, l.line, l.col} }

func (l *lexer) advance() {
	if l.src[l.i] == '\n' {
		l.line++
		l.col = 1
	} else {
		l.col++
	}
	l.i++
}

func (l *lexer) tokens() ([]token, error) {
	if !utf8.ValidString(l.src) {
		return nil, errAt(Pos{l.file, 1, 1}, "the file is not UTF-8")
	}
	var out []token
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		if t.kind == tEOF {
			return out, nil
		}
	}
}

func (l *lexer) next() (token, error) {
	for l.i < len(l.src) {
		c := l.src[l.i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			l.advance()
		case c == '/' && strings.HasPrefix(l.src[l.i:], "//"):
			for l.i < len(l.src) && l.src[l.i] != '\n' {
				l.advance()
			}
		case c == '/' && strings.HasPrefix(l.src[l.i:], "/*"):
			start := l.pos()
			for l.i < len(l.src) && !strings.HasPrefix(l.src[l.i:], "*/") {
				l.advance()
			}
			if l.i >= len(l.src) {
				return token{}, errAt(start, "unterminated comment")
			}
			l.advance()
			l.advance()
		default:
			return l.token()
		}
	}
	return token{kind: tEOF, pos: l.pos()}, nil
}

func (l *lexer) token() (token, error) {
	p := l.pos()
	c := l.src[l.i]
	switch {
	case c == '\n':
		l.advance()
		return token{kind: tNewline, text: "\n", pos: p}, nil
	case c == '\'':
		parts, err := l.str()
		if err != nil {
			return token{}, err
		}
		return token{kind: tString, parts: parts, pos: p}, nil
	case c == '-' || c >= '0' && c <= '9':
		start := l.i
		l.advance()
		for l.i < len(l.src) && l.src[l.i] >= '0' && l.src[l.i] <= '9' {
			l.advance()
		}
		text := l.src[start:l.i]
		if text == "-" {
			return token{}, errAt(p, "a minus sign is only written before an integer")
		}
		if len(text) > 19 {
			return token{}, errAt(p, "integer %s is too long", text)
		}
		return token{kind: tInt, text: text, pos: p}, nil
	case isIdentStart(c):
		start := l.i
		for l.i < len(l.src) && (isIdentStart(l.src[l.i]) || l.src[l.i] >= '0' && l.src[l.i] <= '9') {
			l.advance()
		}
		return token{kind: tIdent, text: l.src[start:l.i], pos: p}, nil
	case strings.IndexByte("{}[]():.,=@", c) >= 0:
		l.advance()
		return token{kind: tPunct, text: string(c), pos: p}, nil
	}
	r, _ := utf8.DecodeRuneInString(l.src[l.i:])
	return token{}, errAt(p, "unexpected %q: not in the Bicep aizone writes (declarations, literals, names, calls, . and [])", r)
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// str reads a single-quoted string with its escapes and interpolations.
func (l *lexer) str() ([]strPart, error) {
	start := l.pos()
	l.advance() // opening quote
	var parts []strPart
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, strPart{lit: lit.String()})
			lit.Reset()
		}
	}
	for l.i < len(l.src) {
		c := l.src[l.i]
		switch {
		case c == '\'':
			l.advance()
			flush()
			return parts, nil
		case c == '\n':
			return nil, errAt(l.pos(), "a line break in a string (write \\n)")
		case c == '\\':
			p := l.pos()
			l.advance()
			if l.i >= len(l.src) {
				return nil, errAt(p, "unterminated escape")
			}
			e := l.src[l.i]
			l.advance()
			switch e {
			case '\\':
				lit.WriteByte('\\')
			case '\'':
				lit.WriteByte('\'')
			case 'n':
				lit.WriteByte('\n')
			case 'r':
				lit.WriteByte('\r')
			case 't':
				lit.WriteByte('\t')
			case '$':
				lit.WriteByte('$')
			case 'u':
				end := strings.IndexByte(l.src[l.i:], '}')
				if l.i >= len(l.src) || l.src[l.i] != '{' || end < 0 || end > 9 {
					return nil, errAt(p, "a \\u escape is written \\u{hex}")
				}
				var r rune
				if _, err := fmt.Sscanf(l.src[l.i+1:l.i+end], "%X", &r); err != nil || fmt.Sprintf("%X", r) != strings.ToUpper(l.src[l.i+1:l.i+end]) || !utf8.ValidRune(r) {
					return nil, errAt(p, "bad \\u escape %q", l.src[l.i:l.i+end+1])
				}
				for k := 0; k <= end; k++ {
					l.advance()
				}
				lit.WriteRune(r)
			default:
				return nil, errAt(p, "unknown escape \\%c", e)
			}
		case c == '$' && strings.HasPrefix(l.src[l.i:], "${"):
			flush()
			p := l.pos()
			l.advance()
			l.advance()
			if l.depth >= maxNesting {
				return nil, errAt(p, "nested more than %d deep", maxNesting)
			}
			// The interpolation's tokens, up to its closing brace.
			l.depth++
			var toks []token
			braces := 0
			for {
				t, err := l.next()
				if err != nil {
					return nil, err
				}
				if t.kind == tEOF || t.kind == tNewline {
					return nil, errAt(p, "unterminated ${")
				}
				if t.kind == tPunct && t.text == "{" {
					braces++
				}
				if t.kind == tPunct && t.text == "}" {
					if braces == 0 {
						toks = append(toks, token{kind: tEOF, pos: t.pos})
						break
					}
					braces--
				}
				toks = append(toks, t)
			}
			l.depth--
			ps := &parser{toks: toks, depth: l.depth + 1}
			x, err := ps.expr()
			if err != nil {
				return nil, err
			}
			if ps.peek().kind != tEOF {
				return nil, errAt(ps.peek().pos, "unexpected %s in ${}", ps.peek().describe())
			}
			parts = append(parts, strPart{expr: x, isExpr: true})
		default:
			lit.WriteByte(c)
			l.advance()
		}
	}
	return nil, errAt(start, "unterminated string")
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
	toks  []token
	i     int
	depth int
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tNewline:
		return "line break"
	case tString:
		return "string"
	}
	return fmt.Sprintf("%q", t.text)
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) nextTok() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) punct(s string) error {
	t := p.nextTok()
	if t.kind != tPunct || t.text != s {
		return errAt(t.pos, "expected %q, found %s", s, t.describe())
	}
	return nil
}

func (p *parser) ident() (token, error) {
	t := p.nextTok()
	if t.kind != tIdent {
		return t, errAt(t.pos, "expected a name, found %s", t.describe())
	}
	return t, nil
}

func (p *parser) newlines() int {
	n := 0
	for p.peek().kind == tNewline {
		p.i++
		n++
	}
	return n
}

// endOfLine requires a line break (or the end) after a declaration or an
// entry.
func (p *parser) endOfLine() error {
	t := p.peek()
	if t.kind != tNewline && t.kind != tEOF {
		return errAt(t.pos, "expected a line break, found %s", t.describe())
	}
	p.newlines()
	return nil
}

// parseFile parses a .bicep (params false) or .bicepparam (params true)
// file.
func parseFile(name string, src []byte, params bool) ([]decl, error) {
	l := &lexer{file: name, src: string(src), line: 1, col: 1}
	toks, err := l.tokens()
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	p.newlines()
	var out []decl
	for p.peek().kind != tEOF {
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
	d := decl{pos: p.peek().pos}
	if !params && p.peek().kind == tPunct && p.peek().text == "@" {
		p.nextTok()
		t, err := p.ident()
		if err != nil {
			return d, err
		}
		if t.text != "description" {
			return d, errAt(t.pos, "decorator @%s: only @description is written by aizone", t.text)
		}
		if err := p.punct("("); err != nil {
			return d, err
		}
		s := p.nextTok()
		if s.kind != tString {
			return d, errAt(s.pos, "@description takes a string, found %s", s.describe())
		}
		lit, ok := (&strExpr{parts: s.parts}).literal()
		if !ok {
			return d, errAt(s.pos, "@description takes a string without interpolation")
		}
		if err := p.punct(")"); err != nil {
			return d, err
		}
		if err := p.endOfLine(); err != nil {
			return d, err
		}
		d.desc, d.hasDesc = lit, true
		if t := p.peek(); t.kind != tIdent || t.text != "param" {
			return d, errAt(t.pos, "@description stands before a param, found %s", t.describe())
		}
	}
	kw, err := p.ident()
	if err != nil {
		return d, err
	}
	d.kind = kw.text
	d.pos = kw.pos
	str := func(what string) (string, error) {
		t := p.nextTok()
		if t.kind != tString {
			return "", errAt(t.pos, "expected %s as a string, found %s", what, t.describe())
		}
		s, ok := (&strExpr{parts: t.parts}).literal()
		if !ok {
			return "", errAt(t.pos, "%s is a string without interpolation", what)
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
	case params && kw.text == "using":
		d.typ, err = str("the template's path")
		return d, err
	case params && kw.text == "param":
		t, err := p.ident()
		if err != nil {
			return d, err
		}
		d.name = t.text
		return d, value()
	case params:
		return d, errAt(kw.pos, "%s: a parameters file holds using and param declarations", kw.text)
	}
	switch kw.text {
	case "targetScope":
		return d, value()
	case "param", "output":
		t, err := p.ident()
		if err != nil {
			return d, err
		}
		d.name = t.text
		ty, err := p.ident()
		if err != nil {
			return d, err
		}
		if !paramTypes[ty.text] {
			return d, errAt(ty.pos, "type %s: aizone writes string, int, array, object or bool", ty.text)
		}
		d.typ = ty.text
		if kw.text == "param" && p.peek().kind != tPunct {
			return d, nil
		}
		return d, value()
	case "var":
		t, err := p.ident()
		if err != nil {
			return d, err
		}
		d.name = t.text
		return d, value()
	case "resource", "module":
		t, err := p.ident()
		if err != nil {
			return d, err
		}
		d.name = t.text
		if d.typ, err = str("the " + kw.text + "'s " + map[string]string{"resource": "type@apiVersion", "module": "path"}[kw.text]); err != nil {
			return d, err
		}
		if kw.text == "resource" && p.peek().kind == tIdent && p.peek().text == "existing" {
			p.nextTok()
			d.existing = true
		}
		if err := value(); err != nil {
			return d, err
		}
		if _, ok := d.value.(*objExpr); !ok {
			return d, errAt(d.value.at(), "a %s's body is an object", kw.text)
		}
		return d, nil
	}
	return d, errAt(kw.pos, "%s: not a declaration aizone writes (targetScope, param, var, resource, module, output)", kw.text)
}

func (p *parser) expr() (expr, error) {
	if p.depth >= maxNesting {
		return nil, errAt(p.peek().pos, "nested more than %d deep", maxNesting)
	}
	p.depth++
	defer func() { p.depth-- }()
	t := p.nextTok()
	var x expr
	switch {
	case t.kind == tString:
		x = &strExpr{pos: t.pos, parts: t.parts}
	case t.kind == tInt:
		x = &intExpr{pos: t.pos, text: t.text}
	case t.kind == tIdent:
		if p.peek().kind == tPunct && p.peek().text == "(" {
			p.nextTok()
			c := &callExpr{pos: t.pos, name: t.text}
			if p.peek().kind == tPunct && p.peek().text == ")" {
				p.nextTok()
			} else {
				for {
					a, err := p.expr()
					if err != nil {
						return nil, err
					}
					c.args = append(c.args, a)
					n := p.nextTok()
					if n.kind == tPunct && n.text == "," {
						continue
					}
					if n.kind == tPunct && n.text == ")" {
						break
					}
					return nil, errAt(n.pos, "expected , or ) in the arguments of %s, found %s", t.text, n.describe())
				}
			}
			x = c
		} else {
			x = &identExpr{pos: t.pos, name: t.text}
		}
	case t.kind == tPunct && t.text == "{":
		o := &objExpr{pos: t.pos}
		if p.peek().kind == tPunct && p.peek().text == "}" {
			p.nextTok()
			x = o
			break
		}
		if p.newlines() == 0 {
			return nil, errAt(p.peek().pos, "an object's entries start on the next line")
		}
		for !(p.peek().kind == tPunct && p.peek().text == "}") {
			k := p.nextTok()
			prop := objProp{pos: k.pos}
			switch k.kind {
			case tIdent:
				prop.key = k.text
			case tString:
				s := &strExpr{pos: k.pos, parts: k.parts}
				if lit, ok := s.literal(); ok {
					prop.key = lit
				} else {
					prop.keyX = s
				}
			default:
				return nil, errAt(k.pos, "expected a property name, found %s", k.describe())
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
			if n := p.peek(); n.kind != tNewline {
				return nil, errAt(n.pos, "expected a line break after a property, found %s", n.describe())
			}
			p.newlines()
		}
		p.nextTok()
		x = o
	case t.kind == tPunct && t.text == "[":
		a := &arrExpr{pos: t.pos}
		if p.peek().kind == tPunct && p.peek().text == "]" {
			p.nextTok()
			x = a
			break
		}
		if p.newlines() == 0 {
			return nil, errAt(p.peek().pos, "an array's items start on the next line")
		}
		for !(p.peek().kind == tPunct && p.peek().text == "]") {
			v, err := p.expr()
			if err != nil {
				return nil, err
			}
			a.items = append(a.items, v)
			if n := p.peek(); n.kind != tNewline {
				return nil, errAt(n.pos, "expected a line break after an item, found %s", n.describe())
			}
			p.newlines()
		}
		p.nextTok()
		x = a
	default:
		return nil, errAt(t.pos, "expected a value, found %s", t.describe())
	}
	// Accessors bind to the term before them.
	for {
		n := p.peek()
		if n.kind != tPunct {
			return x, nil
		}
		switch n.text {
		case ".":
			p.nextTok()
			id, err := p.ident()
			if err != nil {
				return nil, err
			}
			x = &propExpr{pos: id.pos, x: x, name: id.text}
		case "[":
			p.nextTok()
			i, err := p.expr()
			if err != nil {
				return nil, err
			}
			if err := p.punct("]"); err != nil {
				return nil, err
			}
			x = &indexExpr{pos: n.pos, x: x, i: i}
		default:
			return x, nil
		}
	}
}
