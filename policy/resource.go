package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Resource is one Azure resource in the JSON shape ARM uses: as deployed
// (GET on the resource), as exported by Azure Resource Graph, or as written
// in a template (with a child name such as "vnet/subnet" and no id). The
// derived identity fields are computed once, because every policy evaluated
// against the resource reads them.
type Resource struct {
	Raw map[string]any

	id       string
	idLower  string
	name     string
	fullName string
	typ      string
	typLower string
	sub      string
	rg       string
	// subLower and rgLower key the related-resource indexes.
	subLower, rgLower string
	// indexed: the resource's type is one mode Indexed evaluates.
	indexed bool
	// exempt: Azure Policy evaluates no resource of this type.
	exempt bool
	// parentLower is the lower-case id of the parent of a child resource
	// whose type has no tags and location of its own (a route, a subnet):
	// Azure evaluates such a resource with its parent's. "" otherwise.
	parentLower string
	// The identity fields again as interface values, boxed once: field
	// conditions on name and type run for every definition and resource.
	nameV, fullNameV, typV, idV any
	// keys is a Bloom filter of foldHash of every object key in Raw, built
	// on first use: a path with a key the filter has never seen is missing.
	// A filter rather than a set because the test runs hundreds of times a
	// resource in an audit and only has to be right when it says "absent".
	keysOnce sync.Once
	keys     keyFilter
}

// keyFilter is a 2,048-bit Bloom filter with two probes taken from one
// 64-bit hash: a resource has tens to a few hundred distinct keys, which
// leaves about one false "may" in a hundred, and a false "may" only costs
// the walk the filter would have saved.
type keyFilter [32]uint64

func (f *keyFilter) add(h uint64) {
	a, b := h&2047, (h>>11)&2047
	f[a>>6] |= 1 << (a & 63)
	f[b>>6] |= 1 << (b & 63)
}

func (f *keyFilter) has(h uint64) bool {
	a, b := h&2047, (h>>11)&2047
	return f[a>>6]&(1<<(a&63)) != 0 && f[b>>6]&(1<<(b&63)) != 0
}

// foldHash is an ASCII case-insensitive FNV-1a hash of s, computed without
// allocating; 0 for a key with non-ASCII bytes, whose Unicode case folding
// it does not follow (mayHold never rejects on such a key). A collision
// only ever makes mayHold say "may".
func foldHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return 0
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// mayHold reports whether every key of segs occurs somewhere in the
// resource; false means the path is certainly missing. The lenient walk
// (a key also looked for under "properties") only finds keys that occur,
// so the test holds for it too.
func (r *Resource) mayHold(segs []seg) bool {
	r.keysOnce.Do(func() { collectKeys(r.Raw, &r.keys) })
	for i := range segs {
		if segs[i].key == "" || segs[i].fold == 0 {
			continue
		}
		if !r.keys.has(segs[i].fold) {
			return false
		}
	}
	return true
}

func collectKeys(v any, into *keyFilter) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			into.add(foldHash(k))
			collectKeys(e, into)
		}
	case []any:
		for _, e := range x {
			collectKeys(e, into)
		}
	}
}

// KeyFilter records the object keys of a resource as a decoder meets
// them, so that NewResourceKeys need not walk the decoded value for them.
type KeyFilter struct{ f keyFilter }

// Add records one object key.
func (k *KeyFilter) Add(key string) { k.f.add(foldHash(key)) }

// NewResourceKeys is NewResource for a raw value whose every object key,
// at any depth, was added to keys.
func NewResourceKeys(raw map[string]any, keys *KeyFilter) *Resource {
	r := NewResource(raw)
	r.keysOnce.Do(func() { r.keys = keys.f })
	return r
}

// NewResource wraps a decoded resource. Resources without an id (template
// form) get one built from subscription, resourceGroup (template extension
// keys many tools emit) or the placeholders "00000000-0000-0000-0000-000000000000"
// and "rg", so that scope checks and related-resource lookups still work.
func NewResource(raw map[string]any) *Resource {
	return newResourceIn(raw, placement{})
}

