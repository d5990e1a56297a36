package terraform

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"unicode"

	"github.com/aizone/aizone/emit/armexpr"
)

// Labels name each resource in the module (azapi_resource.LABEL). A label
// is the singular, snake-case last segment of the resource's type and the
// words of its name ("virtual_network_vnet_contoso_ft_eastus"); an
// extension resource adds the words of its scope, and a name that is an
// expression (a role assignment's guid()) contributes the words of its
// arguments. Labels depend only on the resource's own type, name and
// scope, so a label stays the same when other resources come and go;
// resources whose words coincide all get a short hash of their identity.

// assignLabels sets the label of every item.
func assignLabels(items []*item) {
	byLabel := map[string][]*item{}
	for _, it := range items {
		l := baseLabel(it)
		it.label = l
		byLabel[l] = append(byLabel[l], it)
	}
	for _, its := range byLabel {
		if len(its) < 2 {
			continue
		}
		for _, it := range its {
			sum := sha256.Sum256([]byte(it.r.Type + "\x00" + it.r.Name + "\x00" + it.r.Scope + "\x00" + it.r.ResourceGroup))
			it.label += "_" + hex.EncodeToString(sum[:4])
		}
	}
}

func baseLabel(it *item) string {
	r := it.r
	segs := strings.Split(r.Type, "/")
	words := []string{typeWord(segs[len(segs)-1])}
	if r.Scope != "" {
		if _, expr, ok := armexpr.Classify(r.Scope); ok {
			words = append(words, exprWords(expr, "")...)
		}
	}
	if _, expr, ok := armexpr.Classify(r.Name); ok {
		scope := ""
		if _, s, ok := armexpr.Classify(r.Scope); ok {
			scope = s
		}
		words = append(words, exprWords(expr, scope)...)
	} else {
		words = append(words, r.Name)
	}
	return snake(strings.Join(words, "_"))
}

// typeWord is the singular snake case of a type segment:
// "publicIPAddresses" gives "public_ip_address".
func typeWord(seg string) string {
	w := snake(seg)
	switch {
	case strings.HasSuffix(w, "ies"):
		return strings.TrimSuffix(w, "ies") + "y"
	case strings.HasSuffix(w, "sses"):
		return strings.TrimSuffix(w, "es")
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		return strings.TrimSuffix(w, "s")
	}
	return w
}

var guidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// exprWords are the words of an ARM expression that say what it names:
// the names in a resourceId(), the literals and parameter names of a
// guid() or format() (a role definition's GUID shortened to its first
// block). An argument whose text is skip (the scope, already in the
// label) is left out.
func exprWords(expr, skip string) []string {
	n, err := armexpr.Parse(expr)
	if err != nil {
		return []string{expr}
	}
	var words []string
	var walk func(n armexpr.Node)
	walk = func(n armexpr.Node) {
		if skip != "" && n.Src() == skip {
			return
		}
		switch x := n.(type) {
		case *armexpr.Str:
			if guidRe.MatchString(x.S) {
				words = append(words, x.S[:8])
			} else if !strings.Contains(x.S, "{") {
				words = append(words, x.S)
			}
		case *armexpr.Call:
			switch x.Name {
			case "parameters":
				if len(x.Args) == 1 {
					if s, ok := x.Args[0].(*armexpr.Str); ok {
						words = append(words, s.S)
					}
				}
				return
			case "resourceId", "subscriptionResourceId":
				// The names after the type; the type is in the label
				// already, and the resource group tells nothing apart.
				for i, a := range x.Args {
					if s, ok := a.(*armexpr.Str); ok && strings.Contains(s.S, "/") {
						for _, name := range x.Args[i+1:] {
							walk(name)
						}
						return
					}
				}
				return
			case "extensionResourceId":
				if len(x.Args) == 3 {
					walk(x.Args[0])
					walk(x.Args[2])
				}
				return
			case "format":
				// The literal arguments name the thing; a parameter
				// holding a platform id adds nothing that tells them
				// apart.
				lits := 0
				for _, a := range x.Args[1:] {
					if _, ok := a.(*armexpr.Str); ok {
						lits++
					}
				}
				for _, a := range x.Args[1:] {
					if _, ok := a.(*armexpr.Str); ok || lits == 0 {
						walk(a)
					}
				}
				return
			}
			for _, a := range x.Args {
				walk(a)
			}
		case *armexpr.Prop:
			walk(x.X)
		case *armexpr.Index:
			walk(x.X)
		}
	}
	walk(n)
	return words
}

// snake turns any text into a lower-case identifier of letters, digits
// and single underscores: camelCase humps and every other character
// become underscores.
func snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case unicode.IsUpper(r):
			// A hump starts a word: aB, or the last capital of an
			// acronym followed by a lower-case letter (IPAddress).
			if i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]) ||
				unicode.IsUpper(rs[i-1]) && i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
		case r < 128 && (unicode.IsLower(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := strings.Trim(b.String(), "_")
	for strings.Contains(out, "__") {
		out = strings.ReplaceAll(out, "__", "_")
	}
	if out == "" || unicode.IsDigit(rune(out[0])) {
		out = "r_" + out
	}
	return out
}
