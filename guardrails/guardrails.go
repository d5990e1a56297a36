package guardrails

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/aizone/aizone/policy"
)

//go:embed definitions/*.json initiative/*.json
var files embed.FS

// Names and ids of what the package provides.
const (
	// InitiativeName is the name of the policy set definition.
	InitiativeName = "aizone-ai-guardrails"
	// PlaceholderScope is the scope at which the embedded initiative names
	// its members: the same placeholder subscription aizone uses for a
	// subscription that is still to be created.
	PlaceholderScope = "/subscriptions/00000000-0000-0000-0000-000000000000"

	definitionsType = "/providers/Microsoft.Authorization/policyDefinitions/"
	setsType        = "/providers/Microsoft.Authorization/policySetDefinitions/"
)

// Guardrail is one policy definition of the set.
type Guardrail struct {
	// Name is the definition's resource name, such as
	// "aizone-allowed-gpu-sizes".
	Name       string
	Definition *policy.Definition
	// JSON is the definition as embedded, in the shape Azure exports it.
	JSON []byte
}

// DefaultEffect is the default value of the definition's effect parameter.
func (g *Guardrail) DefaultEffect() string {
	if p := param(g.Definition.Parameters, "effect"); p != nil && p.HasDefault {
		s, _ := p.DefaultValue.(string)
		return s
	}
	return ""
}

// Effects are the allowed values of the definition's effect parameter.
func (g *Guardrail) Effects() []string {
	p := param(g.Definition.Parameters, "effect")
	if p == nil {
		return nil
	}
	out := make([]string, 0, len(p.AllowedValues))
	for _, v := range p.AllowedValues {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

// Member is one reference of the initiative to a guardrail.
type Member struct {
	ReferenceID string
	// Guardrail is the name of the definition the member references.
	Guardrail string
	Group     string
	// Parameters are the values the initiative passes, mostly expressions
	// over its own parameters ("[parameters('gpuSizesEffect')]").
	Parameters map[string]any
	// EffectParameter is the initiative parameter that sets the member's
	// effect, or "" when the member uses the definition's default.
	EffectParameter string
}

// Set is the guardrails and the initiative that groups them. A Set returned
// by Load is shared: treat it as read-only.
type Set struct {
	// Guardrails are sorted by name.
	Guardrails []*Guardrail
	// Initiative is the policy set definition as embedded, its members
	// named at PlaceholderScope.
	Initiative *policy.SetDefinition
	// InitiativeJSON is the initiative as embedded.
	InitiativeJSON []byte
	// Members are the initiative's members in its order.
	Members []Member

	byName map[string]*Guardrail
}

var (
	loadOnce sync.Once
	loaded   *Set
	loadErr  error
)

// Load parses and checks the embedded guardrails once; later calls return
// the same Set. An error means the embedded files are broken, which the
// package's tests rule out.
func Load() (*Set, error) {
	loadOnce.Do(func() { loaded, loadErr = load(files) })
	return loaded, loadErr
}

func load(fsys fs.FS) (*Set, error) {
	s := &Set{byName: map[string]*Guardrail{}}
	names, err := fs.Glob(fsys, "definitions/*.json")
	if err != nil {
		return nil, fmt.Errorf("guardrails: %w", err)
	}
	sort.Strings(names)
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("guardrails: %w", err)
		}
		d, err := policy.ParseDefinition(data)
		if err != nil {
			return nil, fmt.Errorf("guardrails: %s: %w", n, err)
		}
		d.File = n
		// Ids are those at the placeholder scope, as the initiative's
		// members name them; Set.At gives them at a real scope.
		d.ID = DefinitionID(PlaceholderScope, d.Name)
		want := strings.TrimSuffix(path.Base(n), ".json")
		if d.Name != want {
			return nil, fmt.Errorf("guardrails: %s: definition is named %q, want the file's name %q", n, d.Name, want)
		}
		if err := checkDefinition(d); err != nil {
			return nil, fmt.Errorf("guardrails: %s: %w", n, err)
		}
		if _, err := policy.Compile(d, nil); err != nil {
			return nil, fmt.Errorf("guardrails: %w", err)
		}
		g := &Guardrail{Name: d.Name, Definition: d, JSON: data}
		s.Guardrails = append(s.Guardrails, g)
		s.byName[strings.ToLower(d.Name)] = g
	}
	if len(s.Guardrails) == 0 {
		return nil, errors.New("guardrails: no definitions embedded")
	}
	setFile := "initiative/" + InitiativeName + ".json"
	data, err := fs.ReadFile(fsys, setFile)
	if err != nil {
		return nil, fmt.Errorf("guardrails: %w", err)
	}
	set, err := policy.ParseSetDefinition(data)
	if err != nil {
		return nil, fmt.Errorf("guardrails: %s: %w", setFile, err)
	}
	set.File = setFile
	set.ID = InitiativeID(PlaceholderScope)
	if err := set.Check(); err != nil {
		return nil, fmt.Errorf("guardrails: %w", err)
	}
	s.Initiative, s.InitiativeJSON = set, data
	if err := s.linkMembers(setFile); err != nil {
		return nil, err
	}
	return s, nil
}

