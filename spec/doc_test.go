package spec_test

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/aizone/aizone/internal/yamlpos"
	"github.com/aizone/aizone/spec"
)

const docPath = "../docs/zone-file.md"

// TestDocCoversEveryKey keeps docs/zone-file.md in step with the struct
// tags: every key the loader accepts must appear in the documentation as
// `key`.
func TestDocCoversEveryKey(t *testing.T) {
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []reflect.Type{
		reflect.TypeFor[spec.Zone](), reflect.TypeFor[spec.Placement](), reflect.TypeFor[spec.Subscription](),
		reflect.TypeFor[spec.Network](), reflect.TypeFor[spec.Hub](), reflect.TypeFor[spec.Workload](),
		reflect.TypeFor[spec.Latency](), reflect.TypeFor[spec.Model](), reflect.TypeFor[spec.Data](),
	} {
		for _, key := range yamlpos.FieldNames(typ) {
			if !strings.Contains(string(doc), "`"+key+"`") && !strings.Contains(string(doc), "`latency."+key+"`") {
				t.Errorf("docs/zone-file.md does not document %s key `%s`", typ.Name(), key)
			}
		}
	}
}

// TestDocExamplesLoad checks that the zone files shown in the documentation
// are valid.
func TestDocExamplesLoad(t *testing.T) {
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	n := 0
	for _, b := range blocks {
		if !regexp.MustCompile(`(?m)^name: `).MatchString(b[1]) {
			continue // a fragment, not a zone file
		}
		n++
		if _, err := spec.Parse("docs/zone-file.md", []byte(b[1])); err != nil {
			t.Errorf("example %d does not load: %v", n, err)
		}
	}
	if n < 2 {
		t.Errorf("found %d complete examples in the documentation, want 2", n)
	}
}
