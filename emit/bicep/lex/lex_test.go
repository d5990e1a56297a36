package lex

import (
	"errors"
	"strings"
	"testing"
)

// show is a token list written out: kind letter and text or string parts.
func show(toks []Token) string {
	var b strings.Builder
	for _, t := range toks {
		switch t.Kind {
		case EOF:
			b.WriteString("$")
		case Newline:
			b.WriteString("; ")
		case String:
			b.WriteString("S(")
			if t.Multiline {
				b.WriteString("ml ")
			}
			for _, p := range t.Parts {
				if p.Interp {
					b.WriteString("{" + show(p.Toks) + "}")
				} else {
					b.WriteString("«" + p.Lit + "»")
				}
			}
			b.WriteString(") ")
		case Int:
			b.WriteString("I" + t.Text + " ")
		case Ident:
			b.WriteString(t.Text + " ")
		case Punct:
			b.WriteString("P" + t.Text + " ")
		}
	}
	return b.String()
}

func TestTokens(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"declaration", "@secure()\nparam p string = 'a'", "P@ secure P( P) ; param p string P= S(«a») $"},
		{"operators", "a ?? b == c != d >= e <= f && g || h => i.?j", "a P?? b P== c P!= d P>= e P<= f P&& g P|| h P=> i P.? j $"},
		{"minus is punctuation", "-12", "P- I12 $"},
		{"comments", "a // x\n/* y\nz */ b", "a ; b $"},
		{"escapes", `'\n\t\\\'\$\u{e9}'`, "S(«\n\t\\'$é») $"},
		{"interpolation", "'x${a.b[0]}y${'${c}'}'", "S(«x»{a P. b P[ I0 P] $}«y»{S({c $}) $}) $"},
		{"braces in interpolation", "'${{a: 1}}'", "S({P{ a P: I1 P} $}) $"},
		{"multi-line", "'''\nline1\n'x'\n'''", "S(ml «line1\n'x'\n») $"},
		{"empty multi-line", "''''''", "S(ml ) $"},
		{"empty", "''", "S() $"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			toks, err := All("f.bicep", tc.src)
			if err != nil {
				t.Fatal(err)
			}
			if got := show(toks); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestPositions(t *testing.T) {
	toks, err := All("f.bicep", "a\n  'b${\n c}' 7")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, t := range toks {
		got = append(got, t.Pos.String())
		for _, p := range t.Parts {
			for _, i := range p.Toks {
				got = append(got, "("+i.Pos.String()+")")
			}
		}
	}
	want := "f.bicep:1:1 f.bicep:1:2 f.bicep:2:3 (f.bicep:2:7) (f.bicep:3:2) (f.bicep:3:3) f.bicep:3:6 f.bicep:3:7"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"line break in a string", "x = 'ab\n'", "f.bicep:1:8: a line break in a string"},
		{"unterminated string", "'ab", "f.bicep:1:1: unterminated string"},
		{"unterminated multi-line", "'''ab''", "f.bicep:1:1: unterminated multi-line string"},
		{"unterminated comment", "a /* b", "f.bicep:1:3: unterminated comment"},
		{"unknown escape", `'a\qb'`, `f.bicep:1:3: unknown escape \q`},
		{"bad unicode escape", `'\u{110000}'`, `f.bicep:1:2: bad \u escape`},
		{"unicode escape form", `'\u00e9'`, `f.bicep:1:2: a \u escape is written \u{hex}`},
		{"unterminated escape", `'\`, `f.bicep:1:2: unterminated escape`},
		{"unterminated interpolation", "'a${b", "f.bicep:1:3: unterminated ${"},
		{"decimal", "1.5", `f.bicep:1:1: unsupported number literal "1."`},
		{"stray character", "a #", "f.bicep:1:3: unexpected character '#'"},
		{"not UTF-8", "a\xff", "f.bicep:1:1: the file is not UTF-8"},
		{"deep", strings.Repeat("'${", 70), "nested more than 64 deep"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := All("f.bicep", tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			var le *Error
			if !errors.As(err, &le) {
				t.Errorf("%v carries no position", err)
			}
		})
	}
}

// TestOpen: a line break in a string names where the string opened.
func TestOpen(t *testing.T) {
	_, err := All("f.bicep", "a\n  'bc\n")
	var le *Error
	if !errors.As(err, &le) || le.Open != (Pos{File: "f.bicep", Line: 2, Col: 3}) || le.Pos != (Pos{File: "f.bicep", Line: 2, Col: 6}) {
		t.Errorf("got %#v", err)
	}
}

// FuzzAll: any input lexes or fails with a positioned error, never a
// panic; tokens come in file order.
func FuzzAll(f *testing.F) {
	f.Add("param p string = 'a${b}c'\n")
	f.Add("'''\nx\n''' /* c */ @d() a.?b ?? -1")
	f.Add("'\\u{1F600}${'${x}'}'")
	f.Fuzz(func(t *testing.T, src string) {
		toks, err := All("f.bicep", src)
		if err != nil {
			var le *Error
			if !errors.As(err, &le) {
				t.Fatalf("%v carries no position", err)
			}
			return
		}
		if len(toks) == 0 || toks[len(toks)-1].Kind != EOF {
			t.Fatal("no EOF token at the end")
		}
		for i := 1; i < len(toks); i++ {
			a, b := toks[i-1].Pos, toks[i].Pos
			if b.Line < a.Line || b.Line == a.Line && b.Col <= a.Col && toks[i].Kind != EOF {
				t.Fatalf("token %d at %s after %s", i, b, a)
			}
		}
	})
}

func BenchmarkAll(b *testing.B) {
	src := strings.Repeat("@description('a ${b} c')\nparam p string = 'x'\nvar v = {\n  a: [\n    1\n  ]\n}\n", 200)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := All("f.bicep", src); err != nil {
			b.Fatal(err)
		}
	}
}
