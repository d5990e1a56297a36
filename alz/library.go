package alz

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aizone/aizone/policy"
)

// Library is a loaded ALZ library directory.
type Library struct {
	Dir            string
	Architectures  map[string]*Architecture // by name
	Archetypes     map[string]*Archetype    // by name, overrides applied
	Assignments    map[string]*Assignment   // by assignment name
	Definitions    map[string]*policy.Definition
	SetDefinitions map[string]*policy.SetDefinition
	// Defaults maps a default value name (such as "log_analytics_workspace_id")
	// to the assignment parameters it sets.
	Defaults map[string][]DefaultTarget
}

// Architecture is a management-group hierarchy.
type Architecture struct {
	Name             string            `json:"name"`
	ManagementGroups []ManagementGroup `json:"management_groups"`
	File             string            `json:"-"`
}

// ManagementGroup is one node of an architecture.
type ManagementGroup struct {
	ID          string   `json:"id"`
	DisplayName string   `json:"display_name"`
	ParentID    *string  `json:"parent_id"`
	Archetypes  []string `json:"archetypes"`
	Exists      bool     `json:"exists"`
}

// Archetype is a named set of policy assignments, definitions and set
// definitions deployed at a management group.
type Archetype struct {
	Name                 string   `json:"name"`
	PolicyAssignments    []string `json:"policy_assignments"`
	PolicyDefinitions    []string `json:"policy_definitions"`
	PolicySetDefinitions []string `json:"policy_set_definitions"`
	RoleDefinitions      []string `json:"role_definitions"`
	File                 string   `json:"-"`
}

// override is an archetype override: a base archetype with additions and
// removals, under a new name.
type override struct {
	Name                      string   `json:"name"`
	BaseArchetype             string   `json:"base_archetype"`
	PolicyAssignmentsToAdd    []string `json:"policy_assignments_to_add"`
	PolicyAssignmentsToRemove []string `json:"policy_assignments_to_remove"`
	PolicyDefinitionsToAdd    []string `json:"policy_definitions_to_add"`
	PolicyDefinitionsToRemove []string `json:"policy_definitions_to_remove"`
	PolicySetDefinitionsToAdd []string `json:"policy_set_definitions_to_add"`
	PolicySetDefinitionsToRem []string `json:"policy_set_definitions_to_remove"`
	RoleDefinitionsToAdd      []string `json:"role_definitions_to_add"`
	RoleDefinitionsToRemove   []string `json:"role_definitions_to_remove"`
	file                      string
}

// Assignment is a library policy assignment with the raw values that still
// hold placeholders.
type Assignment struct {
	*policy.Assignment
	Location string
	Identity bool // the assignment has a managed identity (modify, deployIfNotExists)
}

// DefaultTarget is an assignment parameter set by a default value.
type DefaultTarget struct {
	Assignment string
	Parameters []string
}

// File kinds, by the suffix the library uses.
const (
	sufArchitecture = ".alz_architecture_definition"
	sufArchetype    = ".alz_archetype_definition"
	sufOverride     = ".alz_archetype_override"
	sufAssignment   = ".alz_policy_assignment"
	sufDefinition   = ".alz_policy_definition"
	sufSet          = ".alz_policy_set_definition"
	sufDefaults     = ".alz_policy_default_values"
	sufRole         = ".alz_role_definition"
	sufMetadata     = "alz_library_metadata"
)

