// Package yamlpos decodes YAML into Go structs while keeping the position of
// every value, so that any error a later stage finds (an unknown region, an
// overlapping range) can still point at file:line:col.
//
// It walks goccy/go-yaml's AST itself instead of using that library's
// reflection decoder: the zone file and the catalog need strict typing,
// "did you mean" hints for unknown keys, limits against hostile input (alias
// bombs, deep nesting, huge files) and a path-to-position table, none of which
// the stock decoder gives together.
package yamlpos

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	goyaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Pos is a 1-based line and column in the source.
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"col"`
}

// Positions maps a value's path (for example "workloads[0].model") to where
// it was written. The root is "".
type Positions map[string]Pos

// Lookup returns the position of path, or of its nearest written ancestor:
// a defaulted field has no position of its own, but its parent does.
func (p Positions) Lookup(path string) Pos {
	for {
		if pos, ok := p[path]; ok {
			return pos
		}
		if path == "" {
			return Pos{Line: 1, Col: 1}
		}
		path = parentPath(path)
	}
}

func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// Error is a decoding or validation error at a place in a file.
type Error struct {
	File string
	Pos  Pos
	Msg  string // what is wrong, and what was expected
	Hint string // how to fix it; may be empty
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Col, oneLine(e.Msg))
	if e.Hint != "" {
		fmt.Fprintf(&b, " (hint: %s)", oneLine(e.Hint))
	}
	return b.String()
}

// oneLine keeps an error on one line whatever a message embeds (a parser
// message, a value quoted by a caller that did not use %q): tools that read
// file:line:col errors, and humans scanning a terminal, expect one line each.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// Quote quotes a value for an error message, shortening it so that a
// hostile or mistaken input (a whole file pasted as a value) cannot flood the
// message; the result is always one line.
func Quote(s string) string {
	if utf8.RuneCountInString(s) <= maxShown {
		return strconv.Quote(s)
	}
	r := []rune(s)
	return fmt.Sprintf("%s... (%d characters)", strconv.Quote(string(r[:maxShown])), len(r))
}

// maxShown is how many characters of a value an error message repeats.
const maxShown = 64

// shorten is Quote without the quotes, for values known to be one line of
// plain characters, such as the digits of a number.
func shorten(s string) string {
	if len(s) <= maxShown {
		return s
	}
	return fmt.Sprintf("%s... (%d characters)", s[:maxShown], len(s))
}

// HintError lets a scalar decoder attach a hint to its error.
type HintError struct {
	Msg, Hint string
}

func (e *HintError) Error() string { return e.Msg }

// Scalar is implemented by types that parse themselves from one scalar, such
// as a size with a unit ("400TB") or a duration ("14d"). kind is one of
// "string", "int", "float", "bool", "null".
type Scalar interface {
	DecodeScalar(text, kind string) error
}

// ScalarOrMapping is implemented by struct types that accept a short scalar
// form as well as the full mapping (a model given by catalog name or by its
// architecture). FromScalar is called for a scalar; a mapping fills fields.
type ScalarOrMapping interface {
	FromScalar(text, kind string) error
}

// Limits bound the work a hostile input can cause.
type Limits struct {
	MaxBytes int // reject larger files before parsing
	MaxDepth int // nesting of mappings and sequences
	MaxNodes int // values visited, counting each alias expansion
}

// DefaultLimits suit hand-written configuration files.
var DefaultLimits = Limits{MaxBytes: 4 << 20, MaxDepth: 64, MaxNodes: 200_000}

// Decode parses data (named file in errors) into v, which must be a non-nil
// pointer, and returns the position of every value decoded.
func Decode(file string, data []byte, v any, lim Limits) (Positions, error) {
	if lim.MaxBytes > 0 && len(data) > lim.MaxBytes {
		return nil, &Error{File: file, Pos: Pos{1, 1},
			Msg:  fmt.Sprintf("file is %s; at most %s is accepted", humanBytes(len(data)), humanBytes(lim.MaxBytes)),
			Hint: "this is meant to be a short hand-written YAML file; check that the right file was given"}
	}
	data, err := toUTF8(file, data)
	if err != nil {
		return nil, err
	}
	if err := checkText(file, data); err != nil {
		return nil, err
	}
	if lim.MaxDepth > 0 {
		if err := checkDepth(file, data, lim.MaxDepth); err != nil {
			return nil, err
		}
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, fromYAMLError(file, err)
	}
	var body ast.Node
	for _, doc := range f.Docs {
		switch doc.Body.(type) {
		case nil, *ast.CommentGroupNode:
			continue
		case *ast.DirectiveNode:
			// %YAML and %TAG belong to the document after them; the
			// parser has refused versions other than 1.x, and the
			// file is read by YAML 1.2 rules whichever it names.
			continue
		}
		if body != nil {
			return nil, &Error{File: file, Pos: nodePos(doc.Body), Msg: "more than one YAML document", Hint: "remove the extra '---' separator"}
		}
		body = doc.Body
	}
	if body == nil {
		return nil, &Error{File: file, Pos: Pos{1, 1}, Msg: "file is empty; expected a YAML mapping", Hint: "the file holds only comments or blank lines; check that the right file was given"}
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil, errors.New("yamlpos: Decode needs a non-nil pointer")
	}
	d := &decoder{file: file, lim: lim, pos: Positions{}, anchors: map[string]ast.Node{}}
	if err := d.decode(body, rv.Elem(), "", 0); err != nil {
		return nil, err
	}
	return d.pos, nil
}

func humanBytes(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// checkText rejects binary data before the YAML lexer sees it: a clear
// "not text" beats a syntax error at a random byte.
func checkText(file string, data []byte) error {
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if (r == utf8.RuneError && size == 1) || r == 0 || (r < 0x20 && r != '\n' && r != '\r' && r != '\t') {
			return &Error{File: file, Pos: Pos{line, col},
				Msg:  fmt.Sprintf("binary data (byte 0x%02x at offset %d); expected UTF-8 YAML text", data[i], i),
				Hint: "give the path of the YAML file, not of a compressed or binary file"}
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return nil
}

// checkDepth bounds nesting before parsing. The parser recurses once per
// level and its memory grows with the square of the depth, so a one-line
// "[[[[..." or "- - - - ..." of a few hundred thousand levels would exhaust
// memory long before the decoder's own depth check runs. Two kinds of
// nesting fit on one line and are counted here: flow brackets (which may
// also span lines) and block indicators ("- ", "? ", ": ") chained at the
// start of a line. Nesting by indentation needs a line per level, which the
// size limit already bounds to a depth the parser handles.
func checkDepth(file string, data []byte, limit int) error {
	flow := 0
	tooDeep := func(line, col int, what string) error {
		return &Error{File: file, Pos: Pos{line, col},
			Msg:  fmt.Sprintf("nesting deeper than %d levels", limit),
			Hint: "a configuration file is a few levels deep; check the " + what}
	}
	for lineNo, text := range bytes.Split(data, []byte("\n")) {
		line := lineNo + 1
		// Block indicators chained at the start of the line, possibly
		// with anchors or tags between them ("- &a - !t - x").
		i, block := 0, 0
		for {
			for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
				i++
			}
			if i >= len(text) {
				break
			}
			c := text[i]
			if (c == '-' || c == '?' || c == ':') && (i+1 == len(text) || text[i+1] == ' ' || text[i+1] == '\t' || text[i+1] == '\r') {
				block++
				if flow+block > limit {
					return tooDeep(line, i+1, "indentation")
				}
				i++
				continue
			}
			if (c == '&' || c == '!') && block > 0 {
				for i < len(text) && text[i] != ' ' && text[i] != '\t' {
					i++
				}
				continue
			}
			break
		}
		// Flow brackets, skipping quoted scalars and comments. A quote
		// opens a scalar only where a token can start; elsewhere (as in
		// "don't") it is part of a plain scalar. Quoted scalars that span
		// lines are rare in configuration files; ending them at the line
		// break can only overcount, never hide brackets from the parser.
		var quote byte
		col := 0
		for j := 0; j < len(text); j++ {
			c := text[j]
			col++
			if quote != 0 {
				switch {
				case quote == '"' && c == '\\':
					j++
					col++
				case c == quote:
					quote = 0
				}
				continue
			}
			prev := byte(' ')
			if j > 0 {
				prev = text[j-1]
			}
			atTokenStart := prev == ' ' || prev == '\t' || prev == '[' || prev == '{' || prev == ',' || prev == ':'
			switch {
			case (c == '"' || c == '\'') && atTokenStart:
				quote = c
			case c == '#' && (prev == ' ' || prev == '\t' || j == 0):
				j = len(text)
			case c == '[' || c == '{':
				flow++
				if flow+block > limit {
					return tooDeep(line, col, "brackets")
				}
			case c == ']' || c == '}':
				if flow > 0 {
					flow--
				}
			}
		}
	}
	return nil
}

// duplicateRE matches the parser's duplicate-key message, which is reworded
// into this package's style.
var duplicateRE = regexp.MustCompile(`^mapping key (".*") already defined at \[(\d+):(\d+)\]$`)

func fromYAMLError(file string, err error) error {
	var ye goyaml.Error
	if !errors.As(err, &ye) {
		return &Error{File: file, Pos: Pos{1, 1}, Msg: "invalid YAML: " + err.Error(), Hint: "check indentation and quoting"}
	}
	p := Pos{1, 1}
	if tk := ye.GetToken(); tk != nil && tk.Position != nil {
		p = Pos{tk.Position.Line, tk.Position.Column}
	}
	msg := ye.GetMessage()
	hint := "check indentation and quoting around this place"
	switch {
	case duplicateRE.MatchString(msg):
		m := duplicateRE.FindStringSubmatch(msg)
		msg = fmt.Sprintf("duplicate key %s (first written at line %s, column %s)", m[1], m[2], m[3])
		hint = "each key may appear once in a mapping; remove or merge the repeated one"
	case strings.Contains(msg, "'\t'") || strings.Contains(msg, "tab character"):
		msg = "a tab character where YAML expects indentation or a value"
		hint = "indent with spaces; YAML does not allow tabs for indentation"
	default:
		msg = "invalid YAML: " + msg
	}
	return &Error{File: file, Pos: p, Msg: msg, Hint: hint}
}

type decoder struct {
	file    string
	lim     Limits
	pos     Positions
	anchors map[string]ast.Node
	nodes   int
	alias   *ast.AliasNode // outermost alias being expanded, if any
}

// nodePos is where a node starts as a reader sees it. A block mapping's own
// token is the first ':' and a key/value pair's is its ':', so both are
// placed at their first key instead.
func nodePos(n ast.Node) Pos {
	switch t := n.(type) {
	case nil:
		return Pos{1, 1}
	case *ast.MappingNode:
		if !t.IsFlowStyle && len(t.Values) > 0 {
			return nodePos(t.Values[0])
		}
	case *ast.MappingValueNode:
		if t.Key != nil {
			return nodePos(t.Key)
		}
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Pos{1, 1}
	}
	return Pos{tk.Position.Line, tk.Position.Column}
}

// at is where the value n is used: n's own place, or, inside the
// expansion of an alias, the alias. The anchored original may be valid
// where it is written and wrong only where the alias puts it (a list where
// a mapping is expected, a second workload with the same name).
func (d *decoder) at(n ast.Node) Pos {
	if d.alias != nil {
		return nodePos(d.alias)
	}
	return nodePos(n)
}

func (d *decoder) errAt(n ast.Node, hint, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if d.alias != nil {
		p := nodePos(n)
		msg += fmt.Sprintf(" (through alias *%s; written at line %d, column %d)", d.alias.Value.GetToken().Value, p.Line, p.Col)
	}
	return &Error{File: d.file, Pos: d.at(n), Msg: msg, Hint: hint}
}

// resolve strips anchors, aliases and tags, returning the value node.
func (d *decoder) resolve(n ast.Node) (ast.Node, error) {
	for i := 0; i < 16; i++ {
		switch t := n.(type) {
		case *ast.AnchorNode:
			if t.Name != nil {
				d.anchors[t.Name.GetToken().Value] = t.Value
			}
			n = t.Value
		case *ast.AliasNode:
			name := t.Value.GetToken().Value
			target, ok := d.anchors[name]
			if !ok {
				return nil, d.errAt(t, "define the anchor with &"+name+" before using it", "unknown alias *%s", name)
			}
			n = target
		case *ast.TagNode:
			n = t.Value
		default:
			return n, nil
		}
	}
	return nil, d.errAt(n, "simplify the anchors and aliases", "too many nested anchors, aliases or tags")
}

func (d *decoder) decode(n ast.Node, v reflect.Value, path string, depth int) error {
	if a, ok := n.(*ast.AliasNode); ok && d.alias == nil {
		d.alias = a
		defer func() { d.alias = nil }()
	}
	d.nodes++
	if d.lim.MaxNodes > 0 && d.nodes > d.lim.MaxNodes {
		// Inside an expansion, errAt places this at the alias being
		// expanded: what the reader can act on.
		return d.errAt(n, "use fewer aliases of large anchored values", "document expands to more than %d values", d.lim.MaxNodes)
	}
	if d.lim.MaxDepth > 0 && depth > d.lim.MaxDepth {
		return d.errAt(n, "a configuration file is a few levels deep; check the indentation", "nesting deeper than %d levels", d.lim.MaxDepth)
	}
	n, err := d.resolve(n)
	if err != nil {
		return err
	}
	if n == nil {
		return nil
	}
	d.pos[path] = d.at(n)

	if v.Kind() == reflect.Pointer {
		if _, isNull := n.(*ast.NullNode); isNull {
			v.SetZero()
			return nil
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	if v.CanAddr() {
		if s, ok := v.Addr().Interface().(Scalar); ok && v.Type() != reflect.TypeFor[string]() {
			text, kind, ok := scalarText(n)
			if !ok {
				return d.errAt(n, "write a single value here, not a list or a mapping", "expected a single value, got %s", describe(n))
			}
			if err := s.DecodeScalar(text, kind); err != nil {
				return d.wrapScalarErr(n, err)
			}
			return nil
		}
		if s, ok := v.Addr().Interface().(ScalarOrMapping); ok {
			if text, kind, ok := scalarText(n); ok {
				if err := s.FromScalar(text, kind); err != nil {
					return d.wrapScalarErr(n, err)
				}
				return nil
			}
		}
	}

	switch v.Kind() {
	case reflect.Struct:
		return d.decodeStruct(n, v, path, depth)
	case reflect.Map:
		return d.decodeMap(n, v, path, depth)
	case reflect.Slice:
		return d.decodeSlice(n, v, path, depth)
	case reflect.Interface:
		g, err := genericValue(d, n, path, depth)
		if err != nil {
			return err
		}
		if g != nil {
			v.Set(reflect.ValueOf(g))
		}
		return nil
	case reflect.String:
		switch t := n.(type) {
		case *ast.StringNode:
			if word, ok := numberWord(n); ok {
				return d.errAt(n, fmt.Sprintf("quote it to make it text: %q", t.Value), "expected text, got %s", word)
			}
			v.SetString(t.Value)
		case *ast.LiteralNode:
			v.SetString(t.Value.Value)
		default:
			hint := "write a single text value here, not a list or a mapping"
			if text, _, ok := scalarText(n); ok {
				hint = fmt.Sprintf("quote it to make it text: %q", text)
			}
			return d.errAt(n, hint, "expected text, got %s", describe(n))
		}
		return nil
	case reflect.Bool:
		b, ok := n.(*ast.BoolNode)
		if !ok {
			return d.errAt(n, "write true or false", "expected true or false, got %s", describe(n))
		}
		v.SetBool(b.Value)
		return nil
	case reflect.Int, reflect.Int64, reflect.Int32:
		return d.decodeInt(n, v)
	case reflect.Float64:
		return d.decodeFloat(n, v)
	}
	return fmt.Errorf("yamlpos: unsupported Go type %s at %s", v.Type(), path)
}

// numberRE matches plain scalars written as decimal numbers. The YAML
// parser leaves some of them as text: exponents without a dot ("671e9") and
// numbers too large for its integer type.
var numberRE = regexp.MustCompile(`^[-+]?([0-9][0-9_]*(\.[0-9_]*)?|\.[0-9][0-9_]*)([eE][-+]?[0-9]+)?$`)

// plainNumber returns the text of an unquoted scalar written as a number.
// Quoted text stays text, and words that strconv would also read as numbers
// ("NaN", "Inf", "0x1p4") are not numbers in a zone file.
func plainNumber(n ast.Node) (string, bool) {
	s, ok := n.(*ast.StringNode)
	if !ok || s.GetToken() == nil || s.GetToken().Type != token.StringType {
		return "", false
	}
	return s.Value, numberRE.MatchString(s.Value)
}

// specialFloatRE matches the YAML 1.2 spellings of infinity and
// not-a-number, signed or not.
var specialFloatRE = regexp.MustCompile(`^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$`)

// numberWord reports whether n is a plain scalar that a reader takes for a
// number although the parser left it as text: "1e308", "1e400", "0x1p4",
// and the words NaN and Inf (in any case, with a sign, or spelt
// "infinity") that other YAML and JSON tools read as numbers. The result
// describes it for a message. Where text is expected these are refused
// like 4711, which the parser types as a number, so that a value is text
// exactly when it is quoted or cannot be read as a number.
func numberWord(n ast.Node) (string, bool) {
	text, isNumber := plainNumber(n)
	switch {
	case isNumber:
		return "the number " + shorten(text), true
	case text == "":
		return "", false
	}
	if specialFloatRE.MatchString(text) {
		if strings.Contains(strings.ToLower(text), "nan") {
			return "not-a-number (" + text + ")", true
		}
		return "infinity (" + text + ")", true
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return "", false
	}
	switch {
	case math.IsNaN(f):
		return "not-a-number (" + text + ")", true
	case math.IsInf(f, 0) && err == nil:
		return "infinity (" + text + ")", true
	}
	return "the number " + shorten(text), true
}

func (d *decoder) outOfRange(n ast.Node, text string) error {
	return d.errAt(n, "check for extra digits or a missing unit", "number %s is out of range", shorten(text))
}

func (d *decoder) decodeInt(n ast.Node, v reflect.Value) error {
	var i int64
	switch t := n.(type) {
	case *ast.IntegerNode:
		x, err := toInt64(t.Value)
		if err != nil {
			return d.outOfRange(n, t.GetToken().Value)
		}
		i = x
	case *ast.FloatNode:
		// 8.0 and 1e3 are whole numbers however they are written.
		if t.Value != math.Trunc(t.Value) {
			return d.errAt(n, "write a whole number such as 8", "expected a whole number, got %s", describe(n))
		}
		if math.Abs(t.Value) >= 1<<62 {
			return d.outOfRange(n, t.GetToken().Value)
		}
		i = int64(t.Value)
	default:
		text, ok := plainNumber(n)
		if !ok {
			return d.errAt(n, "write a whole number such as 8", "expected a whole number, got %s", describe(n))
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(text, "_", ""), 64)
		switch {
		case err != nil || math.Abs(f) >= 1<<62:
			return d.outOfRange(n, text)
		case f != math.Trunc(f):
			return d.errAt(n, "write a whole number such as 8", "expected a whole number, got %s", text)
		}
		i = int64(f)
	}
	if v.OverflowInt(i) {
		return d.outOfRange(n, strconv.FormatInt(i, 10))
	}
	v.SetInt(i)
	return nil
}

func (d *decoder) decodeFloat(n ast.Node, v reflect.Value) error {
	const hint = "write a number such as 0.5"
	var f float64
	switch t := n.(type) {
	case *ast.IntegerNode:
		switch x := t.Value.(type) {
		case uint64:
			f = float64(x)
		default:
			i, err := toInt64(x)
			if err != nil {
				return d.outOfRange(n, t.GetToken().Value)
			}
			f = float64(i)
		}
	case *ast.FloatNode:
		f = t.Value
	case *ast.InfinityNode, *ast.NanNode:
		// Later stages compare against bounds, and every comparison
		// with NaN is false: refuse it here, where the position is known.
		return d.errAt(n, hint, "expected a finite number, got %s", describe(n))
	default:
		text, ok := plainNumber(n)
		if !ok {
			return d.errAt(n, hint, "expected a number, got %s", describe(n))
		}
		x, err := strconv.ParseFloat(strings.ReplaceAll(text, "_", ""), 64)
		if err != nil {
			return d.outOfRange(n, text)
		}
		f = x
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return d.outOfRange(n, fmt.Sprint(f))
	}
	v.SetFloat(f)
	return nil
}

func (d *decoder) wrapScalarErr(n ast.Node, err error) error {
	var he *HintError
	if errors.As(err, &he) {
		return d.errAt(n, he.Hint, "%s", he.Msg)
	}
	return d.errAt(n, "check how this value is written", "%s", err.Error())
}

func toInt64(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case uint64:
		if x > math.MaxInt64 {
			return 0, errors.New("overflow")
		}
		return int64(x), nil
	case int:
		return int64(x), nil
	}
	return 0, fmt.Errorf("unexpected integer %T", v)
}

// scalarText returns a scalar's source text and kind.
func scalarText(n ast.Node) (text, kind string, ok bool) {
	switch t := n.(type) {
	case *ast.StringNode:
		return t.Value, "string", true
	case *ast.LiteralNode:
		return t.Value.Value, "string", true
	case *ast.IntegerNode:
		return t.GetToken().Value, "int", true
	case *ast.FloatNode:
		return t.GetToken().Value, "float", true
	case *ast.BoolNode:
		return t.GetToken().Value, "bool", true
	case *ast.NullNode:
		return "", "null", true
	case *ast.InfinityNode, *ast.NanNode:
		return t.GetToken().Value, "float", true
	}
	return "", "", false
}

func describe(n ast.Node) string {
	switch t := n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.NullNode:
		return "nothing (null)"
	case *ast.BoolNode:
		return "a boolean " + t.GetToken().Value
	case *ast.IntegerNode:
		return "the number " + t.GetToken().Value
	case *ast.FloatNode:
		return "the number " + t.GetToken().Value
	case *ast.InfinityNode:
		return "infinity (" + t.GetToken().Value + ")"
	case *ast.NanNode:
		return "not-a-number (" + t.GetToken().Value + ")"
	case *ast.StringNode:
		return Quote(t.Value)
	case *ast.LiteralNode:
		return "a block of text"
	}
	return n.Type().String()
}

// mappingPairs returns the key/value pairs of a mapping node. A one-pair
// mapping parses as a bare MappingValueNode.
func mappingPairs(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch t := n.(type) {
	case *ast.MappingNode:
		return t.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{t}, true
	}
	return nil, false
}

func (d *decoder) keyText(mv *ast.MappingValueNode) (string, error) {
	k, err := d.resolve(mv.Key)
	if err != nil {
		return "", err
	}
	if _, ok := k.(*ast.MergeKeyNode); ok {
		return "", d.errAt(k, "write the keys out instead of merging with <<", "merge keys (<<) are not supported")
	}
	text, _, ok := scalarText(k)
	if !ok {
		return "", d.errAt(k, "a key is a plain name followed by a colon, such as name:", "expected a key, got %s", describe(k))
	}
	return text, nil
}

// textKey refuses a key of a mapping of names (tags) that is not text:
// a number, a boolean or null, unless quoted, as for values.
func (d *decoder) textKey(mv *ast.MappingValueNode) error {
	k, err := d.resolve(mv.Key)
	if err != nil {
		return err
	}
	text, _, _ := scalarText(k)
	word, isWord := numberWord(k)
	switch k.(type) {
	case *ast.StringNode, *ast.LiteralNode:
		if !isWord {
			return nil
		}
	default:
		word = describe(k)
	}
	hint := fmt.Sprintf("quote it to make it text: %q", text)
	return d.errAt(k, hint, "expected a text key, got %s", word)
}

type fieldInfo struct {
	index    []int
	name     string
	required bool
}

func structFields(t reflect.Type) []fieldInfo {
	var out []fieldInfo
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out = append(out, fieldInfo{index: f.Index, name: name, required: strings.Contains(opts, "required")})
	}
	return out
}

// FieldNames lists the YAML keys a struct type accepts, for hints and schemas.
func FieldNames(t reflect.Type) []string {
	var names []string
	for _, f := range structFields(t) {
		names = append(names, f.name)
	}
	return names
}

func (d *decoder) decodeStruct(n ast.Node, v reflect.Value, path string, depth int) error {
	pairs, ok := mappingPairs(n)
	if !ok {
		return d.errAt(n, "write key: value pairs here, one per line", "expected a mapping with keys %s; got %s", strings.Join(FieldNames(v.Type()), ", "), describe(n))
	}
	fields := structFields(v.Type())
	byName := make(map[string]fieldInfo, len(fields))
	for _, f := range fields {
		byName[f.name] = f
	}
	seen := map[string]bool{}
	for _, mv := range pairs {
		key, err := d.keyText(mv)
		if err != nil {
			return err
		}
		f, ok := byName[key]
		if !ok {
			names := make([]string, 0, len(fields))
			for _, f := range fields {
				names = append(names, f.name)
			}
			hint := "valid keys here: " + strings.Join(names, ", ")
			if s := Suggest(key, names); s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			}
			return d.errAt(mv.Key, hint, "unknown key %s %s", Quote(key), where(path))
		}
		if seen[key] {
			return d.errAt(mv.Key, "each key may appear once in a mapping", "duplicate key %s", Quote(key))
		}
		seen[key] = true
		if err := d.decode(mv.Value, v.FieldByIndex(f.index), joinPath(path, key), depth+1); err != nil {
			return err
		}
		d.placeAtKey(joinPath(path, key), mv)
	}
	for _, f := range fields {
		if f.required && !seen[f.name] {
			return d.errAt(n, fmt.Sprintf("add %s: to this mapping", f.name), "missing required key %q %s", f.name, where(path))
		}
	}
	return nil
}

// placeAtKey records a mapping or list value at its key rather than at its
// first item: an error about the whole collection ("no workloads", "hub has
// no address_space") reads best pointing at the line that names it. Scalars
// keep their own position, which is where a wrong value is.
func (d *decoder) placeAtKey(path string, mv *ast.MappingValueNode) {
	n, err := d.resolve(mv.Value)
	if err != nil {
		return
	}
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
		d.pos[path] = d.at(mv.Key)
	}
}

// where names the mapping at path for a message.
func where(path string) string {
	if path == "" {
		return "at the top level"
	}
	return "in " + path
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (d *decoder) decodeMap(n ast.Node, v reflect.Value, path string, depth int) error {
	if _, ok := n.(*ast.NullNode); ok {
		return nil
	}
	pairs, ok := mappingPairs(n)
	if !ok {
		return d.errAt(n, "write key: value pairs here, one per line", "expected a mapping, got %s", describe(n))
	}
	if v.IsNil() {
		v.Set(reflect.MakeMapWithSize(v.Type(), len(pairs)))
	}
	for _, mv := range pairs {
		key, err := d.keyText(mv)
		if err != nil {
			return err
		}
		if err := d.textKey(mv); err != nil {
			return err
		}
		kv := reflect.ValueOf(key).Convert(v.Type().Key())
		if v.MapIndex(kv).IsValid() {
			return d.errAt(mv.Key, "each key may appear once in a mapping", "duplicate key %s", Quote(key))
		}
		ev := reflect.New(v.Type().Elem()).Elem()
		if err := d.decode(mv.Value, ev, joinPath(path, key), depth+1); err != nil {
			return err
		}
		d.placeAtKey(joinPath(path, key), mv)
		v.SetMapIndex(kv, ev)
	}
	return nil
}

func (d *decoder) decodeSlice(n ast.Node, v reflect.Value, path string, depth int) error {
	if _, ok := n.(*ast.NullNode); ok {
		return nil
	}
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		// A single value where a list is expected is a common slip; accept
		// it as a list of one for scalars, which YAML users expect.
		if _, _, isScalar := scalarText(n); isScalar {
			ev := reflect.New(v.Type().Elem()).Elem()
			if err := d.decode(n, ev, path+"[0]", depth+1); err != nil {
				return err
			}
			v.Set(reflect.Append(reflect.MakeSlice(v.Type(), 0, 1), ev))
			return nil
		}
		return d.errAt(n, "start each item with '- '", "expected a list, got %s", describe(n))
	}
	out := reflect.MakeSlice(v.Type(), 0, len(seq.Values))
	for i, item := range seq.Values {
		ev := reflect.New(v.Type().Elem()).Elem()
		if err := d.decode(item, ev, fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
			return err
		}
		out = reflect.Append(out, ev)
	}
	v.Set(out)
	return nil
}

// genericValue decodes into plain Go values (map[string]any, []any, scalars).
func genericValue(d *decoder, n ast.Node, path string, depth int) (any, error) {
	switch t := n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		pairs, _ := mappingPairs(t)
		m := make(map[string]any, len(pairs))
		for _, mv := range pairs {
			key, err := d.keyText(mv)
			if err != nil {
				return nil, err
			}
			if _, dup := m[key]; dup {
				return nil, d.errAt(mv.Key, "each key may appear once in a mapping", "duplicate key %s", Quote(key))
			}
			var ev any
			if err := d.decode(mv.Value, reflect.ValueOf(&ev).Elem(), joinPath(path, key), depth+1); err != nil {
				return nil, err
			}
			d.placeAtKey(joinPath(path, key), mv)
			m[key] = ev
		}
		return m, nil
	case *ast.SequenceNode:
		s := make([]any, 0, len(t.Values))
		for i, item := range t.Values {
			var ev any
			if err := d.decode(item, reflect.ValueOf(&ev).Elem(), fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
				return nil, err
			}
			s = append(s, ev)
		}
		return s, nil
	case *ast.StringNode:
		return t.Value, nil
	case *ast.LiteralNode:
		return t.Value.Value, nil
	case *ast.IntegerNode:
		i, err := toInt64(t.Value)
		if err != nil {
			return nil, d.outOfRange(n, t.GetToken().Value)
		}
		return i, nil
	case *ast.FloatNode:
		return t.Value, nil
	case *ast.BoolNode:
		return t.Value, nil
	case *ast.NullNode:
		return nil, nil
	}
	return nil, d.errAt(n, "write a plain value, list or mapping", "unsupported YAML value %s", describe(n))
}

// Suggest returns the candidate closest to s by edit distance, if it is
// close enough to be a likely typo.
func Suggest(s string, candidates []string) string {
	n := utf8.RuneCountInString(s)
	// About one edit in three characters is a typo; more is another word.
	// A suggestion must also keep some of what was written.
	limit := min(max(2, n/3), n-1)
	best, bestD := "", limit+1
	ls := strings.ToLower(s)
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	for _, c := range sorted {
		// The length difference bounds the distance from below; skipping
		// on it keeps a huge mistaken value from costing a full
		// edit-distance table per candidate.
		if d := utf8.RuneCountInString(c) - n; d > limit || -d > limit {
			continue
		}
		if dist := levenshtein(ls, strings.ToLower(c)); dist < bestD {
			best, bestD = c, dist
		}
	}
	return best
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// PosOf converts a goccy token position, for callers that parse YAML
// themselves.
func PosOf(tk *token.Token) Pos {
	if tk == nil || tk.Position == nil {
		return Pos{1, 1}
	}
	return Pos{tk.Position.Line, tk.Position.Column}
}
