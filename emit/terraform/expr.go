package terraform

import (
	"fmt"
	"strconv"
	"strings"
)

// node is one term of an ARM template expression, the language of the
// strings aizone writes as "[...]". Only the forms aizone emits are
// parsed: function calls, single-quoted strings, integers, and property
// and index accessors.
type node interface {
	// src is the node's exact text in the expression, which is also how
	// the resource model spells it (and so how other resources name it).
	src() string
}

type strLit struct {
	s    string
	text string
}

type numLit struct {
	n    int64
	text string
}

type call struct {
	name string
	args []node
	text string
}

// prop is x.name.
type prop struct {
	x    node
	name string
	text string
}

// index is x[i].
type index struct {
	x, i node
	text string
}

func (n *strLit) src() string { return n.text }
func (n *numLit) src() string { return n.text }
func (n *call) src() string   { return n.text }
func (n *prop) src() string   { return n.text }
func (n *index) src() string  { return n.text }

// parseExpr parses the inside of an ARM expression (without the brackets).
func parseExpr(s string) (node, error) {
	p := &parser{s: s}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, p.errorf("unexpected %q", p.s[p.i:])
	}
	return n, nil
}

type parser struct {
	s string
	i int
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("ARM expression %q at offset %d: %s", p.s, p.i, fmt.Sprintf(format, args...))
}

func (p *parser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *parser) expr() (node, error) {
	p.space()
	start := p.i
	var n node
	switch c := p.peek(); {
	case c == '\'':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		n = &strLit{s: s, text: p.s[start:p.i]}
	case c == '-' || (c >= '0' && c <= '9'):
		p.i++
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		v, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
		if err != nil {
			return nil, p.errorf("bad number %q", p.s[start:p.i])
		}
		n = &numLit{n: v, text: p.s[start:p.i]}
	case isIdentStart(c):
		name := p.ident()
		p.space()
		if p.peek() != '(' {
			return nil, p.errorf("%s is not a function call", name)
		}
		p.i++
		c := &call{name: name}
		p.space()
		if p.peek() == ')' {
			p.i++
		} else {
			for {
				a, err := p.expr()
				if err != nil {
					return nil, err
				}
				c.args = append(c.args, a)
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
		c.text = p.s[start:p.i]
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
			n = &prop{x: n, name: name, text: p.s[start:p.i]}
			continue
		case '[':
			p.i++
			i, err := p.expr()
			if err != nil {
				return nil, err
			}
			p.space()
			if p.peek() != ']' {
				return nil, p.errorf("expected ]")
			}
			p.i++
			n = &index{x: n, i: i, text: p.s[start:p.i]}
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

// templateString classifies a string value of a template: an expression
// (its inside, ok true) or a literal (with ARM's "[[" escape removed).
func templateString(s string) (lit string, expr string, isExpr bool) {
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if strings.HasPrefix(s, "[[") {
			return s[1:], "", false
		}
		return "", s[1 : len(s)-1], true
	}
	return s, "", false
}