// placement is where a template resource without an id is deployed: the
// subscription and resource group its deployment targets, or the
// subscription itself.
type placement struct {
	sub, rg  string
	subScope bool
}

// Placeholders for a template resource whose deployment scope is not known.
const (
	placeholderSubscription  = "00000000-0000-0000-0000-000000000000"
	placeholderResourceGroup = "rg"
)

func newResourceIn(raw map[string]any, at placement) *Resource {
	r := &Resource{Raw: raw}
	r.typ, _ = getCI(raw, "type").(string)
	rawName, _ := getCI(raw, "name").(string)
	r.id, _ = getCI(raw, "id").(string)
	if r.id == "" {
		sub, _ := getCI(raw, "subscriptionId").(string)
		rg, _ := getCI(raw, "resourceGroup").(string)
		if sub == "" || isExpr(sub) {
			sub = at.sub
		}
		if rg == "" || isExpr(rg) {
			rg = at.rg
		}
		if sub == "" {
			sub = placeholderSubscription
		}
		switch {
		case at.subScope && rg == "" && !strings.EqualFold(r.typ, "Microsoft.Resources/resourceGroups"):
			r.id = "/subscriptions/" + sub + "/providers/" + r.typ + "/" + rawName
		default:
			if rg == "" {
				rg = placeholderResourceGroup
			}
			r.id = buildID(sub, rg, r.typ, rawName)
		}
	}
	r.idLower = strings.ToLower(r.id)
	sp := ScopeSpans(r.id)
	r.sub, r.rg = r.id[sp[0]:sp[1]], r.id[sp[2]:sp[3]]
	if isASCII(r.id) {
		// Lowering ASCII keeps every byte where it was: the lower-case
		// subscription and group are slices of idLower, and the full
		// name of a resource that is not a child one of id, where an
		// audit would otherwise build three strings for every resource.
		r.subLower, r.rgLower = r.idLower[sp[0]:sp[1]], r.idLower[sp[2]:sp[3]]
		r.fullName = fullNameFromIDs(r.id, r.idLower)
	} else {
		r.subLower, r.rgLower = strings.ToLower(r.sub), strings.ToLower(r.rg)
		r.fullName = fullNameFromID(r.id)
	}
	if r.fullName == "" {
		r.fullName = rawName
	}
	r.name = rawName
	if i := strings.LastIndex(rawName, "/"); i >= 0 {
		r.name = rawName[i+1:]
	}
	if r.name == "" {
		if i := strings.LastIndex(r.fullName, "/"); i >= 0 {
			r.name = r.fullName[i+1:]
		} else {
			r.name = r.fullName
		}
	}
	r.typLower = strings.ToLower(r.typ)
	r.indexed = isIndexed(r)
	r.exempt = exemptType(r.typLower)
	if !r.indexed {
		r.parentLower = parentID(r.idLower)
	}
	r.nameV, r.fullNameV, r.typV, r.idV = r.name, r.fullName, r.typ, r.id
	return r
}

// isIndexed reports whether mode Indexed evaluates r. Azure decides by
// type ("only evaluate resource types that support tags and location"),
// not by whether one resource carries a location: a template resource
// without one is still evaluated, a route is not. Resource groups and
// subscriptions are excluded, as Azure documents.
func isIndexed(r *Resource) bool {
	switch r.typLower {
	case "microsoft.resources/resourcegroups", "microsoft.resources/subscriptions", "microsoft.resources/subscriptions/resourcegroups":
		return false
	}
	return indexedType(r.typLower, r.Raw)
}

// parentID is the id of the resource whose child id is (the id less its
// last type and name), or "" when id names no child: a top-level
// resource, or an extension resource of another one.
func parentID(id string) string {
	i := strings.LastIndex(id, "/providers/")
	if i < 0 {
		return ""
	}
	// namespace/type/name, then type/name for each level of nesting.
	if strings.Count(id[i+len("/providers/"):], "/") < 4 {
		return ""
	}
	j := strings.LastIndexByte(id, '/')
	j = strings.LastIndexByte(id[:j], '/')
	return id[:j]
}

