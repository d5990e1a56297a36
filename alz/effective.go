package alz

import (
	"fmt"
	"sort"
	"strings"
)

// Effective is a policy assignment in effect at a management group: where it
// is assigned, what it assigns, and its parameters after default values and
// placeholders were resolved.
type Effective struct {
	Name            string         `json:"name"`
	DisplayName     string         `json:"displayName"`
	ManagementGroup string         `json:"managementGroup"` // where it is assigned
	Archetype       string         `json:"archetype"`
	ID              string         `json:"id"`
	Scope           string         `json:"scope"`
	DefinitionID    string         `json:"policyDefinitionId"`
	Set             bool           `json:"set"` // the definition is a policy set (initiative)
	EnforcementMode string         `json:"enforcementMode"`
	NotScopes       []string       `json:"notScopes,omitempty"`
	Parameters      map[string]any `json:"parameters"`
	// Placeholders lists parameters whose value still holds a library
	// placeholder (no default value was given for it).
	Placeholders []string `json:"placeholders,omitempty"`
	Identity     bool     `json:"identity"`
	File         string   `json:"-"`
}

// MGScope is the resource id of a management group.
func MGScope(id string) string { return "/providers/Microsoft.Management/managementGroups/" + id }

// Path returns the management groups from the root of the architecture down
// to mg, root first.
func (l *Library) Path(architecture, mg string) ([]ManagementGroup, error) {
	a, err := l.architecture(architecture)
	if err != nil {
		return nil, err
	}
	byID := map[string]ManagementGroup{}
	var ids []string
	for _, g := range a.ManagementGroups {
		byID[g.ID] = g
		ids = append(ids, g.ID)
	}
	sort.Strings(ids)
	g, ok := byID[mg]
	if !ok {
		return nil, fmt.Errorf("management group %q is not in architecture %q (%s); use one of %s", mg, a.Name, a.File, strings.Join(ids, ", "))
	}
	var path []ManagementGroup
	seen := map[string]bool{}
	for {
		if seen[g.ID] {
			return nil, fmt.Errorf("architecture %q: management group %q is its own ancestor", a.Name, g.ID)
		}
		seen[g.ID] = true
		path = append(path, g)
		if g.ParentID == nil || *g.ParentID == "" {
			break
		}
		p, ok := byID[*g.ParentID]
		if !ok {
			// The parent is outside the architecture (an existing tenant
			// group); the path starts here.
			break
		}
		g = p
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path, nil
}

func (l *Library) architecture(name string) (*Architecture, error) {
	if name == "" && len(l.Architectures) == 1 {
		for _, a := range l.Architectures {
			return a, nil
		}
	}
	a, ok := l.Architectures[name]
	if !ok {
		names := make([]string, 0, len(l.Architectures))
		for n := range l.Architectures {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("architecture %q is not in the library %s; it has %s", name, l.Dir, strings.Join(names, ", "))
	}
	return a, nil
}

// Values are the default values a platform sets for the library's
// placeholders: names from alz_policy_default_values (such as
// "log_analytics_workspace_id") and the template placeholders
// ("default_location", ...).
type Values map[string]any

// Effective returns the assignments in effect at management group mg, from
// the root down, in hierarchy order and then by name.
func (l *Library) Effective(architecture, mg string, values Values) ([]Effective, error) {
	path, err := l.Path(architecture, mg)
	if err != nil {
		return nil, err
	}
	root := path[0].ID
	var out []Effective
	for _, g := range path {
		seen := map[string]bool{}
		for _, an := range g.Archetypes {
			at, ok := l.Archetypes[an]
			if !ok {
				return nil, fmt.Errorf("management group %q uses archetype %q, which the library does not define", g.ID, an)
			}
			names := append([]string(nil), at.PolicyAssignments...)
			sort.Strings(names)
			for _, n := range names {
				if seen[n] {
					continue
				}
				seen[n] = true
				a, ok := l.Assignments[n]
				if !ok {
					return nil, fmt.Errorf("archetype %q (%s) lists policy assignment %q, which the library does not define", at.Name, at.File, n)
				}
				e, err := l.resolve(a, g.ID, root, an, values)
				if err != nil {
					return nil, err
				}
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// resolve makes an Effective from a library assignment placed at mg.
func (l *Library) resolve(a *Assignment, mg, root, archetype string, values Values) (Effective, error) {
	scope := MGScope(mg)
	e := Effective{
		Name:            a.Name,
		DisplayName:     a.DisplayName,
		ManagementGroup: mg,
		Archetype:       archetype,
		Scope:           scope,
		ID:              scope + "/providers/Microsoft.Authorization/policyAssignments/" + a.Name,
		EnforcementMode: a.EnforcementMode,
		Identity:        a.Identity,
		File:            a.File,
		Parameters:      map[string]any{},
	}
	if e.EnforcementMode == "" {
		e.EnforcementMode = "Default"
	}
	// Custom definitions live at the root of the hierarchy; the library
	// writes their ids with a placeholder group.
	id := a.PolicyDefinitionID
	lower := strings.ToLower(id)
	e.Set = strings.Contains(lower, "/policysetdefinitions/")
	if i := strings.Index(lower, "/providers/microsoft.management/managementgroups/"); i == 0 {
		rest := id[len("/providers/Microsoft.Management/managementGroups/"):]
		if j := strings.Index(rest, "/"); j >= 0 {
			id = MGScope(root) + rest[j:]
		}
	}
	e.DefinitionID = id
	for _, ns := range a.NotScopes {
		e.NotScopes = append(e.NotScopes, substitute(ns, mg, root, values))
	}
	for k, v := range a.Parameters {
		e.Parameters[k] = substituteAny(v, mg, root, values)
	}
	// Default values replace the parameters they name.
	dnames := make([]string, 0, len(l.Defaults))
	for n := range l.Defaults {
		dnames = append(dnames, n)
	}
	sort.Strings(dnames)
	for _, dn := range dnames {
		v, ok := values[dn]
		if !ok {
			continue
		}
		for _, t := range l.Defaults[dn] {
			if t.Assignment != a.Name {
				continue
			}
			for _, p := range t.Parameters {
				e.Parameters[p] = v
			}
		}
	}
	for k, v := range e.Parameters {
		if holdsPlaceholder(v) {
			e.Placeholders = append(e.Placeholders, k)
		}
	}
	sort.Strings(e.Placeholders)
	return e, nil
}

// substitute replaces the library's ${name} template placeholders.
func substitute(s, mg, root string, values Values) string {
	if !strings.Contains(s, "${") {
		return s
	}
	repl := map[string]string{
		"current_scope_resource_id": MGScope(mg),
		"root_scope_id":             root,
	}
	for k, v := range values {
		if str, ok := v.(string); ok {
			repl[k] = str
		}
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		name := s[i+2 : i+j]
		b.WriteString(s[:i])
		if v, ok := repl[name]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
}

func substituteAny(v any, mg, root string, values Values) any {
	switch x := v.(type) {
	case string:
		return substitute(x, mg, root, values)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = substituteAny(e, mg, root, values)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = substituteAny(e, mg, root, values)
		}
		return out
	}
	return v
}

// holdsPlaceholder reports values the library left for the platform to
// fill: ${...} templates and the all-zero subscription or "placeholder"
// resource group in ids.
func holdsPlaceholder(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, "${") || strings.Contains(x, "00000000-0000-0000-0000-000000000000") || strings.Contains(strings.ToLower(x), "/resourcegroups/placeholder")
	case []any:
		for _, e := range x {
			if holdsPlaceholder(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if holdsPlaceholder(e) {
				return true
			}
		}
	}
	return false
}

// PathIDs is Path as management-group ids, root first.
func (l *Library) PathIDs(architecture, mg string) ([]string, error) {
	path, err := l.Path(architecture, mg)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(path))
	for i, p := range path {
		ids[i] = p.ID
	}
	return ids, nil
}

// All returns every assignment of the architecture, each once, at the
// management group where it is assigned: what an audit of a whole estate
// evaluates, each resource against the groups above its subscription.
func (l *Library) All(architecture string, values Values) ([]Effective, error) {
	a, err := l.architecture(architecture)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []Effective
	for _, mg := range a.ManagementGroups {
		eff, err := l.Effective(a.Name, mg.ID, values)
		if err != nil {
			return nil, err
		}
		for _, e := range eff {
			if !seen[e.ID] {
				seen[e.ID] = true
				out = append(out, e)
			}
		}
	}
	return out, nil
}