// checkDefinition enforces what every guardrail promises: an effect
// parameter with a default that is one of its allowed values, so that each
// guardrail can be switched to audit or off at assignment.
func checkDefinition(d *policy.Definition) error {
	p := param(d.Parameters, "effect")
	if p == nil {
		return errors.New("no effect parameter")
	}
	if !p.HasDefault || len(p.AllowedValues) == 0 {
		return errors.New("the effect parameter needs a default and allowed values")
	}
	ok, disabled := false, false
	for _, v := range p.AllowedValues {
		if v == p.DefaultValue {
			ok = true
		}
		if v == "Disabled" {
			disabled = true
		}
	}
	if !ok {
		return fmt.Errorf("the effect's default %v is not one of its allowed values", p.DefaultValue)
	}
	if !disabled {
		return errors.New("the effect parameter must allow Disabled, so that the guardrail can be turned off at assignment")
	}
	if then, _ := d.Rule["then"].(map[string]any); then == nil || then["effect"] != "[parameters('effect')]" {
		return errors.New("the rule's effect must be [parameters('effect')]")
	}
	return nil
}

var parameterRef = regexp.MustCompile(`^\[parameters\('([^']+)'\)\]$`)

// linkMembers checks that every member names an embedded definition at the
// placeholder scope and passes each parameter the definition requires, and
// records which initiative parameter sets each member's effect.
func (s *Set) linkMembers(file string) error {
	used := map[string]bool{}
	for i, m := range s.Initiative.Members {
		id := m.DefinitionID
		if !strings.EqualFold(path.Dir(id)+"/", PlaceholderScope+definitionsType) {
			return fmt.Errorf("guardrails: %s: member %s: definition id %s is not at %s", file, m.ReferenceID, id, PlaceholderScope)
		}
		g := s.byName[strings.ToLower(path.Base(id))]
		if g == nil {
			return fmt.Errorf("guardrails: %s: member %s: no embedded definition %s", file, m.ReferenceID, path.Base(id))
		}
		used[g.Name] = true
		for _, p := range g.Definition.Parameters {
			if _, ok := m.Parameters[p.Name]; !ok && !p.HasDefault {
				return fmt.Errorf("guardrails: %s: member %s does not pass required parameter %s of %s", file, m.ReferenceID, p.Name, g.Name)
			}
		}
		mem := Member{ReferenceID: m.ReferenceID, Guardrail: g.Name, Parameters: m.Parameters}
		if len(m.GroupNames) > 0 {
			mem.Group = m.GroupNames[0]
		}
		if v, ok := m.Parameters["effect"]; ok {
			if w, ok := v.(map[string]any); ok {
				v = w["value"]
			}
			sv, _ := v.(string)
			match := parameterRef.FindStringSubmatch(sv)
			if match == nil || param(s.Initiative.Parameters, match[1]) == nil {
				return fmt.Errorf("guardrails: %s: member %s: effect must be an initiative parameter, not %v", file, m.ReferenceID, v)
			}
			mem.EffectParameter = match[1]
		}
		if i > 0 && s.Members[i-1].ReferenceID == mem.ReferenceID {
			return fmt.Errorf("guardrails: %s: duplicate reference %s", file, mem.ReferenceID)
		}
		s.Members = append(s.Members, mem)
	}
	for _, g := range s.Guardrails {
		if !used[g.Name] {
			return fmt.Errorf("guardrails: %s: definition %s is in no member of the initiative", file, g.Name)
		}
	}
	return nil
}

// Guardrail returns the guardrail of a name (case-insensitive), or nil.
func (s *Set) Guardrail(name string) *Guardrail { return s.byName[strings.ToLower(name)] }

// DefinitionID is the id of a guardrail definition deployed at scope (a
// subscription "/subscriptions/ID" or a management group
// "/providers/Microsoft.Management/managementGroups/NAME").
func DefinitionID(scope, name string) string {
	return strings.TrimRight(scope, "/") + definitionsType + name
}

// InitiativeID is the id of the initiative deployed at scope.
func InitiativeID(scope string) string {
	return strings.TrimRight(scope, "/") + setsType + InitiativeName
}