// exemptType reports the types Azure Policy never evaluates, in any mode,
// as the Azure/azure-policy repository's known issues list them: every
// Microsoft.Resources type but resource groups and subscriptions
// (deployments, template specs, ...), and the Microsoft.Billing,
// Microsoft.Help, Microsoft.Diagnostics and
// Microsoft.Capacity/reservationOrders namespaces.
func exemptType(typLower string) bool {
	switch typLower {
	case "microsoft.resources/resourcegroups", "microsoft.resources/subscriptions", "microsoft.resources/subscriptions/resourcegroups":
		return false
	}
	for _, p := range [...]string{"microsoft.resources/", "microsoft.billing/", "microsoft.help/", "microsoft.diagnostics/", "microsoft.capacity/reservationorders"} {
		if strings.HasPrefix(typLower, p) {
			return true
		}
	}
	return false
}

// indexedType applies Microsoft's table of tag support (tagsupport.go):
// a top-level type supports tags and location unless the table says it
// does not (role assignments, diagnostic settings, policy objects...); a
// child type does not (subnets, routes, security rules, containers...)
// unless the table says it does (SQL databases, VM extensions...). A child
// type the table lacks is taken to support them when the resource carries
// a location of its own, which only a tracked resource does.
func indexedType(typLower string, raw map[string]any) bool {
	_, rest, _ := strings.Cut(typLower, "/")
	if !strings.Contains(rest, "/") {
		return !untaggedTypes[typLower]
	}
	if taggedChildTypes[typLower] {
		return true
	}
	loc, _ := getCI(raw, "location").(string)
	return loc != ""
}

// ID is the resource's id (built for template-form resources).
func (r *Resource) ID() string { return r.id }

// Type is the resource type as written.
func (r *Resource) Type() string { return r.typ }

// Name is the resource's own name (the last segment of a child's name).
func (r *Resource) Name() string { return r.name }

// FullName is the name including parents, "vnet/subnet".
func (r *Resource) FullName() string { return r.fullName }

// SubscriptionID is taken from the id.
func (r *Resource) SubscriptionID() string { return r.sub }

// ResourceGroup is the resource group name taken from the id.
func (r *Resource) ResourceGroup() string { return r.rg }

func buildID(sub, rg, typ, name string) string {
	parts := strings.Split(typ, "/")
	names := strings.Split(name, "/")
	var b strings.Builder
	b.WriteString("/subscriptions/" + sub)
	if strings.EqualFold(typ, "Microsoft.Resources/resourceGroups") {
		return b.String() + "/resourceGroups/" + name
	}
	b.WriteString("/resourceGroups/" + rg + "/providers/" + parts[0])
	for i, t := range parts[1:] {
		n := ""
		if i < len(names) {
			n = names[i]
		}
		b.WriteString("/" + t + "/" + n)
	}
	return b.String()
}

// TypeLower is Type in lower case, as rules compare types.
func (r *Resource) TypeLower() string { return r.typLower }

// scopeOf extracts the subscription id and resource group name from an
// id: the segments after the first "subscriptions" and "resourceGroups"
// segments with a name after them.
func scopeOf(id string) (sub, rg string) {
	sp := ScopeSpans(id)
	return id[sp[0]:sp[1]], id[sp[2]:sp[3]]
}

// ScopeSpans is where in an id a Resource finds its subscription and
// resource group: the start and end of each (equal when there is none).
// An audit reads them from the bytes of an export.
func ScopeSpans[S ~string | ~[]byte](id S) (sp [4]int) {
	start, end := 0, len(id)
	for start < end && id[start] == '/' {
		start++
	}
	for end > start && id[end-1] == '/' {
		end--
	}
	// prev is the segment before the one at off, when there is one.
	prevAt, prevEnd := -1, -1
	for off := start; ; {
		j := off
		for j < end && id[j] != '/' {
			j++
		}
		if prevAt >= 0 {
			switch {
			case sp[0] == sp[1] && foldEq(id[prevAt:prevEnd], "subscriptions"):
				sp[0], sp[1] = off, j
			case sp[2] == sp[3] && foldEq(id[prevAt:prevEnd], "resourceGroups"):
				sp[2], sp[3] = off, j
			}
		}
		if j >= end {
			return sp
		}
		prevAt, prevEnd, off = off, j, j+1
	}
}

