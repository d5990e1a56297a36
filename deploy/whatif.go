package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
)

// ChangeTypes are the resource change types in the order what-if output
// groups them.
var ChangeTypes = []string{"Create", "Modify", "Delete", "NoChange", "Ignore", "Deploy", "Unsupported"}

// symbols are az deployment what-if's, so that the output reads the same.
var symbols = map[string]string{
	"Create": "+", "Modify": "~", "Delete": "-", "NoChange": "=", "Ignore": "*", "Deploy": "!", "Unsupported": "x",
	"Array": "~", "NoEffect": "x",
}

// summaryWords are az's words for the summary line.
var summaryWords = map[string]string{
	"Create": "to create", "Modify": "to modify", "Delete": "to delete", "NoChange": "no change",
	"Ignore": "to ignore", "Deploy": "to deploy", "Unsupported": "unsupported",
}

// WhatIf is what the deployment would change, in a stable order: by
// scope (the subscription, then each resource group), then by change type
// in ChangeTypes' order, then by resource.
type WhatIf struct {
	Deployment   string         `json:"deployment"`
	Subscription string         `json:"subscription"`
	Location     string         `json:"location"`
	Changes      []Change       `json:"changes"`
	Summary      map[string]int `json:"summary"`
}

// Change is one resource's predicted change.
type Change struct {
	// Scope is where the resource lives: /subscriptions/S for the
	// subscription's own resources (resource groups, policy, budget),
	// /subscriptions/S/resourceGroups/RG for the rest.
	Scope         string `json:"scope"`
	ResourceGroup string `json:"resource_group,omitempty"`
	// Resource is the id relative to Scope: TYPE/NAME (az's spelling).
	Resource          string           `json:"resource"`
	ResourceID        string           `json:"resource_id"`
	ChangeType        string           `json:"change_type"`
	APIVersion        string           `json:"api_version,omitempty"`
	UnsupportedReason string           `json:"unsupported_reason,omitempty"`
	Delta             []PropertyChange `json:"delta,omitempty"`
}

// PropertyChange is one property's predicted change; an array or object
// that changes inside has Children.
type PropertyChange struct {
	Path     string           `json:"path"`
	Type     string           `json:"type"` // Create, Delete, Modify, Array, NoEffect
	Before   any              `json:"before,omitempty"`
	After    any              `json:"after,omitempty"`
	Children []PropertyChange `json:"children,omitempty"`
}

func newWhatIf(sub string, d *Deployment, r armresources.WhatIfOperationResult) *WhatIf {
	w := &WhatIf{Deployment: d.Name, Subscription: sub, Location: d.Location, Changes: []Change{}, Summary: map[string]int{}}
	if r.Properties != nil {
		for _, c := range r.Properties.Changes {
			if c == nil {
				continue
			}
			ch := Change{ResourceID: deref(c.ResourceID), UnsupportedReason: deref(c.UnsupportedReason)}
			if c.ChangeType != nil {
				ch.ChangeType = string(*c.ChangeType)
			}
			ch.Scope, ch.Resource, ch.ResourceGroup = splitID(ch.ResourceID)
			ch.APIVersion = apiVersion(c.After)
			if ch.APIVersion == "" {
				ch.APIVersion = apiVersion(c.Before)
			}
			ch.Delta = propertyChanges(c.Delta)
			w.Changes = append(w.Changes, ch)
			w.Summary[ch.ChangeType]++
		}
	}
	sort.SliceStable(w.Changes, func(i, j int) bool {
		a, b := w.Changes[i], w.Changes[j]
		if sa, sb := strings.ToLower(a.Scope), strings.ToLower(b.Scope); sa != sb {
			return sa < sb
		}
		if ra, rb := changeRank(a.ChangeType), changeRank(b.ChangeType); ra != rb {
			return ra < rb
		}
		return strings.ToLower(a.Resource) < strings.ToLower(b.Resource)
	})
	return w
}

func changeRank(t string) int {
	for i, c := range ChangeTypes {
		if c == t {
			return i
		}
	}
	return len(ChangeTypes)
}

func apiVersion(payload any) string {
	m, ok := payload.(map[string]any)
	if !ok {
		return ""
	}
	v, _ := m["apiVersion"].(string)
	return v
}

func propertyChanges(in []*armresources.WhatIfPropertyChange) []PropertyChange {
	var out []PropertyChange
	for _, p := range in {
		if p == nil {
			continue
		}
		pc := PropertyChange{Path: deref(p.Path), Before: p.Before, After: p.After, Children: propertyChanges(p.Children)}
		if p.PropertyChangeType != nil {
			pc.Type = string(*p.PropertyChangeType)
		}
		out = append(out, pc)
	}
	// ARM's order is not documented as stable: order by path, array
	// indexes by number, a removal before an addition at the same index
	// (as az shows a replaced element).
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		na, ea := strconv.Atoi(a.Path)
		nb, eb := strconv.Atoi(b.Path)
		switch {
		case ea == nil && eb == nil && na != nb:
			return na < nb
		case (ea != nil || eb != nil) && a.Path != b.Path:
			return a.Path < b.Path
		}
		return propertyRank(a.Type) < propertyRank(b.Type)
	})
	return out
}

