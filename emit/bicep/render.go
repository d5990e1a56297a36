package bicep

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/aizone/aizone/emit/armexpr"
)

// headers say what each kind of file holds.
var headers = map[fileKind]string{
	kindMain:     "The zone at subscription scope: its resource groups, the guardrail policies, the budget, and one module per resource group and stage. Written by aizone from the zone's resource model.",
	kindGroup:    "The resources of one of the zone's resource groups (one stage of it), deployed by main.bicep. Written by aizone.",
	kindPlatform: "Resources in the platform's resource group (role assignments on its DNS zones), deployed by the zone's module. Written by aizone.",
}

// render writes a file as the Bicep formatter lays it out: two-space
// indents, one declaration after another with a blank line between.
func (e *emitter) render(f *file) []byte {
	var decls []string
	if f.kind == kindMain {
		decls = append(decls, "targetScope = 'subscription'")
	}
	decls = append(decls, e.paramDecls(f)...)
	exKeys := slices.Sorted(maps.Keys(f.existing))
	sort.SliceStable(exKeys, func(i, j int) bool {
		// Parents before children, so that a reader meets a symbol
		// before its use; then by symbol.
		a, b := f.existing[exKeys[i]], f.existing[exKeys[j]]
		if da, db := strings.Count(a.typ, "/"), strings.Count(b.typ, "/"); da != db {
			return da < db
		}
		return a.sym < b.sym
	})
	for _, k := range exKeys {
		decls = append(decls, existingText(f.existing[k]))
	}
	for _, it := range f.items {
		decls = append(decls, it.text())
	}
	if f.kind == kindMain {
		for _, g := range e.files {
			if g.kind == kindGroup {
				decls = append(decls, e.moduleText(f, g))
			}
		}
	}
	for _, m := range f.modules {
		decls = append(decls, e.moduleText(f, m.target))
	}
	for _, o := range f.outputs {
		var b strings.Builder
		fmt.Fprintf(&b, "output %s string = ", o.name)
		printValue(&b, o.val, 0)
		decls = append(decls, b.String())
	}
	var b strings.Builder
	b.WriteString(commentLines(headers[f.kind]))
	for i, d := range decls {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(d)
		b.WriteString("\n")
	}
	return []byte(b.String())
}

// commentLines wraps text into // lines of about 100 columns.
func commentLines(text string) string {
	var out, line strings.Builder
	for _, w := range strings.Fields(text) {
		if line.Len() > 0 && line.Len()+1+len(w) > 97 {
			out.WriteString("// " + line.String() + "\n")
			line.Reset()
		}
		if line.Len() > 0 {
			line.WriteByte(' ')
		}
		line.WriteString(w)
	}
	if line.Len() > 0 {
		out.WriteString("// " + line.String() + "\n")
	}
	return out.String()
}

var bicepTypes = map[string]string{"string": "string", "array": "array", "int": "int"}

// paramDecls declares the parameters a file takes: every template
// parameter in main.bicep, those it uses in a group's module, what its
// caller passes in a platform module.
func (e *emitter) paramDecls(f *file) []string {
	var out []string
	switch f.kind {
	case kindMain:
		for _, name := range slices.Sorted(maps.Keys(e.params)) {
			p := e.params[name]
			d := fmt.Sprintf("@description(%s)\nparam %s %s", quote(p.Description), p.Name, bicepTypes[p.Type])
			if s, ok := p.DefaultValue.(string); ok {
				tr := &translator{e: e, f: f, utcNow: true}
				v, err := tr.str(s)
				if err != nil {
					// Parameters() only gives utcNow() defaults, which
					// translate; anything else is a change to make here.
					panic("bicep: default of " + p.Name + ": " + err.Error())
				}
				var b strings.Builder
				printValue(&b, v, 0)
				d += " = " + b.String()
			}
			out = append(out, d)
		}
	case kindGroup:
		for _, name := range slices.Sorted(maps.Keys(f.params)) {
			p := e.params[name]
			out = append(out, fmt.Sprintf("@description(%s)\nparam %s %s", quote(p.Description), p.Name, bicepTypes[p.Type]))
		}
	case kindPlatform:
		hs := make([]*hoist, 0, len(f.hoisted))
		for _, h := range f.hoisted {
			hs = append(hs, h)
		}
		sort.Slice(hs, func(i, j int) bool { return hs[i].name < hs[j].name })
		for _, h := range hs {
			out = append(out, fmt.Sprintf("@description(%s)\nparam %s %s", quote(h.desc), h.name, bicepTypes[h.typ]))
		}
	}
	return out
}