// foldEq is strings.EqualFold(string(s), ascii) for an ASCII word,
// without building a string unless s holds other bytes.
func foldEq[S ~string | ~[]byte](s S, ascii string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strings.EqualFold(string(s), ascii)
		}
	}
	if len(s) != len(ascii) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		d := ascii[i]
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// fullNameFromIDs is fullNameFromID of an ASCII id given with its lower
// case: a slice of id when the resource is not a child.
func fullNameFromIDs(id, lower string) string {
	i := strings.LastIndex(lower, "/providers/")
	if i < 0 {
		return ""
	}
	rest := strings.Trim(id[i+len("/providers/"):], "/")
	// rest: namespace/type/name, then type/name for each level of
	// nesting; the names are the segments at even places from the third.
	var b strings.Builder
	var one string // the only name so far, when b is empty
	names := 0
	for k := 0; ; k++ {
		j := strings.IndexByte(rest, '/')
		seg := rest
		if j >= 0 {
			seg = rest[:j]
		}
		if k >= 2 && k%2 == 0 {
			switch names++; names {
			case 1:
				one = seg
			case 2:
				b.WriteString(one)
				fallthrough
			default:
				b.WriteByte('/')
				b.WriteString(seg)
			}
		}
		if j < 0 {
			break
		}
		rest = rest[j+1:]
	}
	if names <= 1 {
		return one
	}
	return b.String()
}

// fullNameFromID returns the names after the last "/providers/" joined by
// "/": the fullName field of a child resource.
func fullNameFromID(id string) string {
	low := strings.ToLower(id)
	i := strings.LastIndex(low, "/providers/")
	if i < 0 {
		return ""
	}
	seg := strings.Split(strings.Trim(id[i+len("/providers/"):], "/"), "/")
	// seg: namespace, type, name, type, name, ...
	var names []string
	for j := 2; j < len(seg); j += 2 {
		names = append(names, seg[j])
	}
	return strings.Join(names, "/")
}

// ParseResource decodes one resource.
func ParseResource(data []byte) (*Resource, error) {
	var raw map[string]any
	if err := json.Unmarshal(bytes.TrimPrefix(data, bom), &raw); err != nil {
		return nil, fmt.Errorf("resource: %w", err)
	}
	return NewResource(raw), nil
}

// ParseResources decodes a list of resources from any of the shapes the tools
// print: a single object, an array, a Resource Graph export ({"data": [...]},
// {"value": [...]}) or an ARM template. A template's resources come with
// those of its nested deployments (Microsoft.Resources/deployments with an
// inline template), each placed in the resource group its deployment
// targets, because that is what gets deployed; in a subscription-scope
// template, resources outside any resource group are placed at subscription
// scope.
func ParseResources(data []byte) ([]*Resource, error) {
	data = bytes.TrimSpace(bytes.TrimPrefix(data, bom))
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("resources: %w", err)
	}
	var list []any
	switch x := v.(type) {
	case []any:
		list = x
	case map[string]any:
		if isTemplate(x) {
			var out []*Resource
			at := placement{subScope: strings.Contains(strings.ToLower(fmt.Sprint(getCI(x, "$schema"))), "subscriptiondeploymenttemplate")}
			if err := templateResources(x, at, "resources", &out); err != nil {
				return nil, err
			}
			return out, nil
		}
		found := false
		for _, k := range []string{"resources", "data", "value"} {
			if arr, ok := getCI(x, k).([]any); ok && getCI(x, "type") == nil {
				list, found = arr, true
				break
			}
		}
		if !found {
			list = []any{x}
		}
	default:
		return nil, errors.New("resources: expected an object or an array of objects")
	}
	out := make([]*Resource, 0, len(list))
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("resources[%d]: expected an object, got %s", i, jsonType(item))
		}
		out = append(out, NewResource(m))
	}
	return out, nil
}

