package bicep

import (
	"bytes"
	"flag"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aizone/aizone/emit/equiv"
	"github.com/aizone/aizone/internal/testkit"
	"github.com/aizone/aizone/resources"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func emit(t *testing.T, rs []resources.Resource, params []resources.Parameter) map[string][]byte {
	t.Helper()
	files, err := Files(rs, params)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestRoundTrip reads the Bicep of every example and test zone back into
// the resource model and compares it with the ARM template of the same
// model resource by resource (type, apiVersion, name, resource group,
// scope, location, identity, sku, kind, zones, tags, properties), the
// deployment order (as transitive closures), the outputs and the
// parameters with their values: no difference.
func TestRoundTrip(t *testing.T) {
	for _, z := range testkit.Zones(t) {
		t.Run(z.Name, func(t *testing.T) {
			rs, params := testkit.Model(t, z)
			files := emit(t, rs, params)
			got, err := Read(files)
			if err != nil {
				t.Fatal(err)
			}
			want := testkit.ARMModel(t, rs, params)
			for _, d := range equiv.Compare(want, got, "Bicep") {
				t.Error(d)
			}
			if len(got.Records) < 10 || len(got.Order) < 5 || len(got.Outputs) == 0 || len(got.Params) == 0 {
				t.Errorf("only %d resources, %d ordered, %d outputs, %d parameters", len(got.Records), len(got.Order), len(got.Outputs), len(got.Params))
			}
			t.Logf("%d resources in %d files round-trip", len(got.Records), len(files))
		})
	}
}

// TestLayout checks the files: main.bicep at subscription scope with one
// module per resource group and stage, symbolic references rather than
// resourceId(), parent: for children, @description on every parameter.
func TestLayout(t *testing.T) {
	rs, params := testkit.Model(t, testkit.Zone{File: "../../examples/large.yaml"})
	files := emit(t, rs, params)
	deployments := resources.Deployments(rs)
	// Every deployment's module, and the platform DNS module of large.
	if got, want := len(files), 2+len(deployments)+1; got != want {
		t.Errorf("%d files, want %d: %v", got, want, slices.Sorted(maps.Keys(files)))
	}
	for _, d := range deployments {
		path := modulePath(d.Name)
		if _, ok := files[path]; !ok {
			t.Errorf("no %s", path)
		}
		if !bytes.Contains(files[FileMain], []byte("'"+path+"'")) {
			t.Errorf("main.bicep does not deploy %s", path)
		}
	}
	main := string(files[FileMain])
	for _, s := range []string{"targetScope = 'subscription'\n", "@description('Resource id of the platform hub VNet the zone\\'s spokes peer to')\nparam hubVirtualNetworkId string\n", "param budgetStartDate string = utcNow('yyyy-MM-01')\n"} {
		if !strings.Contains(main, s) {
			t.Errorf("main.bicep lacks %q", s)
		}
	}
	var all strings.Builder
	for name, data := range files {
		all.Write(data)
		if bytes.Contains(data, []byte("resourceId(")) && !bytes.Contains(data, []byte("subscriptionResourceId('Microsoft.Authorization/roleDefinitions'")) {
			t.Errorf("%s spells a resourceId()", name)
		}
		if bytes.Contains(data, []byte("\t")) || !bytes.HasSuffix(data, []byte("\n")) || bytes.Contains(data, []byte("\n\n\n")) {
			t.Errorf("%s: tabs, a missing final newline or two blank lines", name)
		}
	}
	for _, s := range []string{"parent: virtualNetworkVnetFabrikamLlmEastus\n", "scope: resourceGroup('rg-fabrikam-llm-compute-eastus')\n", "'${virtualNetworkVnetFabrikamLlmEastus.id}/subnets/snet-chat'", "scope: resourceGroup(split(privateDnsZonesResourceGroupId, '/')[2], last(split(privateDnsZonesResourceGroupId, '/')))"} {
		if !strings.Contains(all.String(), s) {
			t.Errorf("no %q in the files", s)
		}
	}
	if !strings.HasPrefix(string(files[FileParams]), "// ") || !strings.Contains(string(files[FileParams]), "\nusing 'main.bicep'\n") {
		t.Errorf("main.bicepparam does not use main.bicep:\n%s", files[FileParams])
	}
}

// TestGolden keeps small's files, so that a change of the spelling is
// seen in review.
func TestGolden(t *testing.T) {
	rs, params := testkit.Model(t, testkit.Zone{File: "../../examples/small.yaml"})
	for name, data := range emit(t, rs, params) {
		testkit.Golden(t, filepath.Join("testdata", "small", name), data, *update, "emit/bicep")
	}
}

// TestDeterministic builds every zone twice.
func TestDeterministic(t *testing.T) {
	for _, z := range testkit.Zones(t) {
		rs, params := testkit.Model(t, z)
		a, b := emit(t, rs, params), emit(t, rs, params)
		for name := range a {
			if !bytes.Equal(a[name], b[name]) {
				t.Errorf("%s %s differs between two builds", z.Name, name)
			}
		}
	}
}
