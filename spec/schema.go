package spec

import (
	"reflect"
	"strings"
)

// schemaProvider is implemented by scalar types that describe their own
// accepted forms (sizes, durations, counts).
type schemaProvider interface {
	JSONSchema() map[string]any
}

// JSONSchema returns the zone file's JSON Schema (draft 2020-12), generated
// from the Go types so that the schema and the loader cannot drift apart.
func JSONSchema() map[string]any {
	s := typeSchema(reflect.TypeFor[Zone]())
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = "https://aizone.dev/schemas/zone.json"
	s["title"] = "aizone zone file"
	s["description"] = "An AI landing zone: region, placement, network, workloads and data. See docs/zone-file.md."
	props := s["properties"].(map[string]any)
	region := props["region"].(map[string]any)
	region["enum"] = RegionNames()
	// hub accepts "none" as well as the mapping.
	props["network"].(map[string]any)["properties"].(map[string]any)["hub"] = map[string]any{
		"description": "The platform hub: an existing VNet, or none.",
		"oneOf": []any{
			map[string]any{"const": "none"},
			typeSchema(reflect.TypeFor[Hub]()),
		},
	}
	return s
}

func typeSchema(t reflect.Type) map[string]any {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if sp, ok := reflect.New(t).Interface().(schemaProvider); ok && t.Kind() != reflect.Struct {
		return sp.JSONSchema()
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer", "minimum": 0}
	case reflect.Float64:
		return map[string]any{"type": "number", "minimum": 0}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": typeSchema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": typeSchema(t.Elem())}
	case reflect.Struct:
		props := map[string]any{}
		var required []any
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("yaml")
			if !f.IsExported() || tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			ps := typeSchema(f.Type)
			if d := f.Tag.Get("doc"); d != "" {
				ps["description"] = d
			}
			if e := f.Tag.Get("enum"); e != "" {
				var vals []any
				for _, v := range strings.Split(e, ",") {
					vals = append(vals, v)
				}
				ps["enum"] = vals
			}
			props[name] = ps
			if strings.Contains(opts, "required") {
				required = append(required, name)
			}
		}
		s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			s["required"] = required
		}
		// A model may be written as a catalog name.
		if _, ok := reflect.New(t).Interface().(interface{ FromScalar(string, string) error }); ok && t == reflect.TypeFor[Model]() {
			return map[string]any{"oneOf": []any{map[string]any{"type": "string", "description": "catalog model name"}, s}}
		}
		return s
	}
	return map[string]any{}
}
