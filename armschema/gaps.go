package armschema

import (
	"errors"
	"sort"
	"strings"
)

// Gaps are the resource types whose template shape the schema corpus
// cannot check, with why. A check that skips them says so (Without
// returns what it dropped), so a gap is never silent.
var Gaps = map[string]string{
	"Microsoft.Consumption/budgets": "the corpus has no Microsoft.Consumption schema",
	"Microsoft.Insights/diagnosticSettings": "the corpus has only the 2016-09-01 schema, which describes the legacy service-level setting (its name must be \"service\" and metrics need a time grain); " +
		"resource diagnostic settings use 2021-05-01-preview, the version Azure documents for them, which the corpus lacks",
}

// Without drops from err (as ValidateTemplate returns it) the errors about
// resources of the gap types, and returns the types dropped and the rest.
func Without(err error, gaps map[string]string) ([]string, error) {
	if err == nil {
		return nil, nil
	}
	var all []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		all = j.Unwrap()
	} else {
		all = []error{err}
	}
	var kept []error
	dropped := map[string]bool{}
	for _, e := range all {
		gap := ""
		var re *ResourceError
		if errors.As(e, &re) {
			for t := range gaps {
				if strings.EqualFold(re.Type, t) {
					gap = t
				}
			}
		} else if errors.Is(e, ErrUnknownType) {
			for t := range gaps {
				if strings.Contains(e.Error(), t+" ") {
					gap = t
				}
			}
		}
		if gap != "" {
			dropped[gap] = true
			continue
		}
		kept = append(kept, e)
	}
	var types []string
	for t := range dropped {
		types = append(types, t)
	}
	sort.Strings(types)
	return types, errors.Join(kept...)
}
