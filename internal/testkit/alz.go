package testkit

import (
	"os"
	"sync"
	"testing"

	"github.com/aizone/aizone/alz"
	"github.com/aizone/aizone/internal/shared"
	"github.com/aizone/aizone/policy"
)

var alzCorpus struct {
	once     sync.Once
	lib      *alz.Library
	builtins *alz.Builtins
	aliases  policy.AliasTable
	err      error
}

// ALZ loads, once per test binary, what the suites that evaluate the
// Azure Landing Zones library read from the shared corpora: the library,
// Azure Policy's built-in definitions and the policy alias table.
func ALZ(tb testing.TB) (*alz.Library, *alz.Builtins, policy.AliasTable) {
	tb.Helper()
	libDir := shared.Path(tb, "corpora", "alz-library", "alz")
	bDir := shared.Path(tb, "corpora", "azure-policy")
	alPath := shared.Path(tb, "reference", "policy-aliases", "policy-aliases.csv.gz")
	c := &alzCorpus
	c.once.Do(func() {
		if c.lib, c.err = alz.LoadLibrary(libDir); c.err != nil {
			return
		}
		if c.builtins, c.err = alz.LoadBuiltins(bDir); c.err != nil {
			return
		}
		f, err := os.Open(alPath)
		if err != nil {
			c.err = err
			return
		}
		defer f.Close()
		c.aliases, c.err = policy.LoadAliasesCSV(f)
	})
	if c.err != nil {
		tb.Fatal(c.err)
	}
	return c.lib, c.builtins, c.aliases
}
