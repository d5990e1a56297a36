package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Error is a problem in a policy document, located by file (when known),
// line and column (when the source is at hand) and JSON path inside it
// ("properties.policyRule.if.allOf[1].field"). It prints as
// "file:line:col: path: what is wrong".
type Error struct {
	File string
	// Line and Col are 1-based; 0 when unknown.
	Line, Col int
	Path      string
	Err       error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "line %d, column %d: ", e.Line, e.Col)
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

func errAt(path string, format string, args ...any) error {
	return &Error{Path: path, Err: fmt.Errorf(format, args...)}
}

// withFile sets the file name on an *Error (or wraps any other error).
func withFile(file string, err error) error {
	if err == nil {
		return nil
	}
	var pe *Error
	if errors.As(err, &pe) && pe.File == "" {
		cp := *pe
		cp.File = file
		return &cp
	}
	if errors.As(err, &pe) {
		return err
	}
	return &Error{File: file, Err: err}
}

// Parameter is a parameter declared by a definition or set definition.
type Parameter struct {
	Name          string
	Type          string // String, Array, Object, Boolean, Integer, Float, DateTime
	DefaultValue  any
	HasDefault    bool
	AllowedValues []any
	Metadata      map[string]any
}

// Definition is a parsed policy definition. The rule is kept as decoded JSON
// and compiled separately, so that a definition can be inspected without
// compiling it.
type Definition struct {
	ID          string
	Name        string
	DisplayName string
	Description string
	Mode        string
	PolicyType  string
	Version     string
	Metadata    map[string]any
	Parameters  map[string]*Parameter
	Rule        map[string]any
	// File is where the definition was read from, for error messages.
	File string

	// base is the JSON path prefix of the definition's fields in its
	// document ("properties." or ""), and src the document, so that compile
	// errors can name the path and position of the offending element.
	base string
	src  []byte
}

// ParseDefinition parses a policy definition in any of the shapes Azure and
// the ALZ library use: the full resource ({"properties": {...}, "id",
// "name"}), the bare properties object ({"policyRule": ...}), or an ARM
// template resource of type Microsoft.Authorization/policyDefinitions.
func ParseDefinition(data []byte) (*Definition, error) {
	data = bytes.TrimPrefix(data, bom)
	d, err := parseDefinition(data)
	if err != nil {
		return nil, withSource(data, err)
	}
	d.src = data
	return d, nil
}

func parseDefinition(data []byte) (*Definition, error) {
	obj, err := decodeObject(data)
	if err != nil {
		return nil, err
	}
	props, base := unwrapProperties(obj)
	d := &Definition{base: base}
	d.ID, _ = getCI(obj, "id").(string)
	d.Name, _ = getCI(obj, "name").(string)
	d.DisplayName, _ = getCI(props, "displayName").(string)
	d.Description, _ = getCI(props, "description").(string)
	d.Mode, _ = getCI(props, "mode").(string)
	d.PolicyType, _ = getCI(props, "policyType").(string)
	d.Version, _ = getCI(props, "version").(string)
	d.Metadata, _ = getCI(props, "metadata").(map[string]any)
	if d.Version == "" {
		// Definitions older than versioning carry it in their metadata.
		d.Version, _ = getCI(d.Metadata, "version").(string)
	}
	if d.ID == "" && d.Name != "" {
		d.ID = "/providers/Microsoft.Authorization/policyDefinitions/" + d.Name
	}
	if d.Parameters, err = parseParameters(props, base+"parameters"); err != nil {
		return nil, err
	}
	rule, ok := lookupCI(props, "policyRule")
	if !ok {
		return nil, errAt(base+"policyRule", "missing: a policy definition needs a policyRule")
	}
	if d.Rule, ok = rule.(map[string]any); !ok {
		return nil, errAt(base+"policyRule", "must be an object, got %s", jsonType(rule))
	}
	if m, ok := getCI(props, "mode").(string); ok {
		d.Mode = m
	} else if v, present := lookupCI(props, "mode"); present && v != nil {
		return nil, errAt(base+"mode", "must be a string")
	}
	return d, nil
}

// LoadDefinition reads and parses a definition file; errors name the file.
func LoadDefinition(path string) (*Definition, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading policy definition: %w", err)
	}
	d, err := ParseDefinition(data)
	if err != nil {
		return nil, withFile(path, err)
	}
	d.File = path
	return d, nil
}

