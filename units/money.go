package units

import "fmt"

// USD formats a dollar amount for people: $1.23M, $45k, $678. Reports and
// the engines' reasons use the same spelling.
func USD(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("$%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("$%.0fk", v/1e3)
	}
	return fmt.Sprintf("$%.0f", v)
}
