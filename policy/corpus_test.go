package policy

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aizone/aizone/internal/shared"
)

// corpusFiles lists the JSON files below dir.
func corpusFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".json") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(out)
	return out
}

var (
	aliasOnce  sync.Once
	aliasTable AliasTable
	aliasErr   error
)

// sharedAliases loads the reference alias table from ../shared (never a copy
// in the repository).
func sharedAliases(tb testing.TB) AliasTable {
	tb.Helper()
	p := shared.Path(tb, "reference", "policy-aliases", "policy-aliases.csv.gz")
	aliasOnce.Do(func() {
		f, err := os.Open(p)
		if err != nil {
			aliasErr = err
			return
		}
		defer f.Close()
		aliasTable, aliasErr = LoadAliasesCSV(f)
	})
	if aliasErr != nil {
		tb.Fatal(aliasErr)
	}
	return aliasTable
}

// TestCorpusCompiles enforces that every built-in and ALZ definition and set
// definition compiles, and that every ALZ assignment parses.
func TestCorpusCompiles(t *testing.T) {
	aliases := sharedAliases(t)
	builtin := shared.Path(t, "corpora", "azure-policy")
	alz := shared.Path(t, "corpora", "alz-library", "alz")
	var defs, sets, assigns []string
	defs = append(defs, corpusFiles(t, filepath.Join(builtin, "policyDefinitions"))...)
	defs = append(defs, corpusFiles(t, filepath.Join(alz, "policy_definitions"))...)
	sets = append(sets, corpusFiles(t, filepath.Join(builtin, "policySetDefinitions"))...)
	sets = append(sets, corpusFiles(t, filepath.Join(alz, "policy_set_definitions"))...)
	assigns = corpusFiles(t, filepath.Join(alz, "policy_assignments"))

	var failures []string
	compiled := map[string]*Compiled{}
	for _, p := range defs {
		d, err := LoadDefinition(p)
		if err == nil {
			var cp *Compiled
			cp, err = Compile(d, aliases)
			if err == nil {
				compiled[strings.ToLower(lastSegment(d.ID))] = cp
			}
		}
		if err != nil {
			failures = append(failures, err.Error())
		}
	}
	for _, p := range sets {
		s, err := LoadSetDefinition(p)
		if err == nil {
			_, err = CompileSet(s, func(id string) (*Compiled, error) {
				if cp, ok := compiled[strings.ToLower(lastSegment(id))]; ok {
					return cp, nil
				}
				return nil, os.ErrNotExist
			})
		}
		if err != nil {
			failures = append(failures, err.Error())
		}
	}
	for _, p := range assigns {
		if _, err := LoadAssignment(p); err != nil {
			failures = append(failures, err.Error())
		}
	}
	total := len(defs) + len(sets) + len(assigns)
	t.Logf("%d definitions, %d set definitions, %d assignments; %d failures", len(defs), len(sets), len(assigns), len(failures))
	for _, f := range failures {
		t.Error(f)
	}
	if len(defs) < 3000 || len(sets) < 100 {
		t.Errorf("corpus looks truncated: %d definitions, %d sets (of %d files)", len(defs), len(sets), total)
	}
}

func lastSegment(id string) string {
	return id[strings.LastIndex(id, "/")+1:]
}
