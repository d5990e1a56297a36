package armschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// printer renders the jsonschema error kinds; the library's own English
// printer is not exported.
var printer = message.NewPrinter(language.English)

// expressionSchema is the schema location of the common ARM expression
// definition, the second alternative of almost every property.
const expressionSchema = commonDefinitions + "#/definitions/expression"

// Violation is one way a resource breaks its schema.
type Violation struct {
	// Pointer is the JSON pointer (RFC 6901) of the offending value inside
	// the resource; "" is the resource itself.
	Pointer string
	// Message is the schema's complaint, e.g. "got string, want object".
	Message string
}

// ResourceError lists every violation of one resource, in a deterministic
// order (by pointer, array indexes numerically, then by message).
type ResourceError struct {
	// Path locates the resource in a template ("resources[3]"); it is empty
	// when the resource was validated on its own.
	Path       string
	Type       string
	Name       string
	Violations []Violation
}

// Error renders one line per violation, each prefixed by the resource's
// path (if any), type and name, so every line stands on its own in a log.
func (e *ResourceError) Error() string {
	typ := e.Type
	if typ == "" {
		typ = "(no type)"
	}
	prefix := fmt.Sprintf("%s %q", typ, e.Name)
	if e.Path != "" {
		prefix = e.Path + ": " + prefix
	}
	var sb strings.Builder
	for i, vi := range e.Violations {
		if i > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(prefix)
		if vi.Pointer != "" {
			sb.WriteString(" at ")
			sb.WriteString(vi.Pointer)
		}
		sb.WriteString(": ")
		sb.WriteString(vi.Message)
	}
	return sb.String()
}

// Validate checks one ARM resource, as it appears in a template's
// resources array, against the schema of its type. It returns a
// *ResourceError listing every violation, an error wrapping
// ErrUnknownType when the type is not indexed, or nil.
//
// Values need not come from encoding/json: Go ints, []string and the like
// are accepted (such a resource is converted through JSON first).
func (v *Validator) Validate(resource map[string]any) error {
	r, err := normalize(resource)
	if err != nil {
		return err
	}
	return v.validate(r.(map[string]any), "")
}

func (v *Validator) validate(resource map[string]any, path string) error {
	typ, ok := resource["type"].(string)
	if !ok || typ == "" {
		vi := Violation{Message: "missing property 'type'"}
		if t, present := resource["type"]; present {
			vi = Violation{Pointer: "/type", Message: fmt.Sprintf("got %s, want a resource type", jsonType(t))}
			if t == "" {
				vi.Message = "got an empty string, want a resource type"
			}
		}
		return &ResourceError{Path: path, Name: nameOf(resource), Violations: []Violation{vi}}
	}
	ts := v.types[strings.ToLower(typ)]
	if ts == nil {
		return fmt.Errorf("armschema: %w: %s %q", ErrUnknownType, typ, nameOf(resource))
	}
	sch, err := v.schema(ts)
	if err != nil {
		return err
	}
	if typ != ts.schemaType {
		// ARM resource types are case-insensitive, the schemas' type enums
		// are not (and some spell the provider in lower case).
		resource = withValue(resource, "type", ts.schemaType)
	}
	vs, err := check(sch, resource)
	if err != nil {
		return fmt.Errorf("armschema: %s %q: %w", typ, nameOf(resource), err)
	}
	if slices.ContainsFunc(vs, func(vi Violation) bool { return vi.Pointer == "/name" }) {
		vs, err = v.checkChildName(sch, resource, ts, vs)
		if err != nil {
			return fmt.Errorf("armschema: %s %q: %w", typ, nameOf(resource), err)
		}
	}
	if len(vs) == 0 {
		return nil
	}
	return &ResourceError{Path: path, Type: typ, Name: nameOf(resource), Violations: vs}
}

// check validates a resource and returns its violations.
func check(sch *jsonschema.Schema, resource map[string]any) ([]Violation, error) {
	err := sch.Validate(any(resource))
	if err == nil {
		return nil, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil, err
	}
	return violations(ve), nil
}

// checkChildName handles the name of a child resource declared at the top
// level of a template. ARM wants it as "parent/child" (one segment per
// level of the type), but most definitions' name patterns describe only the
// child's own name ("^[a-zA-Z0-9_-]+$" for a Batch pool), while a few
// describe the full form ("^.*/default$" for management policies). A name
// with the right number of segments is accepted when either the full name
// or its last segment satisfies the schema.
func (v *Validator) checkChildName(sch *jsonschema.Schema, resource map[string]any, ts *typeSchema, vs []Violation) ([]Violation, error) {
	name, ok := resource["name"].(string)
	levels := strings.Count(ts.schemaType, "/") // provider/a/b: 2 levels
	if !ok || levels < 2 || strings.Count(name, "/") != levels-1 || isExpression(name) {
		return vs, nil
	}
	own, err := check(sch, withValue(resource, "name", name[strings.LastIndex(name, "/")+1:]))
	if err != nil {
		return nil, err
	}
	for _, vi := range own {
		if vi.Pointer == "/name" {
			return vs, nil // the child's own name is wrong too
		}
	}
	return slices.DeleteFunc(vs, func(vi Violation) bool { return vi.Pointer == "/name" }), nil
}

