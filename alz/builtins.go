package alz

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aizone/aizone/policy"
)

// Builtins are Azure's built-in policy definitions and set definitions, as
// Azure publishes them (one JSON file each, in folders by category).
// Files are parsed on first use: a check needs a few hundred of the
// several thousand.
type Builtins struct {
	Dir  string
	defs map[string]string // lower-case name -> file
	sets map[string]string
}

// LoadBuiltins indexes the definition files below dir by name.
func LoadBuiltins(dir string) (*Builtins, error) {
	b := &Builtins{Dir: dir, defs: map[string]string{}, sets: map[string]string{}}
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("built-in definitions: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("built-in definitions: %s is not a directory", dir)
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".json") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var head struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			Properties struct {
				PolicyRule        json.RawMessage `json:"policyRule"`
				PolicyDefinitions json.RawMessage `json:"policyDefinitions"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF}), &head); err != nil {
			return fmt.Errorf("%s: invalid JSON: %w", path, err)
		}
		name := strings.ToLower(head.Name)
		switch {
		case name == "":
		case len(head.Properties.PolicyRule) > 0 || strings.EqualFold(head.Type, "Microsoft.Authorization/policyDefinitions"):
			b.defs[name] = path
		case len(head.Properties.PolicyDefinitions) > 0 || strings.EqualFold(head.Type, "Microsoft.Authorization/policySetDefinitions"):
			b.sets[name] = path
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("built-in definitions: %w", err)
	}
	if len(b.defs) == 0 {
		return nil, fmt.Errorf("built-in definitions: no policy definitions below %s; point --builtins at a folder of definition JSON such as azure-policy/built-in-policies", dir)
	}
	return b, nil
}

// Len returns the number of definitions and set definitions indexed.
func (b *Builtins) Len() (defs, sets int) { return len(b.defs), len(b.sets) }

// Definition loads the built-in definition with this name (a GUID).
func (b *Builtins) Definition(name string) (*policy.Definition, bool, error) {
	p, ok := b.defs[strings.ToLower(name)]
	if !ok {
		return nil, false, nil
	}
	d, err := policy.LoadDefinition(p)
	return d, true, err
}

// SetDefinition loads the built-in set definition with this name.
func (b *Builtins) SetDefinition(name string) (*policy.SetDefinition, bool, error) {
	p, ok := b.sets[strings.ToLower(name)]
	if !ok {
		return nil, false, nil
	}
	s, err := policy.LoadSetDefinition(p)
	return s, true, err
}

// Names lists the indexed definition names, sorted (for tests and listings).
func (b *Builtins) Names() []string {
	out := make([]string, 0, len(b.defs))
	for n := range b.defs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
