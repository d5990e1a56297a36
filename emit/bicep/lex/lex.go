// Package lex splits Bicep source into tokens with their file:line:col,
// for the two readers of Bicep in this repository: emit/bicep, which reads
// back the subset aizone writes, and emit/slurm, which reads the
// declarations of real-world templates. It knows the whole token set
// (every operator, decorators' @, comments, '...' strings with escapes and
// ${} interpolation, ”'...”' multi-line strings); what a reader accepts
// of it is that reader's parser's business.
package lex

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

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
	// Open is where the string a line break cut short opened; zero for
	// other errors. A reader may name the string rather than the break.
	Open Pos
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Errorf is an *Error at p.
func Errorf(p Pos, format string, args ...any) error {
	return &Error{Pos: p, Msg: fmt.Sprintf(format, args...)}
}

// Kind is what a token is.
type Kind int

// The kinds of token.
const (
	EOF Kind = iota
	// Newline is a token: Bicep ends statements and separates entries
	// with line breaks.
	Newline
	Ident
	String
	Int // digits only: a sign is the punctuation before it
	Punct
)

// Token is one token.
type Token struct {
	Kind Kind
	Text string // identifier, punctuation or integer as written
	// Parts are a string's literal runs and interpolations, in order.
	Parts []Part
	// Multiline marks a '''...''' string, which has neither escapes nor
	// interpolation.
	Multiline bool
	Pos       Pos
}

// Part is a literal run of a string or an interpolation.
type Part struct {
	Lit    string
	Interp bool
	Pos    Pos // of the ${
	// Toks are the interpolation's tokens; the last is an EOF at its
	// closing brace.
	Toks []Token
}

// Literal is a string's value when it has no interpolation.
func (t Token) Literal() (string, bool) {
	var b strings.Builder
	for _, p := range t.Parts {
		if p.Interp {
			return "", false
		}
		b.WriteString(p.Lit)
	}
	return b.String(), true
}

// String describes the token for an error message.
func (t Token) String() string {
	switch t.Kind {
	case EOF:
		return "end of input"
	case Newline:
		return "line break"
	case String:
		var b strings.Builder
		for _, p := range t.Parts {
			if p.Interp {
				b.WriteString("${...}")
			} else {
				b.WriteString(p.Lit)
			}
		}
		return "string " + strconv.Quote(b.String())
	}
	return strconv.Quote(t.Text)
}

// MaxNesting bounds how deep interpolations nest, so that hostile input
// cannot exhaust the stack.
const MaxNesting = 64

// Lexer reads tokens one at a time, so that a reader can stop at the
// first token it does not accept before later errors.
type Lexer struct {
	file      string
	src       string
	i         int
	line, col int
	depth     int
	err       error
}

// New is a lexer of src, named file in errors. Bicep files are UTF-8: any
// other encoding is an error at 1:1.
func New(file, src string) *Lexer {
	l := &Lexer{file: file, src: src, line: 1, col: 1}
	if !utf8.ValidString(src) {
		l.err = Errorf(Pos{file, 1, 1}, "the file is not UTF-8")
	}
	return l
}

// All is every token of src, ending with EOF.
func All(file, src string) ([]Token, error) {
	l := New(file, src)
	var out []Token
	for {
		t, err := l.Next()
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		if t.Kind == EOF {
			return out, nil
		}
	}
}

// punct is every operator and delimiter Bicep uses; two-character ones
// first so that they win over their first character.
var punct = []string{"??", "==", "!=", ">=", "<=", "&&", "||", "=>", ".?", "{", "}", "[", "]", "(", ")", ":", ",", "=", "?", "|", ".", "@", "*", "!", "<", ">", "+", "-", "/", "%"}

func (l *Lexer) pos() Pos { return Pos{l.file, l.line, l.col} }

func (l *Lexer) advance(n int) {
	for ; n > 0 && l.i < len(l.src); n-- {
		if l.src[l.i] == '\n' {
			l.line++
			l.col = 1
		} else {
			l.col++
		}
		l.i++
	}
}

func (l *Lexer) at(off int) byte {
	if l.i+off < len(l.src) {
		return l.src[l.i+off]
	}
	return 0
}