// withValue returns a shallow copy of a resource with one member replaced,
// so the caller's resource is never modified.
func withValue(resource map[string]any, key string, value any) map[string]any {
	out := make(map[string]any, len(resource))
	for k, x := range resource {
		out[k] = x
	}
	out[key] = value
	return out
}

// isExpression reports whether s is an ARM template expression: a string in
// brackets, not starting with "[[" (which escapes a literal bracket).
func isExpression(s string) bool {
	return strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") && !strings.HasPrefix(s, "[[")
}

// ValidateTemplate validates every resource of an ARM template: its
// resources (an array, or with languageVersion 2.0 an object keyed by
// symbolic name) and, recursively, the resources of the inline templates of
// nested Microsoft.Resources/deployments. Child resources declared in a
// resource's own resources array are covered by the parent's schema. It
// returns every error, joined; each carries the resource's path in the
// template, e.g. resources[3].properties.template.resources[1].
func (v *Validator) ValidateTemplate(tmpl map[string]any) error {
	t, err := normalize(tmpl)
	if err != nil {
		return err
	}
	var errs []error
	v.walk(t.(map[string]any)["resources"], "resources", &errs)
	return errors.Join(errs...)
}

func (v *Validator) walk(resources any, path string, errs *[]error) {
	switch rs := resources.(type) {
	case nil:
	case []any:
		for i, r := range rs {
			v.visit(r, fmt.Sprintf("%s[%d]", path, i), errs)
		}
	case map[string]any:
		keys := make([]string, 0, len(rs))
		for k := range rs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v.visit(rs[k], fmt.Sprintf("%s[%s]", path, strconv.Quote(k)), errs)
		}
	default:
		*errs = append(*errs, fmt.Errorf("%s: got %s, want array or object of resources", path, jsonType(resources)))
	}
}

func (v *Validator) visit(r any, path string, errs *[]error) {
	res, ok := r.(map[string]any)
	if !ok {
		*errs = append(*errs, fmt.Errorf("%s: got %s, want a resource object", path, jsonType(r)))
		return
	}
	if err := v.validate(res, path); err != nil {
		var re *ResourceError
		if !errors.As(err, &re) {
			err = fmt.Errorf("%s: %w", path, err)
		}
		*errs = append(*errs, err)
	}
	if typ, _ := res["type"].(string); strings.EqualFold(typ, "Microsoft.Resources/deployments") {
		props, _ := res["properties"].(map[string]any)
		if inner, ok := props["template"].(map[string]any); ok {
			v.walk(inner["resources"], path+".properties.template.resources", errs)
		}
	}
}

// nameOf returns a resource's name for messages; an expression or a
// missing name is shown as is.
func nameOf(resource map[string]any) string {
	if s, ok := resource["name"].(string); ok {
		return s
	}
	return ""
}

// violations flattens a validation error tree into its leaves.
func violations(ve *jsonschema.ValidationError) []Violation {
	var out []Violation
	seen := map[Violation]bool{}
	add := func(vi Violation) {
		if !seen[vi] {
			seen[vi] = true
			out = append(out, vi)
		}
	}
	for _, l := range leaves(ve) {
		ptr := pointer(l.loc)
		switch k := l.kind.(type) {
		case *kind.AdditionalProperties:
			// One line per property, pointing at the property itself:
			// that is what the author has to delete or rename.
			for _, p := range k.Properties {
				add(Violation{pointer(append(slices.Clone(l.loc), p)), (&kind.AdditionalProperties{Properties: []string{p}}).LocalizedString(printer)})
			}
		case *kind.Required:
			// One line per property, so resourceBase and the provider
			// definition requiring the same property say it once.
			for _, p := range k.Missing {
				add(Violation{ptr, (&kind.Required{Missing: []string{p}}).LocalizedString(printer)})
			}
		default:
			add(Violation{ptr, l.msg()})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if c := comparePointers(out[i].Pointer, out[j].Pointer); c != 0 {
			return c < 0
		}
		return out[i].Message < out[j].Message
	})
	return out
}

// leaf is one failed assertion. typeWant, when set, replaces the kind's
// message: it merges the alternatives of an anyOf/oneOf none of whose types
// the value has.
type leaf struct {
	loc      []string
	kind     jsonschema.ErrorKind
	schema   string
	typeGot  string
	typeWant []string
}

func (l leaf) msg() string {
	if l.typeWant != nil {
		return fmt.Sprintf("got %s, want %s", l.typeGot, strings.Join(l.typeWant, " or "))
	}
	return l.kind.LocalizedString(printer)
}

// leaves walks the error tree. For anyOf/oneOf with no matching
// alternative, listing the failures of every alternative would bury the
// one that matters under "got object, want string" from the ARM
// expression alternative that nearly every property has; see alternatives.
func leaves(e *jsonschema.ValidationError) []leaf {
	switch k := e.ErrorKind.(type) {
	case *kind.AnyOf:
		return alternatives(e)
	case *kind.OneOf:
		if k.Subschemas == nil {
			return alternatives(e)
		}
	}
	if len(e.Causes) == 0 {
		return []leaf{{loc: e.InstanceLocation, kind: e.ErrorKind, schema: e.SchemaURL}}
	}
	var out []leaf
	for _, c := range e.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

// alternatives reduces a failed anyOf/oneOf to the failures of the
// alternative the value was most likely meant for:
//   - an alternative that only failed because the value has another JSON
//     type, or the ARM expression alternative when the value is not an
//     expression, was not meant;
//   - if no alternative is left, the value's type fits none: one line says
//     which types (or an expression) would do;
//   - otherwise the alternative whose failures lie deepest in the value
//     (it matched furthest), then the one with fewest failures, then the
//     first, is reported.
func alternatives(e *jsonschema.ValidationError) []leaf {
	var (
		got   string
		wants []string
		best  []leaf
		depth = -1
	)
	for _, c := range e.Causes {
		ls := leaves(c)
		if ok, g, w := typeMismatch(ls, len(e.InstanceLocation)); ok {
			if g != "" {
				got = g
			}
			for _, x := range w {
				if !slices.Contains(wants, x) {
					wants = append(wants, x)
				}
			}
			continue
		}
		d := 0
		for _, l := range ls {
			d = max(d, len(l.loc))
		}
		if d > depth || (d == depth && len(ls) < len(best)) {
			best, depth = ls, d
		}
	}
	if best != nil {
		return best
	}
	if got == "" {
		got = "a string that is not an ARM expression"
	}
	return []leaf{{loc: e.InstanceLocation, kind: e.ErrorKind, schema: e.SchemaURL, typeGot: got, typeWant: wants}}
}

// typeMismatch reports whether the failures of one alternative all lie at
// the value itself (depth) and are type errors or failures of the ARM
// expression schema, and returns the type the value has and the ones the
// alternative wanted.
func typeMismatch(ls []leaf, depth int) (ok bool, got string, want []string) {
	if len(ls) == 0 {
		return false, "", nil
	}
	for _, l := range ls {
		if len(l.loc) != depth {
			return false, "", nil
		}
		if l.schema == expressionSchema {
			if t, isType := l.kind.(*kind.Type); isType {
				got = t.Got
			}
			want = append(want, "ARM expression")
			continue
		}
		switch t := l.kind.(type) {
		case *kind.Type:
			got = t.Got
			want = append(want, t.Want...)
		default:
			if l.typeWant != nil { // an inner anyOf/oneOf already merged
				got = l.typeGot
				want = append(want, l.typeWant...)
				continue
			}
			return false, "", nil
		}
	}
	return true, got, want
}

// pointer renders instance location tokens as a JSON pointer.
func pointer(tokens []string) string {
	var sb strings.Builder
	for _, t := range tokens {
		sb.WriteByte('/')
		sb.WriteString(strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	return sb.String()
}

// comparePointers orders JSON pointers token by token, array indexes
// numerically, so /x/2 sorts before /x/10.
func comparePointers(a, b string) int {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] == bs[i] {
			continue
		}
		ai, aerr := strconv.Atoi(as[i])
		bi, berr := strconv.Atoi(bs[i])
		if aerr == nil && berr == nil {
			if ai < bi {
				return -1
			}
			return 1
		}
		return strings.Compare(as[i], bs[i])
	}
	return len(as) - len(bs)
}

// normalize returns v unchanged when it holds only values encoding/json
// produces (or Go numbers, which the validator accepts), and otherwise a
// copy made through JSON, so []string, map[string]string or structs built
// in Go validate as they would be emitted.
func normalize(v any) (any, error) {
	if isJSON(v) {
		return v, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("armschema: resource is not JSON-encodable: %w", err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("armschema: %w", err)
	}
	return out, nil
}

func isJSON(v any) bool {
	switch v := v.(type) {
	case nil, string, bool, json.Number, float64, float32,
		int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	case map[string]any:
		for _, c := range v {
			if !isJSON(c) {
				return false
			}
		}
		return true
	case []any:
		for _, c := range v {
			if !isJSON(c) {
				return false
			}
		}
		return true
	}
	return false
}

// jsonType names the JSON type of a decoded value, for messages.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return "number"
}
