package policy

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Kind is the kind of a policy document.
type Kind string

// The document kinds CheckTree recognises.
const (
	KindDefinition    Kind = "definition"
	KindSetDefinition Kind = "setDefinition"
	KindAssignment    Kind = "assignment"
	// KindOther is any other JSON (role definitions, archetypes, metadata
	// files in a library), which CheckTree skips.
	KindOther Kind = "other"
)

// DocumentKind tells what a JSON document is from its content: a policy
// rule makes a definition, a list of member definitions a set, a
// definition id without either an assignment. File names are no guide:
// libraries name files in many ways.
func DocumentKind(data []byte) Kind {
	var top map[string]json.RawMessage
	if json.Unmarshal(bytes.TrimPrefix(data, bom), &top) != nil {
		return KindOther
	}
	props := top
	for k, v := range top {
		if strings.EqualFold(k, "properties") {
			var p map[string]json.RawMessage
			if json.Unmarshal(v, &p) == nil {
				props = p
			}
		}
	}
	has := func(key string) bool {
		for k := range props {
			if strings.EqualFold(k, key) {
				return true
			}
		}
		return false
	}
	switch {
	case has("policyRule"):
		return KindDefinition
	case has("policyDefinitions"):
		return KindSetDefinition
	case has("policyDefinitionId"):
		return KindAssignment
	}
	return KindOther
}

// FileProblem is a document that did not compile (or, for a warning, a
// set member that could not be resolved), located as precisely as known.
type FileProblem struct {
	File  string `json:"file"`
	Kind  Kind   `json:"kind"`
	Line  int    `json:"line,omitempty"`
	Col   int    `json:"col,omitempty"`
	Path  string `json:"path,omitempty"`
	Error string `json:"error"`
}

func (p FileProblem) String() string {
	return (&Error{File: p.File, Line: p.Line, Col: p.Col, Path: p.Path, Err: errors.New(p.Error)}).Error()
}

// TreeReport is what CheckTree found.
type TreeReport struct {
	Files          int `json:"files"`
	Definitions    int `json:"definitions"`
	SetDefinitions int `json:"setDefinitions"`
	Assignments    int `json:"assignments"`
	// Skipped counts JSON files that are not policy documents.
	Skipped int `json:"skipped"`
	// Failed counts documents that did not parse or compile.
	Failed   int           `json:"failed"`
	Failures []FileProblem `json:"failures"`
	// Warnings are set definitions with members whose definition is not in
	// the tree (built-ins referenced by a custom initiative, typically), one
	// per set: the set itself is well formed, but it was not compiled
	// against them.
	Warnings []FileProblem `json:"warnings"`
}