// Next is the next token; after EOF it is EOF again.
func (l *Lexer) Next() (Token, error) {
	if l.err != nil {
		return Token{}, l.err
	}
	for l.i < len(l.src) {
		c := l.src[l.i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			l.advance(1)
		case c == '/' && l.at(1) == '/':
			for l.i < len(l.src) && l.src[l.i] != '\n' {
				l.advance(1)
			}
		case c == '/' && l.at(1) == '*':
			end := strings.Index(l.src[l.i+2:], "*/")
			if end < 0 {
				return Token{}, Errorf(l.pos(), "unterminated comment")
			}
			l.advance(end + 4)
		default:
			return l.token()
		}
	}
	return Token{Kind: EOF, Pos: l.pos()}, nil
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (l *Lexer) token() (Token, error) {
	p := l.pos()
	c := l.src[l.i]
	start := l.i
	switch {
	case c == '\n':
		l.advance(1)
		return Token{Kind: Newline, Text: "\n", Pos: p}, nil
	case c == '\'':
		return l.str(p)
	case isIdentStart(c):
		for l.i < len(l.src) && (isIdentStart(l.src[l.i]) || isDigit(l.src[l.i])) {
			l.advance(1)
		}
		return Token{Kind: Ident, Text: l.src[start:l.i], Pos: p}, nil
	case isDigit(c):
		for l.i < len(l.src) && isDigit(l.src[l.i]) {
			l.advance(1)
		}
		// Bicep has integers only; 1.5 or 1e3 would otherwise read as
		// something else.
		if n := l.at(0); n == '.' && isDigit(l.at(1)) || isIdentStart(n) {
			return Token{}, Errorf(p, "unsupported number literal %q (only integers)", l.src[start:l.i+1])
		}
		return Token{Kind: Int, Text: l.src[start:l.i], Pos: p}, nil
	}
	for _, s := range punct {
		if strings.HasPrefix(l.src[l.i:], s) {
			l.advance(len(s))
			return Token{Kind: Punct, Text: s, Pos: p}, nil
		}
	}
	r, _ := utf8.DecodeRuneInString(l.src[l.i:])
	return Token{}, Errorf(p, "unexpected character %q", r)
}

// str reads '...' with its escapes and interpolations, or ”'...”',
// whose line break right after the opening quotes is not part of the
// value.
func (l *Lexer) str(start Pos) (Token, error) {
	if strings.HasPrefix(l.src[l.i:], "'''") {
		end := strings.Index(l.src[l.i+3:], "'''")
		if end < 0 {
			return Token{}, Errorf(start, "unterminated multi-line string")
		}
		s := l.src[l.i+3 : l.i+3+end]
		l.advance(end + 6)
		s = strings.TrimPrefix(strings.TrimPrefix(s, "\r"), "\n")
		t := Token{Kind: String, Multiline: true, Pos: start}
		if s != "" {
			t.Parts = []Part{{Lit: s}}
		}
		return t, nil
	}
	l.advance(1)
	t := Token{Kind: String, Pos: start}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.Parts = append(t.Parts, Part{Lit: lit.String()})
			lit.Reset()
		}
	}
	for l.i < len(l.src) {
		c := l.src[l.i]
		switch {
		case c == '\'':
			l.advance(1)
			flush()
			return t, nil
		case c == '\n':
			return Token{}, &Error{Pos: l.pos(), Msg: "a line break in a string (write \\n)", Open: start}
		case c == '\\':
			r, err := l.escape()
			if err != nil {
				return Token{}, err
			}
			lit.WriteRune(r)
		case c == '$' && l.at(1) == '{':
			flush()
			part, err := l.interpolation()
			if err != nil {
				return Token{}, err
			}
			t.Parts = append(t.Parts, part)
		default:
			lit.WriteByte(c)
			l.advance(1)
		}
	}
	return Token{}, Errorf(start, "unterminated string")
}

func (l *Lexer) escape() (rune, error) {
	p := l.pos()
	l.advance(1)
	if l.i >= len(l.src) {
		return 0, Errorf(p, "unterminated escape")
	}
	e := l.src[l.i]
	l.advance(1)
	switch e {
	case '\\', '\'', '$':
		return rune(e), nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'u':
		end := strings.IndexByte(l.src[l.i:], '}')
		if l.at(0) != '{' || end < 0 || end > 9 {
			return 0, Errorf(p, "a \\u escape is written \\u{hex}")
		}
		hex := l.src[l.i+1 : l.i+end]
		n, err := strconv.ParseUint(hex, 16, 32)
		if err != nil || hex == "" || hex[0] == '+' || !utf8.ValidRune(rune(n)) {
			return 0, Errorf(p, "bad \\u escape %q", l.src[l.i:l.i+end+1])
		}
		l.advance(end + 1)
		return rune(n), nil
	}
	return 0, Errorf(p, "unknown escape \\%c", e)
}

// interpolation reads ${...} up to its closing brace.
func (l *Lexer) interpolation() (Part, error) {
	part := Part{Interp: true, Pos: l.pos()}
	l.advance(2)
	if l.depth >= MaxNesting {
		return part, Errorf(part.Pos, "nested more than %d deep", MaxNesting)
	}
	l.depth++
	defer func() { l.depth-- }()
	braces := 0
	for {
		t, err := l.Next()
		if err != nil {
			return part, err
		}
		switch {
		case t.Kind == EOF:
			return part, Errorf(part.Pos, "unterminated ${")
		case t.Kind == Punct && t.Text == "{":
			braces++
		case t.Kind == Punct && t.Text == "}":
			if braces == 0 {
				part.Toks = append(part.Toks, Token{Kind: EOF, Pos: t.Pos})
				return part, nil
			}
			braces--
		}
		part.Toks = append(part.Toks, t)
	}
}