// isTemplate tells an ARM template from a list wrapper: it has resources
// and a schema or content version.
func isTemplate(m map[string]any) bool {
	if _, ok := lookupCI(m, "resources"); !ok {
		return false
	}
	_, schema := lookupCI(m, "$schema")
	_, version := lookupCI(m, "contentVersion")
	return schema || version
}

// templateResources appends a template's resources, and recursively those
// of its nested deployments, to out. path names the template's resources
// in error messages.
func templateResources(tmpl map[string]any, at placement, path string, out *[]*Resource) error {
	var items []any
	switch rs := getCI(tmpl, "resources").(type) {
	case []any:
		items = rs
	case map[string]any:
		// languageVersion 2.0 templates name their resources.
		for _, k := range sortedKeys(rs) {
			items = append(items, rs[k])
		}
	case nil:
	default:
		return fmt.Errorf("%s: expected an array, got %s", path, jsonType(rs))
	}
	for i, item := range items {
		p := fmt.Sprintf("%s[%d]", path, i)
		m, ok := item.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: expected an object, got %s", p, jsonType(item))
		}
		*out = append(*out, newResourceIn(m, at))
		typ, _ := getCI(m, "type").(string)
		if !strings.EqualFold(typ, "Microsoft.Resources/deployments") {
			continue
		}
		props, _ := getCI(m, "properties").(map[string]any)
		inner, ok := getCI(props, "template").(map[string]any)
		if !ok {
			continue // a linked template: not here to read
		}
		next := at
		if rg, ok := getCI(m, "resourceGroup").(string); ok && rg != "" && !isExpr(rg) {
			next.rg, next.subScope = rg, false
		}
		if sub, ok := getCI(m, "subscriptionId").(string); ok && sub != "" && !isExpr(sub) {
			next.sub = sub
		}
		if !next.subScope && next.rg == "" {
			// A deployment into the current resource group.
			next.rg = at.rg
		}
		if err := templateResources(inner, next, p+".properties.template.resources", out); err != nil {
			return err
		}
	}
	return nil
}

// isExpr reports whether a template value is an ARM expression, which a
// placement cannot use.
func isExpr(s string) bool {
	return len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']' && (len(s) < 3 || s[1] != '[')
}

// Resources is the set of resources an evaluation can look at for
// auditIfNotExists and deployIfNotExists: indexed by type once, so that a
// lookup costs the number of resources of that type, not of all resources.
type Resources struct {
	byType map[string][]*Resource
	// byScope is keyed by type, subscription and group (empty for the
	// subscription-wide list), and again with the name for the common case
	// of a related resource named in details.name; below by type and
	// ancestor id, for every ancestor, so that child and extension
	// resources are found from any parent. All keys are lower case, and
	// structs so that a lookup builds no string.
	byScope map[scopeKey][]*Resource
	below   map[[2]string][]*Resource
	ids     map[string]*Resource
	all     []*Resource
}

// scopeKey finds related resources: lower-case type, subscription, resource
// group and name ("" for any); wholeSub keys the subscription-wide lists,
// apart from those of resources outside any group.
type scopeKey struct {
	typ, sub, rg, name string
	wholeSub           bool
}