func existingText(ex *existingDecl) string {
	obj := bObj{}
	if ex.parent != "" {
		obj = append(obj, bKV{"parent", raw(ex.parent)})
	}
	if ex.scopeRG != "" {
		obj = append(obj, bKV{"scope", raw("resourceGroup(" + quote(ex.scopeRG) + ")")})
	}
	obj = append(obj, bKV{"name", raw(quote(ex.name))})
	var b strings.Builder
	fmt.Fprintf(&b, "resource %s '%s@%s' existing = ", ex.sym, ex.typ, ex.ver)
	printValue(&b, obj, 0)
	return b.String()
}

func (it *item) text() string {
	obj := bObj{}
	for _, f := range it.fields {
		obj = append(obj, bKV(f))
	}
	if len(it.dependsOn) > 0 {
		deps := bArr{}
		for _, d := range it.dependsOn {
			deps = append(deps, raw(d))
		}
		obj = append(obj, bKV{"dependsOn", deps})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "resource %s '%s@%s' = ", it.sym, it.r.Type, it.r.APIVersion)
	printValue(&b, obj, 0)
	return b.String()
}

// moduleText declares the module that deploys target, in caller.
func (e *emitter) moduleText(caller, target *file) string {
	obj := bObj{{"name", raw(quote(target.deployment))}}
	params := bObj{}
	var deps []string
	switch target.kind {
	case kindGroup:
		if rg := e.byKey[armexpr.Key("", typeResourceGroup, target.rg)]; rg != nil && rg.file == caller {
			obj = append(obj, bKV{"scope", raw(rg.sym)})
		} else {
			obj = append(obj, bKV{"scope", raw("resourceGroup(" + quote(target.rg) + ")")})
		}
		for _, name := range slices.Sorted(maps.Keys(target.params)) {
			params = append(params, bKV{name, raw(name)})
		}
		for _, d := range target.deps {
			for _, g := range e.files {
				if g.kind == kindGroup && g.deployment == d {
					deps = append(deps, g.sym)
				}
			}
		}
	case kindPlatform:
		p := target.platformParam
		obj = append(obj, bKV{"scope", raw(fmt.Sprintf("resourceGroup(split(%s, '/')[2], last(split(%s, '/')))", p, p))})
		names := make([]string, 0, len(target.hoisted))
		byName := map[string]*hoist{}
		for _, h := range target.hoisted {
			names = append(names, h.name)
			byName[h.name] = h
		}
		sort.Strings(names)
		for _, n := range names {
			params = append(params, bKV{n, byName[n].caller})
		}
		refs := map[string]bool{}
		for _, s := range target.moduleDeps {
			refs[s] = true
		}
		// What the nested deployment's dependsOn names and no argument
		// refers to.
		for _, d := range target.deps {
			it, err := e.dependency(d)
			if err == nil && it.file == caller && !refs[it.sym] {
				refs[it.sym] = true
				deps = append(deps, it.sym)
			}
		}
	}
	if len(params) > 0 {
		obj = append(obj, bKV{"params", params})
	}
	if len(deps) > 0 {
		sort.Strings(deps)
		arr := bArr{}
		for _, d := range deps {
			arr = append(arr, raw(d))
		}
		obj = append(obj, bKV{"dependsOn", arr})
	}
	rel := target.path
	if caller.kind != kindMain {
		rel = path.Base(target.path)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "module %s '%s' = ", target.sym, rel)
	printValue(&b, obj, 0)
	return b.String()
}

// printValue writes v at the given indent: objects and arrays one entry a
// line, as the Bicep formatter does.
func printValue(b *strings.Builder, v bx, indent int) {
	pad := strings.Repeat("  ", indent+1)
	switch x := v.(type) {
	case raw:
		b.WriteString(string(x))
	case bObj:
		if len(x) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{\n")
		for _, kv := range x {
			b.WriteString(pad + kv.key + ": ")
			printValue(b, kv.val, indent+1)
			b.WriteString("\n")
		}
		b.WriteString(strings.Repeat("  ", indent) + "}")
	case bArr:
		if len(x) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for _, e := range x {
			b.WriteString(pad)
			printValue(b, e, indent+1)
			b.WriteString("\n")
		}
		b.WriteString(strings.Repeat("  ", indent) + "]")
	}
}
