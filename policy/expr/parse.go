// Package expr implements the ARM template expression language as Azure
// Policy uses it: the strings in a policy definition that begin with "[" and
// end with "]", such as "[concat('tags[', parameters('tagName'), ']')]".
//
// An expression is parsed once into a tree (Parse) and evaluated many times
// against a Context that supplies what the policy engine knows at evaluation
// time: parameter values, the resource's fields, the current array member of
// a count, the resource group and subscription. Keeping the context behind an
// interface lets the policy package evaluate expressions without this package
// knowing anything about resources or aliases.
//
// Parsing is strict by default: unknown functions and wrong argument counts
// are errors, because a policy that names a function Azure does not have is
// a broken policy. ParseTemplate is lenient about function names, for the
// deployment templates embedded in deployIfNotExists policies, which Azure
// Resource Manager evaluates later with its own, larger function set.
package expr

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Node is a parsed expression.
type Node interface {
	// String renders the node back in expression syntax, for messages.
	String() string
}

// Lit is a literal string or integer.
type Lit struct{ V any }

// Call is a function call. Name is lower-cased: ARM function names are
// case-insensitive ("toLower" and "tolower" are the same function).
type Call struct {
	Name string
	Args []Node
	fn   *function
}

// Prop is property access: x.name.
type Prop struct {
	X    Node
	Name string
}

// Index is index access: x[i], where i is a number or a string.
type Index struct {
	X Node
	I Node
}

func (l *Lit) String() string {
	if s, ok := l.V.(string); ok {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return fmt.Sprint(l.V)
}

func (c *Call) String() string {
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = a.String()
	}
	return c.Name + "(" + strings.Join(parts, ", ") + ")"
}

func (p *Prop) String() string  { return p.X.String() + "." + p.Name }
func (x *Index) String() string { return x.X.String() + "[" + x.I.String() + "]" }

// SyntaxError describes a malformed expression and where in it the problem is.
type SyntaxError struct {
	Expr string
	Pos  int
	Msg  string
	// limit marks an expression over one of Azure's limits on its text
	// (length, nesting, arguments): errors.Is(err, ErrLimit) holds.
	limit bool
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("expression %q at offset %d: %s", excerpt(e.Expr, e.Pos), e.Pos, e.Msg)
}

// excerpt shortens a long expression for a message to what surrounds pos.
func excerpt(s string, pos int) string {
	const most = 160
	if len(s) <= most {
		return s
	}
	from := max(min(pos-most/2, len(s)-most), 0)
	out := s[from : from+most]
	if from > 0 {
		out = "..." + out
	}
	if from+most < len(s) {
		out += "..."
	}
	return out
}

// ErrUnknownFunction is wrapped by errors for calls to functions this package
// does not know.
var ErrUnknownFunction = errors.New("unknown function")

// ErrArity is wrapped by errors for calls with the wrong number of arguments.
var ErrArity = errors.New("wrong number of arguments")

// IsExpression reports whether s is an expression rather than a literal
// string: it starts with "[" and ends with "]" and does not start with "[[",
// which Azure uses to escape a literal leading bracket.
func IsExpression(s string) bool {
	return len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']' && s[1] != '['
}

// Unescape returns the literal value of a string that is not an expression:
// a leading "[[" stands for a single "[".
func Unescape(s string) string {
	if strings.HasPrefix(s, "[[") && strings.HasSuffix(s, "]") {
		return s[1:]
	}
	return s
}

// Parse parses a bracketed policy expression ("[...]") with the strict
// function table.
func Parse(s string) (Node, error) { return parse(s, true) }

// ParseTemplate parses a bracketed expression from an embedded deployment
// template: syntax is checked, function names are not.
func ParseTemplate(s string) (Node, error) { return parse(s, false) }