// CheckTree parses and compiles every policy document in the JSON files
// below roots (files or directories), in a stable order: definitions first,
// then set definitions, resolved against the definitions found, then
// assignments, which are parsed. A nil aliases uses the default mapping.
// The error is for the tree itself (a root that cannot be read); problems
// in documents are in the report.
func CheckTree(roots []string, aliases AliasTable) (*TreeReport, error) {
	files, err := jsonFiles(roots)
	if err != nil {
		return nil, err
	}
	rep := &TreeReport{Files: len(files), Failures: []FileProblem{}, Warnings: []FileProblem{}}
	type doc struct {
		path string
		data []byte
	}
	byKind := map[Kind][]doc{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", f, err)
		}
		k := DocumentKind(data)
		if k == KindOther && !json.Valid(bytes.TrimPrefix(data, bom)) {
			// Broken JSON in a policy tree is far more likely a broken
			// definition than an unrelated file: report it.
			rep.Definitions++
			rep.fail(f, KindDefinition, withFile(f, func() error { _, err := ParseDefinition(data); return err }()))
			continue
		}
		byKind[k] = append(byKind[k], doc{f, data})
	}
	rep.Skipped = len(byKind[KindOther])

	compiled := map[string]*Compiled{} // by lower-case last id segment
	for _, d := range byKind[KindDefinition] {
		rep.Definitions++
		def, err := ParseDefinition(d.data)
		if err == nil {
			def.File = d.path
			var cp *Compiled
			if cp, err = Compile(def, aliases); err == nil {
				compiled[strings.ToLower(lastSegment(def.ID))] = cp
			}
		}
		if err != nil {
			rep.fail(d.path, KindDefinition, withFile(d.path, err))
		}
	}
	for _, d := range byKind[KindSetDefinition] {
		rep.SetDefinitions++
		s, err := ParseSetDefinition(d.data)
		if err != nil {
			rep.fail(d.path, KindSetDefinition, withFile(d.path, err))
			continue
		}
		s.File = d.path
		if err := s.Check(); err != nil {
			rep.fail(d.path, KindSetDefinition, err)
			continue
		}
		// One warning per set, located at its first unresolved member: a
		// custom initiative commonly references dozens of built-ins.
		var missing []SetMember
		for _, m := range s.Members {
			if _, ok := compiled[strings.ToLower(lastSegment(m.DefinitionID))]; !ok {
				missing = append(missing, m)
			}
		}
		if len(missing) > 0 {
			ids := make([]string, 0, 3)
			for _, m := range missing[:min(3, len(missing))] {
				ids = append(ids, m.DefinitionID)
			}
			more := ""
			if len(missing) > 3 {
				more = fmt.Sprintf(" and %d more", len(missing)-3)
			}
			e := withFile(d.path, withSource(s.src, &Error{Path: missing[0].path + ".policyDefinitionId",
				Err: fmt.Errorf("%d of %d member definitions are not in the tree: %s%s", len(missing), len(s.Members), strings.Join(ids, ", "), more)}))
			rep.Warnings = append(rep.Warnings, problem(KindSetDefinition, d.path, e))
		}
	}
	for _, d := range byKind[KindAssignment] {
		rep.Assignments++
		if _, err := ParseAssignment(d.data); err != nil {
			rep.fail(d.path, KindAssignment, withFile(d.path, err))
		}
	}
	byFile := func(ps []FileProblem) func(i, j int) bool {
		return func(i, j int) bool { return ps[i].File < ps[j].File }
	}
	sort.SliceStable(rep.Failures, byFile(rep.Failures))
	sort.SliceStable(rep.Warnings, byFile(rep.Warnings))
	return rep, nil
}

func (r *TreeReport) fail(file string, k Kind, err error) {
	r.Failed++
	r.Failures = append(r.Failures, problem(k, file, err))
}

func problem(k Kind, file string, err error) FileProblem {
	p := FileProblem{File: file, Kind: k, Error: err.Error()}
	var pe *Error
	if errors.As(err, &pe) {
		p.Line, p.Col, p.Path, p.Error = pe.Line, pe.Col, pe.Path, pe.Err.Error()
	}
	return p
}

func lastSegment(id string) string {
	return id[strings.LastIndex(id, "/")+1:]
}

// jsonFiles lists the .json files below roots, sorted, each once.
func jsonFiles(roots []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != root && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir // .git and the like
				}
				return nil
			}
			if (p == root || strings.EqualFold(filepath.Ext(p), ".json")) && !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

// LoadAliases reads an alias table in either supported format, told apart
// by content: the JSON that `az provider list --expand
// "resourceTypes/aliases"` prints, or an alias,path CSV; either may be
// gzip-compressed.
func LoadAliases(r io.Reader) (AliasTable, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("aliases: %w", err)
	}
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		gz, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("aliases: %w", err)
		}
		if data, err = io.ReadAll(gz); err != nil {
			return nil, fmt.Errorf("aliases: %w", err)
		}
	}
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, bom))
	if len(trimmed) > 0 && (trimmed[0] == '[' || trimmed[0] == '{') {
		return LoadAliasesProviderJSON(bytes.NewReader(trimmed))
	}
	return LoadAliasesCSV(bytes.NewReader(data))
}

// LoadAliasesFile reads an alias table file (see LoadAliases).
func LoadAliasesFile(path string) (AliasTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := LoadAliases(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}
