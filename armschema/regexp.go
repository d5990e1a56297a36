package armschema

import (
	"fmt"
	"regexp"
	"time"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// regexpTimeout bounds one match by the backtracking engine. The schemas'
// patterns are short and anchored; a match that runs this long is a
// pathological pattern, and it is reported as a mismatch (a visible
// failure) rather than accepted.
const regexpTimeout = time.Second

// compileRegexp is the jsonschema regexp engine. JSON Schema patterns are
// ECMA-262 regular expressions. Go's RE2 engine agrees with ECMA-262 on the
// patterns it accepts and never backtracks, so it is tried first; patterns
// it rejects (look-ahead, look-behind) are compiled by regexp2 in
// ECMAScript mode.
func compileRegexp(s string) (jsonschema.Regexp, error) {
	if re, err := regexp.Compile(s); err == nil {
		return re, nil
	}
	re, err := regexp2.Compile(s, regexp2.ECMAScript)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", s, err)
	}
	re.MatchTimeout = regexpTimeout
	return (*backtracking)(re), nil
}

// backtracking adapts a regexp2 expression to jsonschema.Regexp.
type backtracking regexp2.Regexp

func (re *backtracking) MatchString(s string) bool {
	ok, err := (*regexp2.Regexp)(re).MatchString(s)
	return err == nil && ok
}

func (re *backtracking) String() string {
	return (*regexp2.Regexp)(re).String()
}
