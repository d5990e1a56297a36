package resources

import "strings"

// Literal makes a user's string a literal in a template. Azure Resource
// Manager evaluates any string that starts with "[" and ends with "]" as
// an expression, so a tag value "[listKeys(...)]" would copy a storage key
// into a tag; a leading "[[" is ARM's escape for a literal "[". This is the
// one rule for every string that comes from the zone file.
func Literal(s string) string {
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		return "[" + s
	}
	return s
}

// userStrings are the zone file's strings that reach the template as
// whole values or keys (tags, budget contacts); names are validated
// against patterns that cannot start with "[".
func (b *builder) userStrings() map[string]bool {
	out := map[string]bool{}
	z := b.p.Zone
	for k, v := range z.Placement.Tags {
		out[k], out[v] = true, true
	}
	if bg := z.Placement.Budget; bg != nil {
		for _, e := range bg.ContactEmails {
			out[e] = true
		}
		out[bg.ActionGroupID] = true
	}
	delete(out, "")
	return out
}

// escapeUser applies Literal to every key and string value of rs that is
// one of the zone file's strings and would be read as an expression. It
// runs once, over everything Build made, so no emitter can miss a field.
func (b *builder) escapeUser() {
	user := b.userStrings()
	risky := map[string]bool{}
	for s := range user {
		if Literal(s) != s {
			risky[s] = true
		}
	}
	if len(risky) == 0 {
		return
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case string:
			if risky[x] {
				return Literal(x)
			}
			return x
		case map[string]string:
			out := make(map[string]string, len(x))
			for k, e := range x {
				out[walk(k).(string)] = walk(e).(string)
			}
			return out
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, e := range x {
				out[walk(k).(string)] = walk(e)
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = walk(e)
			}
			return out
		case []string:
			out := make([]string, len(x))
			for i, e := range x {
				out[i] = walk(e).(string)
			}
			return out
		}
		return v
	}
	for i := range b.out {
		r := &b.out[i]
		r.Tags = walk(r.Tags).(map[string]string)
		if r.Properties != nil {
			r.Properties = walk(r.Properties).(map[string]any)
		}
	}
}
