package report

import (
	"strings"
	"testing"
)

// TestMDEscape: a value in a table cell or a list item stays in it. A line
// break would end the row or item and start a heading, a list or a new
// table ("x\n## Approved" in a name); a pipe would split the cell.
func TestMDEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                         "plain",
		"a|b":                           `a\|b`,
		"ai\n## Approved by security":   "ai ## Approved by security",
		"a\r\nb\rc\n\nd":                "a b c d",
		"row |\n| --- |\n| injected |":  `row \| \| --- \| \| injected \|`,
		"line\u2028separator\u2029para": "line separator para",
	} {
		if got := mdEscape(in); got != want {
			t.Errorf("mdEscape(%q) = %q, want %q", in, got, want)
		}
		if strings.ContainsAny(mdEscape(in), "\r\n") {
			t.Errorf("mdEscape(%q) keeps a line break", in)
		}
	}
}