func propertyRank(t string) int {
	return strings.Index("Delete Modify Array Create NoEffect", t)
}

// splitID splits a resource id into its scope and the id relative to it.
func splitID(id string) (scope, rel, group string) {
	lower := strings.ToLower(id)
	const prov = "/providers/"
	if strings.HasPrefix(lower, "/providers/microsoft.management/managementgroups/") {
		parts := strings.SplitN(strings.TrimPrefix(id, "/"), "/", 5)
		scope = "/" + strings.Join(parts[:min(4, len(parts))], "/")
		if len(parts) == 5 {
			rel = strings.TrimPrefix("/"+parts[4], prov)
		}
		return scope, rel, ""
	}
	if i := strings.Index(lower, prov); i > 0 {
		scope = id[:i]
		rel = id[i+len(prov):]
		_, group = scopeOf(scope)
		return scope, rel, group
	}
	parts := strings.Split(strings.Trim(id, "/"), "/")
	if len(parts) == 4 && strings.EqualFold(parts[0], "subscriptions") && strings.EqualFold(parts[2], "resourceGroups") {
		return "/subscriptions/" + parts[1], "Microsoft.Resources/resourceGroups/" + parts[3], ""
	}
	return "", id, ""
}

// WriteText writes w as az deployment sub what-if does: a legend, the
// changes by scope with their symbols, property deltas under each
// modified resource, and a summary line.
func (w *WhatIf) WriteText(out io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "What-if of deployment %s at subscription %s (%s)\n\n", w.Deployment, w.Subscription, w.Location)
	b.WriteString("Note: what-if predicts; a resource it cannot evaluate fully may show changes that deploying does not make (noise).\n\n")
	if len(w.Changes) == 0 {
		b.WriteString("No changes: the deployment would change no resource.\n")
		_, err := out.Write(b.Bytes())
		return err
	}
	b.WriteString("Resource and property changes are indicated with these symbols:\n")
	noEffect := false
	var walk func([]PropertyChange)
	walk = func(ps []PropertyChange) {
		for _, p := range ps {
			noEffect = noEffect || p.Type == "NoEffect"
			walk(p.Children)
		}
	}
	for _, c := range w.Changes {
		walk(c.Delta)
	}
	for _, t := range ChangeTypes {
		if w.Summary[t] > 0 {
			fmt.Fprintf(&b, "  %s %s\n", symbols[t], t)
		}
	}
	if noEffect {
		b.WriteString("  x NoEffect (a property change the deployment does not make)\n")
	}
	b.WriteString("\nThe deployment will update the following scopes:\n")
	scope := "\x00"
	for _, c := range w.Changes {
		if c.Scope != scope {
			scope = c.Scope
			fmt.Fprintf(&b, "\nScope: %s\n\n", scope)
		}
		fmt.Fprintf(&b, "  %s %s", sym(c.ChangeType), c.Resource)
		if c.APIVersion != "" {
			fmt.Fprintf(&b, " [%s]", c.APIVersion)
		}
		b.WriteString("\n")
		if c.UnsupportedReason != "" {
			fmt.Fprintf(&b, "      unsupported: %s\n", oneLine(c.UnsupportedReason))
		}
		if c.ChangeType == "Modify" || c.ChangeType == "Deploy" {
			writeDelta(&b, c.Delta, 4)
		}
	}
	var parts []string
	for _, t := range ChangeTypes {
		if n := w.Summary[t]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, summaryWords[t]))
		}
	}
	fmt.Fprintf(&b, "\nResource changes: %s.\n", strings.Join(parts, ", "))
	_, err := out.Write(b.Bytes())
	return err
}

func sym(t string) string {
	if s, ok := symbols[t]; ok {
		return s
	}
	return "?"
}

func writeDelta(b *bytes.Buffer, ps []PropertyChange, indent int) {
	pad := strings.Repeat(" ", indent)
	for _, p := range ps {
		fmt.Fprintf(b, "%s%s %s:", pad, sym(p.Type), p.Path)
		switch {
		case p.Type == "Array" || (len(p.Children) > 0 && isArray(p.Before, p.After)):
			b.WriteString(" [\n")
			writeDelta(b, p.Children, indent+2)
			fmt.Fprintf(b, "%s  ]\n", pad)
		case len(p.Children) > 0:
			b.WriteString("\n")
			writeDelta(b, p.Children, indent+2)
		case p.Type == "Create" || p.Type == "NoEffect":
			fmt.Fprintf(b, " %s\n", value(p.After))
		case p.Type == "Delete":
			fmt.Fprintf(b, " %s\n", value(p.Before))
		default:
			fmt.Fprintf(b, " %s => %s\n", value(p.Before), value(p.After))
		}
	}
}

func isArray(vs ...any) bool {
	for _, v := range vs {
		if _, ok := v.([]any); ok {
			return true
		}
	}
	return false
}

// value is a property value as compact JSON (objects with sorted keys).
func value(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// WriteJSON writes w as indented JSON.
func (w *WhatIf) WriteJSON(out io.Writer) error {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(w); err != nil {
		return fmt.Errorf("encoding what-if: %w", err)
	}
	return nil
}
