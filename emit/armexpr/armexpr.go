// Package armexpr parses the ARM template expressions that the resource
// model holds (the strings written as "[...]"), for the emitters that
// spell them in another language. Only the forms aizone writes are
// parsed: function calls, single-quoted strings, integers, and property
// and index accessors; anything else is an error, so that an emitter
// never guesses. Resolve finds the resource of the model that an id
// expression names, the one way every emitter turns a resourceId() into a
// reference.
package armexpr

import (
	"fmt"
	"strconv"
	"strings"
)

// Node is one term of an expression.
type Node interface {
	// Src is the node's exact text in the expression, which is also how
	// the resource model spells it (and so how other resources name it).
	Src() string
}

// Str is a string literal.
type Str struct {
	S    string
	Text string
}

// Num is an integer literal.
type Num struct {
	N    int64
	Text string
}

// Call is name(args...).
type Call struct {
	Name string
	Args []Node
	Text string
}

// Prop is X.Name.
type Prop struct {
	X    Node
	Name string
	Text string
}

// Index is X[I].
type Index struct {
	X, I Node
	Text string
}

// Src implements Node.
func (n *Str) Src() string { return n.Text }

// Src implements Node.
func (n *Num) Src() string { return n.Text }

// Src implements Node.
func (n *Call) Src() string { return n.Text }

// Src implements Node.
func (n *Prop) Src() string { return n.Text }

// Src implements Node.
func (n *Index) Src() string { return n.Text }

// Classify tells a string value of a template apart: an expression (its
// inside, isExpr true) or a literal (with ARM's "[[" escape undone).
func Classify(s string) (lit string, expr string, isExpr bool) {
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if strings.HasPrefix(s, "[[") {
			return s[1:], "", false
		}
		return "", s[1 : len(s)-1], true
	}
	return s, "", false
}

// Literal is the template spelling of the literal string s: ARM would
// read "[...]" as an expression, so it takes the "[[" escape.
func Literal(s string) string {
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		return "[" + s
	}
	return s
}

// Quote spells s as an expression's string literal.
func Quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Parse parses the inside of an expression (without the brackets).
func Parse(s string) (Node, error) {
	p := &parser{s: s}
	n, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, p.errorf("unexpected %q", p.s[p.i:])
	}
	return n, nil
}

// maxDepth bounds nesting, so that a hostile expression cannot exhaust
// the stack.
const maxDepth = 100

type parser struct {
	s string
	i int
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("ARM expression %q at offset %d: %s", p.s, p.i, fmt.Sprintf(format, args...))
}

func (p *parser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *parser) expr(depth int) (Node, error) {
	if depth > maxDepth {
		return nil, p.errorf("nested more than %d deep", maxDepth)
	}
	p.space()
	start := p.i
	var n Node
	switch c := p.peek(); {
	case c == '\'':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		n = &Str{S: s, Text: p.s[start:p.i]}
	case c == '-' || (c >= '0' && c <= '9'):
		p.i++
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		v, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
		if err != nil {
			return nil, p.errorf("bad number %q", p.s[start:p.i])
		}
		n = &Num{N: v, Text: p.s[start:p.i]}
	case isIdentStart(c):
		name := p.ident()
		p.space()
		if p.peek() != '(' {
			return nil, p.errorf("%s is not a function call", name)
		}
		p.i++
		c := &Call{Name: name}
		p.space()
		if p.peek() == ')' {
			p.i++
		} else {
			for {
				a, err := p.expr(depth + 1)
				if err != nil {
					return nil, err
				}
				c.Args = append(c.Args, a)
				p.space()
				if p.peek() == ',' {
					p.i++
					continue
				}
				if p.peek() == ')' {
					p.i++
					break
				}
				return nil, p.errorf("expected , or ) in the arguments of %s", name)
			}
		}
		c.Text = p.s[start:p.i]
		n = c
	default:
		return nil, p.errorf("unexpected %q", p.s[p.i:])
	}
	// Accessors bind to the term before them.
	for {
		switch p.peek() {
		case '.':
			p.i++
			if !isIdentStart(p.peek()) {
				return nil, p.errorf("expected a property name after .")
			}
			name := p.ident()
			n = &Prop{X: n, Name: name, Text: p.s[start:p.i]}
			continue
		case '[':
			p.i++
			i, err := p.expr(depth + 1)
			if err != nil {
				return nil, err
			}
			p.space()
			if p.peek() != ']' {
				return nil, p.errorf("expected ]")
			}
			p.i++
			n = &Index{X: n, I: i, Text: p.s[start:p.i]}
			continue
		}
		return n, nil
	}
}