func parse(s string, strict bool) (Node, error) {
	if !IsExpression(s) {
		return nil, &SyntaxError{Expr: s, Pos: 0, Msg: "not an expression: must start with '[' and end with ']'"}
	}
	limit, what := MaxExpressionLength, "Azure Policy allows in a policy rule"
	if !strict {
		limit, what = MaxTemplateExpressionLength, "Azure Resource Manager allows in a template"
	}
	if len(s) > limit && utf16Len(s) > limit {
		return nil, &SyntaxError{Expr: s, Pos: 0, Msg: fmt.Sprintf("expression is %d characters long, more than the %d %s", utf16Len(s), limit, what), limit: true}
	}
	p := &parser{src: s, pos: 1, end: len(s) - 1, strict: strict}
	p.skipSpace()
	n, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != p.end {
		return nil, p.errf("unexpected %q after the expression", p.src[p.pos:p.end])
	}
	return n, nil
}

type parser struct {
	src    string
	pos    int
	end    int
	strict bool
}

func (p *parser) errf(format string, args ...any) error {
	return &SyntaxError{Expr: p.src, Pos: p.pos, Msg: fmt.Sprintf(format, args...)}
}

// skipSpace skips white space, including Unicode spaces: some built-in
// definitions contain a narrow no-break space between arguments, and Azure
// accepts them.
func (p *parser) skipSpace() {
	for p.pos < p.end {
		r, size := utf8.DecodeRuneInString(p.src[p.pos:p.end])
		if !unicode.IsSpace(r) && r != '\u200b' && r != '\ufeff' {
			return
		}
		p.pos += size
	}
}

func (p *parser) expr(depth int) (Node, error) {
	p.skipSpace()
	if p.pos >= p.end {
		return nil, p.errf("unexpected end of expression")
	}
	var n Node
	c := p.src[p.pos]
	switch {
	case c == '\'':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		n = &Lit{V: s}
	case c == '-' || (c >= '0' && c <= '9'):
		v, err := p.num()
		if err != nil {
			return nil, err
		}
		n = &Lit{V: v}
	case isIdentStart(c):
		if depth >= MaxNesting {
			return nil, p.tooDeep()
		}
		call, err := p.call(depth)
		if err != nil {
			return nil, err
		}
		n = call
	default:
		return nil, p.errf("unexpected %q", string(c))
	}
	// Postfix accessors: .name and [index], in any sequence.
	for {
		p.skipSpace()
		if p.pos >= p.end {
			return n, nil
		}
		switch p.src[p.pos] {
		case '.':
			p.pos++
			p.skipSpace()
			start := p.pos
			for p.pos < p.end && isIdentPart(p.src[p.pos]) {
				p.pos++
			}
			if start == p.pos {
				return nil, p.errf("expected a property name after '.'")
			}
			n = &Prop{X: n, Name: p.src[start:p.pos]}
		case '[':
			if depth+1 >= MaxNesting {
				return nil, p.tooDeep()
			}
			p.pos++
			i, err := p.expr(depth + 1)
			if err != nil {
				return nil, err
			}
			p.skipSpace()
			if p.pos >= p.end || p.src[p.pos] != ']' {
				return nil, p.errf("expected ']'")
			}
			p.pos++
			n = &Index{X: n, I: i}
		default:
			return n, nil
		}
	}
}

// tooDeep is the error for nesting past MaxNesting, the check that also
// keeps hostile input from exhausting the stack.
func (p *parser) tooDeep() error {
	err := p.errf("functions nested more than %d deep, the most Azure Policy allows", MaxNesting)
	err.(*SyntaxError).limit = true
	return err
}

func (p *parser) str() (string, error) {
	p.pos++ // opening quote
	var b strings.Builder
	for p.pos < p.end {
		c := p.src[p.pos]
		if c == '\'' {
			if p.pos+1 < p.end && p.src[p.pos+1] == '\'' {
				b.WriteByte('\'')
				p.pos += 2
				continue
			}
			p.pos++
			return b.String(), nil
		}
		b.WriteByte(c)
		p.pos++
	}
	return "", p.errf("unterminated string literal")
}