// NewResources indexes list.
func NewResources(list []*Resource) *Resources {
	rs := &Resources{
		byType:  map[string][]*Resource{},
		byScope: map[scopeKey][]*Resource{},
		below:   map[[2]string][]*Resource{},
		ids:     map[string]*Resource{},
		all:     list,
	}
	for _, r := range list {
		t := r.typLower
		rs.byType[t] = append(rs.byType[t], r)
		name := strings.ToLower(r.name)
		for _, k := range [...]scopeKey{
			{typ: t, sub: r.subLower, rg: r.rgLower}, {typ: t, sub: r.subLower, wholeSub: true},
			{typ: t, sub: r.subLower, rg: r.rgLower, name: name}, {typ: t, sub: r.subLower, name: name, wholeSub: true},
		} {
			rs.byScope[k] = append(rs.byScope[k], r)
		}
		for _, a := range ancestors(r.idLower) {
			k := [2]string{t, a}
			rs.below[k] = append(rs.below[k], r)
		}
		if _, dup := rs.ids[r.idLower]; !dup {
			rs.ids[r.idLower] = r
		}
	}
	return rs
}

// ancestors lists the ids of the resources an id is nested under (its
// parents, and for an extension resource the resource it extends).
func ancestors(id string) []string {
	seg := strings.Split(strings.Trim(id, "/"), "/")
	var out []string
	i := 0
	for i < len(seg) && seg[i] != "providers" {
		i++
	}
	// seg[i] == "providers", seg[i+1] namespace, then type/name pairs; a
	// further "providers/namespace" starts an extension.
	i += 2
	for i+1 < len(seg) {
		if seg[i] == "providers" {
			i += 2
			continue
		}
		i += 2
		if i < len(seg) {
			out = append(out, "/"+strings.Join(seg[:i], "/"))
		}
	}
	return out
}

// OfType returns the resources of a type (case-insensitive), in input order.
func (rs *Resources) OfType(typ string) []*Resource {
	if rs == nil {
		return nil
	}
	return rs.byType[strings.ToLower(typ)]
}

// All returns every resource in input order.
func (rs *Resources) All() []*Resource {
	if rs == nil {
		return nil
	}
	return rs.all
}

// Env is what an evaluation knows beyond the resource itself. The zero value
// is usable: no related resources, a fixed clock, and subscription and
// resource group objects derived from the resource's id.
type Env struct {
	// Resources are the related resources for *IfNotExists effects,
	// usually every resource being evaluated.
	Resources *Resources
	// Now is returned by utcNow(); the zero value means 2000-01-01T00:00:00Z
	// so that output stays deterministic unless a caller asks for real time.
	Now time.Time
	// APIVersion is requestContext().apiVersion. When empty, a resource's
	// own apiVersion (as in a template) is used, else LatestAPIVersion.
	APIVersion string
	// Identity is requestContext().identity: the caller's token claims
	// (idtyp, appid, acrs), or nil for an evaluation not caused by a request.
	Identity map[string]any
	// Subscription and ResourceGroups add properties (displayName, location,
	// tags) to subscription() and resourceGroup(); keys are lower-case
	// subscription ids and resource group names.
	Subscription   map[string]any
	ResourceGroups map[string]map[string]any
	// Brief skips the explanation of compliant, not applicable and skipped
	// results, which is the expensive part of evaluating large estates.
	Brief bool
	// NoReasons also skips the explanation of non-compliant results, for
	// callers that only count them (an audit summary over millions of
	// resources); Reasons is then empty or a fixed phrase.
	NoReasons bool
}

func (e *Env) now() time.Time {
	if e == nil || e.Now.IsZero() {
		return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return e.Now
}

// LatestAPIVersion stands for "the latest API version", which Azure uses
// when it evaluates an existing resource rather than a request: it sorts
// after every real version, so policies comparing requestContext().
// apiVersion with a date take their newest branch.
const LatestAPIVersion = "9999-12-31"

var bom = []byte{0xEF, 0xBB, 0xBF}

// getCI reads an object key, exactly first, then ignoring case: ARM
// property names are case-insensitive and exports are not consistent.
func getCI(m map[string]any, key string) any {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

func lookupCI(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// because is the one-line reason of a result that is not evaluated (out of
// scope, excluded, skipped), or nothing when the caller is Brief: building
// it for every resource and assignment of an audit costs more than the
// check itself.
func (env *Env) because(format string, args ...any) []string {
	if env.Brief {
		return nil
	}
	return []string{fmt.Sprintf(format, args...)}
}