func decodeObject(data []byte) (map[string]any, error) {
	// Callers strip a byte order mark first, so that offsets, and so lines
	// and columns, are those an editor shows.
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&v); err != nil {
		return nil, syntaxError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, syntaxError(data, errors.New("data after the top-level value"))
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{Err: fmt.Errorf("expected a JSON object, got %s", jsonType(v))}
	}
	return obj, nil
}

// unwrapProperties returns the object holding the definition's fields and
// the JSON path prefix to it.
func unwrapProperties(obj map[string]any) (map[string]any, string) {
	if p, ok := getCI(obj, "properties").(map[string]any); ok {
		return p, "properties."
	}
	return obj, ""
}

func parseParameters(props map[string]any, path string) (map[string]*Parameter, error) {
	out := map[string]*Parameter{}
	raw, present := lookupCI(props, "parameters")
	if !present || raw == nil {
		return out, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, errAt(path, "must be an object, got %s", jsonType(raw))
	}
	for _, name := range sortedKeys(m) {
		pm, ok := m[name].(map[string]any)
		if !ok {
			return nil, errAt(path+"."+name, "must be an object, got %s", jsonType(m[name]))
		}
		p := &Parameter{Name: name}
		p.Type, _ = getCI(pm, "type").(string)
		p.DefaultValue, p.HasDefault = lookupCI(pm, "defaultValue")
		if av, ok := lookupCI(pm, "allowedValues"); ok && av != nil {
			arr, ok := av.([]any)
			if !ok {
				return nil, errAt(path+"."+name+".allowedValues", "must be an array")
			}
			p.AllowedValues = arr
		}
		p.Metadata, _ = getCI(pm, "metadata").(map[string]any)
		out[strings.ToLower(name)] = p
	}
	return out, nil
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// SetDefinition is a parsed policy set definition (initiative).
type SetDefinition struct {
	ID          string
	Name        string
	DisplayName string
	Description string
	PolicyType  string
	Version     string
	Metadata    map[string]any
	Parameters  map[string]*Parameter
	Members     []SetMember
	File        string
	src         []byte
}

// SetMember is one policyDefinitions entry of a set.
type SetMember struct {
	ReferenceID  string
	DefinitionID string
	// DefinitionVersion is the version of the definition the set pins
	// ("6.*.*"), "" for the latest.
	DefinitionVersion string
	// Parameters are the values passed to the member, usually expressions
	// over the set's own parameters ("[parameters('effect')]").
	Parameters map[string]any
	GroupNames []string
	path       string
}

// ParseSetDefinition parses a policy set definition.
func ParseSetDefinition(data []byte) (*SetDefinition, error) {
	data = bytes.TrimPrefix(data, bom)
	s, err := parseSetDefinition(data)
	if err != nil {
		return nil, withSource(data, err)
	}
	s.src = data
	return s, nil
}

func parseSetDefinition(data []byte) (*SetDefinition, error) {
	obj, err := decodeObject(data)
	if err != nil {
		return nil, err
	}
	props, base := unwrapProperties(obj)
	s := &SetDefinition{}
	s.ID, _ = getCI(obj, "id").(string)
	s.Name, _ = getCI(obj, "name").(string)
	s.DisplayName, _ = getCI(props, "displayName").(string)
	s.Description, _ = getCI(props, "description").(string)
	s.PolicyType, _ = getCI(props, "policyType").(string)
	s.Version, _ = getCI(props, "version").(string)
	s.Metadata, _ = getCI(props, "metadata").(map[string]any)
	if s.ID == "" && s.Name != "" {
		s.ID = "/providers/Microsoft.Authorization/policySetDefinitions/" + s.Name
	}
	if s.Parameters, err = parseParameters(props, base+"parameters"); err != nil {
		return nil, err
	}
	raw, ok := lookupCI(props, "policyDefinitions")
	if !ok {
		return nil, errAt(base+"policyDefinitions", "missing: a policy set definition needs policyDefinitions")
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, errAt(base+"policyDefinitions", "must be an array, got %s", jsonType(raw))
	}
	for i, item := range list {
		path := fmt.Sprintf("%spolicyDefinitions[%d]", base, i)
		m, ok := item.(map[string]any)
		if !ok {
			return nil, errAt(path, "must be an object")
		}
		mem := SetMember{path: path}
		mem.ReferenceID, _ = getCI(m, "policyDefinitionReferenceId").(string)
		mem.DefinitionID, _ = getCI(m, "policyDefinitionId").(string)
		mem.DefinitionVersion, _ = getCI(m, "definitionVersion").(string)
		if mem.DefinitionID == "" {
			return nil, errAt(path+".policyDefinitionId", "missing")
		}
		if mem.ReferenceID == "" {
			mem.ReferenceID = mem.DefinitionID[strings.LastIndex(mem.DefinitionID, "/")+1:]
		}
		if pv, ok := getCI(m, "parameters").(map[string]any); ok {
			mem.Parameters = unwrapValues(pv)
		}
		if gn, ok := getCI(m, "groupNames").([]any); ok {
			for _, g := range gn {
				if s, ok := g.(string); ok {
					mem.GroupNames = append(mem.GroupNames, s)
				}
			}
		}
		s.Members = append(s.Members, mem)
	}
	return s, nil
}

// LoadSetDefinition reads and parses a set definition file.
func LoadSetDefinition(path string) (*SetDefinition, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading policy set definition: %w", err)
	}
	s, err := ParseSetDefinition(data)
	if err != nil {
		return nil, withFile(path, err)
	}
	s.File = path
	return s, nil
}

