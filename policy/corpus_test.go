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
// definition compiles, and that every ALZ assignment parses, through the
// same CheckTree that "aizone policy compile" runs. Failures print as
// file:line:col: JSON path: what is wrong.
func TestCorpusCompiles(t *testing.T) {
	aliases := sharedAliases(t)
	builtin := shared.Path(t, "corpora", "azure-policy")
	alz := shared.Path(t, "corpora", "alz-library", "alz")
	rep, err := CheckTree([]string{
		filepath.Join(builtin, "policyDefinitions"),
		filepath.Join(builtin, "policySetDefinitions"),
		alz,
	}, aliases)
	if err != nil {
		t.Fatal(err)
	}
	ok := rep.Definitions + rep.SetDefinitions + rep.Assignments - rep.Failed
	t.Logf("%d files: %d definitions, %d set definitions, %d assignments, %d other; %d failed (%.2f%% compile); %d unresolved set members",
		rep.Files, rep.Definitions, rep.SetDefinitions, rep.Assignments, rep.Skipped, rep.Failed,
		100*float64(ok)/float64(rep.Definitions+rep.SetDefinitions+rep.Assignments), len(rep.Warnings))
	for _, f := range rep.Failures {
		t.Error(f)
	}
	for _, w := range rep.Warnings {
		t.Error("unresolved: ", w)
	}
	if rep.Definitions < 3000 || rep.SetDefinitions < 100 || rep.Assignments < 50 {
		t.Errorf("corpus looks truncated: %d definitions, %d sets, %d assignments", rep.Definitions, rep.SetDefinitions, rep.Assignments)
	}
}