// At returns the definitions, keyed by lower-case id, and the initiative as
// they are once deployed at scope: ids set, members naming the definitions
// at scope.
func (s *Set) At(scope string) (map[string]*policy.Definition, *policy.SetDefinition, error) {
	defs := make(map[string]*policy.Definition, len(s.Guardrails))
	for _, g := range s.Guardrails {
		d := *g.Definition
		d.ID = DefinitionID(scope, g.Name)
		defs[strings.ToLower(d.ID)] = &d
	}
	data, err := s.InitiativeAt(scope)
	if err != nil {
		return nil, nil, err
	}
	set, err := policy.ParseSetDefinition(data)
	if err != nil {
		return nil, nil, fmt.Errorf("guardrails: initiative at %s: %w", scope, err)
	}
	set.File = s.Initiative.File
	return defs, set, nil
}

// InitiativeAt returns the initiative's JSON with its id and member ids at
// scope.
func (s *Set) InitiativeAt(scope string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(s.InitiativeJSON, &doc); err != nil {
		return nil, fmt.Errorf("guardrails: initiative: %w", err)
	}
	doc["id"] = InitiativeID(scope)
	props, _ := doc["properties"].(map[string]any)
	members, _ := props["policyDefinitions"].([]any)
	for _, m := range members {
		mm, _ := m.(map[string]any)
		id, _ := mm["policyDefinitionId"].(string)
		mm["policyDefinitionId"] = DefinitionID(scope, path.Base(id))
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("guardrails: initiative: %w", err)
	}
	return out, nil
}

// Compile compiles the initiative and its members with an alias table (nil
// means the default mapping; see policy.DefaultAliases).
func (s *Set) Compile(aliases policy.AliasTable) (*policy.CompiledSet, error) {
	compiled := map[string]*policy.Compiled{}
	resolve := func(id string) (*policy.Compiled, error) {
		g := s.Guardrail(path.Base(id))
		if g == nil {
			return nil, fmt.Errorf("guardrails: no definition %s", id)
		}
		if cp, ok := compiled[g.Name]; ok {
			return cp, nil
		}
		cp, err := policy.Compile(g.Definition, aliases)
		if err != nil {
			return nil, err
		}
		compiled[g.Name] = cp
		return cp, nil
	}
	cs, err := policy.CompileSet(s.Initiative, resolve)
	if err != nil {
		return nil, fmt.Errorf("guardrails: %w", err)
	}
	return cs, nil
}

// Summary is one member of the initiative as assigned, for plans and
// reports.
type Summary struct {
	Reference   string `json:"reference"`
	Definition  string `json:"definition"`
	DisplayName string `json:"display_name"`
	Group       string `json:"group"`
	Effect      string `json:"effect"`
}

// Summaries lists the members with the effect each has under the
// initiative parameter values params (defaults where params has none).
func (s *Set) Summaries(params map[string]any) []Summary {
	refs := map[string]int{}
	for _, m := range s.Members {
		refs[m.Guardrail]++
	}
	out := make([]Summary, 0, len(s.Members))
	for _, m := range s.Members {
		g := s.Guardrail(m.Guardrail)
		eff := g.DefaultEffect()
		if m.EffectParameter != "" {
			eff = s.resolve(m.Parameters["effect"], params)
		}
		name := g.Definition.DisplayName
		// The tag guardrails are one definition referenced once per tag;
		// the tag tells the references apart.
		if tag := s.resolve(m.Parameters["tagName"], params); tag != "" && refs[m.Guardrail] > 1 {
			name += ": " + tag
		}
		out = append(out, Summary{Reference: m.ReferenceID, Definition: g.Name, DisplayName: name,
			Group: m.Group, Effect: eff})
	}
	return out
}

// resolve returns the string a member passes for one of its parameters:
// the initiative parameter it names, taken from params or its default, or
// the literal; "" when there is none.
func (s *Set) resolve(v any, params map[string]any) string {
	sv, _ := v.(string)
	m := parameterRef.FindStringSubmatch(sv)
	if m == nil {
		return sv
	}
	if pv, ok := params[m[1]].(string); ok {
		return pv
	}
	if p := param(s.Initiative.Parameters, m[1]); p != nil && p.HasDefault {
		d, _ := p.DefaultValue.(string)
		return d
	}
	return ""
}

// param looks a parameter up by name: package policy keys parameters by
// their lower-case name, as Azure matches them case-insensitively.
func param(ps map[string]*policy.Parameter, name string) *policy.Parameter {
	return ps[strings.ToLower(name)]
}