// unwrapValues turns {"x": {"value": 1}} into {"x": 1}; plain values pass.
func unwrapValues(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if w, ok := v.(map[string]any); ok && len(w) == 1 {
			if inner, ok := lookupCI(w, "value"); ok {
				out[k] = inner
				continue
			}
		}
		out[k] = v
	}
	return out
}

// Assignment is a parsed policy assignment.
type Assignment struct {
	ID                 string
	Name               string
	DisplayName        string
	PolicyDefinitionID string
	Scope              string
	NotScopes          []string
	// EnforcementMode is "Default" or "DoNotEnforce".
	EnforcementMode string
	Parameters      map[string]any
	File            string
}

// Enforced reports whether the assignment's effects are enforced
// (enforcementMode is not DoNotEnforce).
func (a *Assignment) Enforced() bool {
	return a == nil || !strings.EqualFold(a.EnforcementMode, "DoNotEnforce")
}

// ParseAssignment parses a policy assignment (Azure export, ALZ library or
// ARM template resource shape).
func ParseAssignment(data []byte) (*Assignment, error) {
	data = bytes.TrimPrefix(data, bom)
	a, err := parseAssignment(data)
	if err != nil {
		return nil, withSource(data, err)
	}
	return a, nil
}

func parseAssignment(data []byte) (*Assignment, error) {
	obj, err := decodeObject(data)
	if err != nil {
		return nil, err
	}
	props, base := unwrapProperties(obj)
	a := &Assignment{}
	a.ID, _ = getCI(obj, "id").(string)
	a.Name, _ = getCI(obj, "name").(string)
	a.DisplayName, _ = getCI(props, "displayName").(string)
	a.PolicyDefinitionID, _ = getCI(props, "policyDefinitionId").(string)
	if a.PolicyDefinitionID == "" {
		return nil, errAt(base+"policyDefinitionId", "missing")
	}
	a.Scope, _ = getCI(props, "scope").(string)
	a.EnforcementMode, _ = getCI(props, "enforcementMode").(string)
	if a.EnforcementMode != "" && !strings.EqualFold(a.EnforcementMode, "Default") && !strings.EqualFold(a.EnforcementMode, "DoNotEnforce") {
		return nil, errAt(base+"enforcementMode", "must be Default or DoNotEnforce, got %q", a.EnforcementMode)
	}
	if ns, ok := getCI(props, "notScopes").([]any); ok {
		for i, v := range ns {
			s, ok := v.(string)
			if !ok {
				return nil, errAt(fmt.Sprintf("%snotScopes[%d]", base, i), "must be a string")
			}
			a.NotScopes = append(a.NotScopes, s)
		}
	}
	if pv, ok := getCI(props, "parameters").(map[string]any); ok {
		a.Parameters = unwrapValues(pv)
	}
	return a, nil
}

// LoadAssignment reads and parses an assignment file.
func LoadAssignment(path string) (*Assignment, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading policy assignment: %w", err)
	}
	a, err := ParseAssignment(data)
	if err != nil {
		return nil, withFile(path, err)
	}
	a.File = path
	return a, nil
}

// ParseParameterValues reads parameter values as given to an assignment
// ({"name": {"value": v}} or {"name": v}), or a full parameters file
// ({"parameters": {...}}).
func ParseParameterValues(data []byte) (map[string]any, error) {
	data = bytes.TrimPrefix(data, bom)
	obj, err := decodeObject(data)
	if err != nil {
		return nil, err
	}
	if p, ok := getCI(obj, "parameters").(map[string]any); ok && len(obj) <= 3 {
		obj = p
	}
	return unwrapValues(obj), nil
}