func (p *parser) num() (any, error) {
	start := p.pos
	if p.src[p.pos] == '-' {
		p.pos++
	}
	for p.pos < p.end && (p.src[p.pos] >= '0' && p.src[p.pos] <= '9' || p.src[p.pos] == '.') {
		p.pos++
	}
	text := p.src[start:p.pos]
	if strings.Contains(text, ".") {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, p.errf("bad number %q", text)
		}
		return f, nil
	}
	i, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return nil, p.errf("bad number %q", text)
	}
	return float64(i), nil
}

func (p *parser) call(depth int) (Node, error) {
	start := p.pos
	for p.pos < p.end && isIdentPart(p.src[p.pos]) {
		p.pos++
	}
	name := p.src[start:p.pos]
	p.skipSpace()
	if p.pos >= p.end || p.src[p.pos] != '(' {
		return nil, p.errf("expected '(' after %q (bare identifiers are not values; use a function or a quoted string)", name)
	}
	p.pos++
	var args []Node
	p.skipSpace()
	if p.pos < p.end && p.src[p.pos] == ')' {
		p.pos++
	} else {
		for {
			a, err := p.expr(depth + 1)
			if err != nil {
				return nil, err
			}
			if len(args) == MaxArguments {
				return nil, &SyntaxError{Expr: p.src, Pos: start, Msg: fmt.Sprintf("%s has more than %d arguments, the most Azure Policy allows", name, MaxArguments), limit: true}
			}
			args = append(args, a)
			p.skipSpace()
			if p.pos >= p.end {
				return nil, p.errf("unbalanced parentheses: missing ')' for %s(", name)
			}
			if p.src[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.src[p.pos] == ')' {
				p.pos++
				break
			}
			return nil, p.errf("expected ',' or ')' in the arguments of %s", name)
		}
	}
	lname := strings.ToLower(name)
	c := &Call{Name: lname, Args: args}
	if f, ok := functions[lname]; ok {
		if len(args) < f.min || (f.max >= 0 && len(args) > f.max) {
			if p.strict {
				return nil, &SyntaxError{Expr: p.src, Pos: start, Msg: fmt.Sprintf("%s: %v: got %d, want %s", name, ErrArity, len(args), f.arity())}
			}
		}
		c.fn = f
	} else if p.strict {
		return nil, &SyntaxError{Expr: p.src, Pos: start, Msg: fmt.Sprintf("%v %q", ErrUnknownFunction, name)}
	}
	return c, nil
}

// Unwrap lets errors.Is find ErrUnknownFunction and ErrArity in a SyntaxError.
func (e *SyntaxError) Unwrap() error {
	switch {
	case e.limit:
		return ErrLimit
	case strings.Contains(e.Msg, ErrUnknownFunction.Error()):
		return ErrUnknownFunction
	case strings.Contains(e.Msg, ErrArity.Error()):
		return ErrArity
	}
	return nil
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9'
}

// Walk calls fn for n and every node below it, depth first.
func Walk(n Node, fn func(Node)) {
	fn(n)
	switch x := n.(type) {
	case *Call:
		for _, a := range x.Args {
			Walk(a, fn)
		}
	case *Prop:
		Walk(x.X, fn)
	case *Index:
		Walk(x.X, fn)
		Walk(x.I, fn)
	}
}

// Uses reports whether the expression calls any of the named functions
// (lower-case). The policy engine uses it to tell expressions that depend only
// on parameters, which it evaluates once per assignment, from those that
// depend on the resource.
func Uses(n Node, names ...string) bool {
	found := false
	Walk(n, func(m Node) {
		if c, ok := m.(*Call); ok {
			for _, name := range names {
				if c.Name == name {
					found = true
				}
			}
		}
	})
	return found
}
