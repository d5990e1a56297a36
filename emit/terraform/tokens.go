package terraform

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// Small builders of hclwrite tokens for the expressions the module uses.

func tok(typ hclsyntax.TokenType, s string) *hclwrite.Token {
	return &hclwrite.Token{Type: typ, Bytes: []byte(s)}
}

func strTokens(s string) hclwrite.Tokens { return hclwrite.TokensForValue(cty.StringVal(s)) }

func numTokens(n int64) hclwrite.Tokens { return hclwrite.TokensForValue(cty.NumberIntVal(n)) }

// traversal spells root.a.b[0]["c d"]: a string step that is an
// identifier becomes an attribute, any other string or an int an index.
func traversal(root string, steps ...any) hclwrite.Tokens {
	t := hcl.Traversal{hcl.TraverseRoot{Name: root}}
	for _, s := range steps {
		switch x := s.(type) {
		case string:
			if hclsyntax.ValidIdentifier(x) {
				t = append(t, hcl.TraverseAttr{Name: x})
			} else {
				t = append(t, hcl.TraverseIndex{Key: cty.StringVal(x)})
			}
		case int:
			t = append(t, hcl.TraverseIndex{Key: cty.NumberIntVal(int64(x))})
		}
	}
	return hclwrite.TokensForTraversal(t)
}

// indexTokens is x[i] for any expression x.
func indexTokens(x hclwrite.Tokens, i hclwrite.Tokens) hclwrite.Tokens {
	out := append(hclwrite.Tokens{}, x...)
	out = append(out, tok(hclsyntax.TokenOBrack, "["))
	out = append(out, i...)
	return append(out, tok(hclsyntax.TokenCBrack, "]"))
}

// attrTokens is x.name for any expression x.
func attrTokens(x hclwrite.Tokens, name string) hclwrite.Tokens {
	if !hclsyntax.ValidIdentifier(name) {
		return indexTokens(x, strTokens(name))
	}
	out := append(hclwrite.Tokens{}, x...)
	out = append(out, tok(hclsyntax.TokenDot, "."))
	return append(out, tok(hclsyntax.TokenIdent, name))
}

// interpolate is "${x}suffix": an id of the module followed by a literal
// path (a subnet of a VNet, a resource under a resource group).
func interpolate(x hclwrite.Tokens, suffix string) hclwrite.Tokens {
	return template(x, suffix)
}

// template is a quoted template of literal strings and interpolated
// expressions (tokens).
func template(parts ...any) hclwrite.Tokens {
	out := hclwrite.Tokens{tok(hclsyntax.TokenOQuote, `"`)}
	for _, p := range parts {
		switch x := p.(type) {
		case string:
			if lit := strTokens(x); len(lit) == 3 {
				out = append(out, lit[1])
			}
		case hclwrite.Tokens:
			out = append(out, tok(hclsyntax.TokenTemplateInterp, "${"))
			out = append(out, x...)
			out = append(out, tok(hclsyntax.TokenTemplateSeqEnd, "}"))
		}
	}
	return append(out, tok(hclsyntax.TokenCQuote, `"`))
}

// multilineTuple is a tuple with one element per line, as terraform fmt
// keeps lists of objects readable.
func multilineTuple(elems []hclwrite.Tokens) hclwrite.Tokens {
	out := hclwrite.Tokens{tok(hclsyntax.TokenOBrack, "["), tok(hclsyntax.TokenNewline, "\n")}
	for _, e := range elems {
		out = append(out, e...)
		out = append(out, tok(hclsyntax.TokenComma, ","), tok(hclsyntax.TokenNewline, "\n"))
	}
	return append(out, tok(hclsyntax.TokenCBrack, "]"))
}

// keyTokens is an object key: bare when it is an identifier HCL reads as
// a name, quoted otherwise (keywords such as for and null would change
// the meaning of a bare key).
func keyTokens(k string) hclwrite.Tokens {
	switch k {
	case "for", "if", "in", "null", "true", "false", "endfor", "endif", "else":
		return strTokens(k)
	}
	if hclsyntax.ValidIdentifier(k) {
		return hclwrite.TokensForIdentifier(k)
	}
	return strTokens(k)
}

// parenTokens is (x), which HCL needs around an expression used as an
// object key.
func parenTokens(x hclwrite.Tokens) hclwrite.Tokens {
	out := hclwrite.Tokens{tok(hclsyntax.TokenOParen, "(")}
	out = append(out, x...)
	return append(out, tok(hclsyntax.TokenCParen, ")"))
}