func (p *parser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *parser) ident() string {
	start := p.i
	for p.i < len(p.s) && (isIdentStart(p.s[p.i]) || p.s[p.i] >= '0' && p.s[p.i] <= '9') {
		p.i++
	}
	return p.s[start:p.i]
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// str reads a single-quoted string, in which two quotes stand for one.
func (p *parser) str() (string, error) {
	p.i++ // opening quote
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		if c != '\'' {
			b.WriteByte(c)
			continue
		}
		if p.peek() == '\'' {
			b.WriteByte('\'')
			p.i++
			continue
		}
		return b.String(), nil
	}
	return "", p.errorf("unterminated string")
}

// Literals returns the string literals among args, and whether all of
// them are.
func Literals(args []Node) ([]string, bool) {
	var out []string
	all := true
	for _, a := range args {
		if s, ok := a.(*Str); ok {
			out = append(out, s.S)
		} else {
			all = false
		}
	}
	return out, all
}

// Key names a resource of the model in the maps Resolve reads: its
// resource group (or, for an extension resource, its scope as the model
// spells it), its type and its name ("vnet/subnet" for a child).
func Key(rgOrScope, typ, name string) string { return rgOrScope + "\x00" + typ + "\x00" + name }

const (
	typeVNet   = "Microsoft.Network/virtualNetworks"
	typeSubnet = typeVNet + "/subnets"
)

// Resolve finds the resource an id expression of the model names:
// resourceId() and subscriptionResourceId() with literal arguments in
// byKey, extensionResourceId() in ext (both keyed by Key). A subnet is
// deployed by its VNet, so a subnet's id resolves to the VNet when the
// model has no subnet of its own. in names what holds the resources, for
// the error ("the module").
func Resolve[T any](n Node, byKey, ext map[string]T, in string) (T, error) {
	var zero T
	c, ok := n.(*Call)
	if !ok {
		return zero, fmt.Errorf("%s is not a resource id", n.Src())
	}
	lits, all := Literals(c.Args)
	switch c.Name {
	case "resourceId":
		if !all || len(lits) < 3 {
			break
		}
		rg, typ, names := lits[0], lits[1], lits[2:]
		if it, ok := byKey[Key(rg, typ, strings.Join(names, "/"))]; ok {
			return it, nil
		}
		if typ == typeSubnet && len(names) == 2 {
			if it, ok := byKey[Key(rg, typeVNet, names[0])]; ok {
				return it, nil
			}
		}
	case "subscriptionResourceId":
		if !all || len(lits) < 2 {
			break
		}
		if it, ok := byKey[Key("", lits[0], strings.Join(lits[1:], "/"))]; ok {
			return it, nil
		}
	case "extensionResourceId":
		if len(c.Args) != 3 {
			break
		}
		typ, ok := c.Args[1].(*Str)
		if !ok {
			break
		}
		name := "[" + c.Args[2].Src() + "]"
		if s, ok := c.Args[2].(*Str); ok {
			name = s.S
		}
		if it, ok := ext[Key("["+c.Args[0].Src()+"]", typ.S, name)]; ok {
			return it, nil
		}
	}
	return zero, fmt.Errorf("%s names no resource of %s", n.Src(), in)
}