// LoadLibrary reads every library file below dir. Files are recognised by
// their suffix (name.alz_policy_assignment.json and so on; .yaml is not
// supported); other files are ignored. Errors name the file.
func LoadLibrary(dir string) (*Library, error) {
	l := &Library{
		Dir:            dir,
		Architectures:  map[string]*Architecture{},
		Archetypes:     map[string]*Archetype{},
		Assignments:    map[string]*Assignment{},
		Definitions:    map[string]*policy.Definition{},
		SetDefinitions: map[string]*policy.SetDefinition{},
		Defaults:       map[string][]DefaultTarget{},
	}
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("ALZ library: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("ALZ library: %s is not a directory", dir)
	}
	var overrides []*override
	var files int
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".json") {
			return nil
		}
		base := strings.TrimSuffix(filepath.Base(path), ".json")
		kind := ""
		for _, s := range []string{sufArchitecture, sufArchetype, sufOverride, sufAssignment, sufDefinition, sufSet, sufDefaults} {
			if strings.HasSuffix(base, s) {
				kind = s
			}
		}
		if base == strings.TrimPrefix(sufDefaults, ".") {
			kind = sufDefaults // the library's own file has no name before the suffix
		}
		if kind == "" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		switch kind {
		case sufArchitecture:
			var a Architecture
			if err := decodeStrict(data, &a); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			a.File = path
			if a.Name == "" {
				return fmt.Errorf("%s: architecture has no name", path)
			}
			l.Architectures[a.Name] = &a
		case sufArchetype:
			var a Archetype
			if err := decodeStrict(data, &a); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			a.File = path
			if a.Name == "" {
				return fmt.Errorf("%s: archetype has no name", path)
			}
			l.Archetypes[a.Name] = &a
		case sufOverride:
			var o override
			if err := decodeStrict(data, &o); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			o.file = path
			overrides = append(overrides, &o)
		case sufAssignment:
			a, err := parseAssignment(data)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			a.File = path
			l.Assignments[a.Name] = a
		case sufDefinition:
			d, err := policy.ParseDefinition(data)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			d.File = path
			l.Definitions[strings.ToLower(d.Name)] = d
		case sufSet:
			s, err := policy.ParseSetDefinition(data)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			s.File = path
			l.SetDefinitions[strings.ToLower(s.Name)] = s
		case sufDefaults:
			if err := l.readDefaults(data); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ALZ library: %w", err)
	}
	if files == 0 {
		return nil, fmt.Errorf("ALZ library: no library files (*.alz_*.json) below %s; point --library at a directory such as Azure-Landing-Zones-Library/platform/alz", dir)
	}
	sort.Slice(overrides, func(i, j int) bool { return overrides[i].Name < overrides[j].Name })
	for _, o := range overrides {
		if err := l.applyOverride(o); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	return nil
}

func parseAssignment(data []byte) (*Assignment, error) {
	pa, err := policy.ParseAssignment(data)
	if err != nil {
		return nil, err
	}
	var raw struct {
		Location string          `json:"location"`
		Identity json.RawMessage `json:"identity"`
	}
	_ = json.Unmarshal(data, &raw)
	a := &Assignment{Assignment: pa, Location: raw.Location}
	a.Identity = len(raw.Identity) > 0 && !bytes.Equal(bytes.TrimSpace(raw.Identity), []byte("null"))
	if a.Name == "" {
		return nil, errors.New("policy assignment has no name")
	}
	return a, nil
}

func (l *Library) readDefaults(data []byte) error {
	var f struct {
		Defaults []struct {
			Name        string `json:"default_name"`
			Assignments []struct {
				Parameters []string `json:"parameter_names"`
				Assignment string   `json:"policy_assignment_name"`
			} `json:"policy_assignments"`
		} `json:"defaults"`
	}
	if err := decodeStrict(data, &f); err != nil {
		return err
	}
	for _, d := range f.Defaults {
		for _, a := range d.Assignments {
			l.Defaults[d.Name] = append(l.Defaults[d.Name], DefaultTarget{Assignment: a.Assignment, Parameters: a.Parameters})
		}
	}
	return nil
}

// applyOverride adds an archetype built from a base archetype.
func (l *Library) applyOverride(o *override) error {
	base, ok := l.Archetypes[o.BaseArchetype]
	if !ok {
		return fmt.Errorf("%s: base_archetype %q is not defined in the library", o.file, o.BaseArchetype)
	}
	if o.Name == "" {
		return fmt.Errorf("%s: archetype override has no name", o.file)
	}
	l.Archetypes[o.Name] = &Archetype{
		Name:                 o.Name,
		PolicyAssignments:    edit(base.PolicyAssignments, o.PolicyAssignmentsToAdd, o.PolicyAssignmentsToRemove),
		PolicyDefinitions:    edit(base.PolicyDefinitions, o.PolicyDefinitionsToAdd, o.PolicyDefinitionsToRemove),
		PolicySetDefinitions: edit(base.PolicySetDefinitions, o.PolicySetDefinitionsToAdd, o.PolicySetDefinitionsToRem),
		RoleDefinitions:      edit(base.RoleDefinitions, o.RoleDefinitionsToAdd, o.RoleDefinitionsToRemove),
		File:                 o.file,
	}
	return nil
}

// edit returns base with add appended and remove taken out, sorted and
// without duplicates.
func edit(base, add, remove []string) []string {
	set := map[string]bool{}
	for _, s := range base {
		set[s] = true
	}
	for _, s := range add {
		set[s] = true
	}
	for _, s := range remove {
		delete(set, s)
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
