package bicep

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/aizone/aizone/emit/equiv"
	"github.com/aizone/aizone/internal/testkit"
)

// TestEditsAreCaught edits the Bicep of small by hand: a changed value, a
// lost dependsOn and a reference turned into a literal id each make the
// comparison with the ARM template fail, naming what moved.
func TestEditsAreCaught(t *testing.T) {
	rs, params := testkit.Model(t, testkit.Zone{File: "../../examples/small.yaml"})
	want := testkit.ARMModel(t, rs, params)
	net := modulePath("aizone-rg-contoso-ft-network-eastus")
	storage := modulePath("aizone-rg-contoso-ft-storage-eastus")
	for _, tc := range []struct {
		name, file string
		re         *regexp.Regexp
		repl, want string
	}{
		{"value", net, regexp.MustCompile(`'10\.64\.0\.0/20'`), `'10.65.0.0/20'`, `properties.addressSpace.addressPrefixes[0]: template has "10.64.0.0/20", Bicep "10.65.0.0/20"`},
		{"module order", FileMain, regexp.MustCompile(`(?m)^    moduleRgContosoFtNetworkEastus\n`), ``, `; the Bicep need not`},
		{"reference", storage, regexp.MustCompile(`parent: storageAccount[A-Za-z0-9]+\n  name: 'default'`), "name: 'st/default'", `name is one non-empty segment`},
		{"parameter value", FileParams, regexp.MustCompile(`'10\.100\.0\.68'`), `'10.100.0.69'`, `parameter dnsServers: v[0]`},
		{"description", FileMain, regexp.MustCompile(`@description\('E-mail addresses`), `@description('Mail addresses`, `parameter budgetContactEmails: d`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := emit(t, rs, params)
			edited := tc.re.ReplaceAll(files[tc.file], []byte(tc.repl))
			if string(edited) == string(files[tc.file]) {
				t.Fatalf("the edit changes nothing in %s", tc.file)
			}
			files[tc.file] = edited
			got, err := Read(files)
			var diffs []string
			if err != nil {
				diffs = []string{err.Error()}
			} else {
				diffs = equiv.Compare(want, got, "Bicep")
			}
			found := false
			for _, d := range diffs {
				if strings.Contains(d, tc.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("no difference %q reported; got %d: %.600q", tc.want, len(diffs), diffs)
			}
		})
	}
}

// TestReadRejects feeds the reader Bicep outside the subset: each is an
// error at its file:line:col saying what was expected.
func TestReadRejects(t *testing.T) {
	const head = "targetScope = 'subscription'\n\n"
	for _, tc := range []struct {
		name, src, want string
	}{
		{"ternary", head + "var x = true ? 1 : 2\n", "main.bicep:3:14: unexpected '?'"},
		{"for loop", head + "var x = [for i in range(0, 2): i]\n", "main.bicep:3:10: an array's items start on the next line"},
		{"unknown function", head + "var x = uniqueString('a')\noutput o string = x\n", "main.bicep:3:9: function uniqueString is not one aizone writes"},
		{"decorator", head + "@secure()\nparam p string\n", "main.bicep:3:2: decorator @secure"},
		{"param without description", head + "param p string\n", "main.bicep:3:1: param p has no @description"},
		{"resource property", head + "resource r 'Microsoft.Resources/resourceGroups@2024-03-01' = {\n  name: 'rg'\n  condition: true\n}\n", "main.bicep:5:3: resource r: property condition"},
		{"unterminated string", head + "var x = 'abc\n", "main.bicep:3:13: a line break in a string"},
		{"bad escape", head + "var x = 'a\\qb'\n", "main.bicep:3:11: unknown escape \\q"},
		{"one-line object", head + "var x = { a: 1 }\n", "main.bicep:3:11: an object's entries start on the next line"},
		{"scope", "targetScope = 'tenant'\n", "main.bicep:1:1: targetScope is"},
		{"undeclared", head + "resource r 'Microsoft.Resources/resourceGroups@2024-03-01' = {\n  name: nope\n  properties: {}\n}\n", "main.bicep:4:9: nope is not declared"},
		{"import", head + "import 'x.bicep'\n", "main.bicep:3:1: import: not a declaration"},
		{"deep", head + "var x = " + strings.Repeat("[\n", 100) + "\n", "nested more than 64 deep"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(map[string][]byte{FileMain: []byte(tc.src), FileParams: []byte("using 'main.bicep'\n")})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			var pe *Error
			if err != nil && !strings.Contains(tc.want, "nested") && !errors.As(err, &pe) {
				t.Errorf("%v carries no position", err)
			}
		})
	}
}

// FuzzRead feeds the reader mutations of real output: it returns a model
// or an error, never panics or hangs.
func FuzzRead(f *testing.F) {
	rs, params := testkit.Model(f, testkit.Zone{File: "../../examples/small.yaml"})
	files, err := Files(rs, params)
	if err != nil {
		f.Fatal(err)
	}
	net := modulePath("aizone-rg-contoso-ft-network-eastus")
	f.Add(files[FileMain], files[net])
	f.Add([]byte("targetScope = 'subscription'\nvar x = '${'${'${1}'}'}'\n"), []byte("resource r 'a/b@1' existing = {\n  name: 'x'\n}\n"))
	f.Add([]byte("targetScope = 'subscription'\n/* x"), []byte("'\\u{110000}'"))
	f.Fuzz(func(t *testing.T, main, module []byte) {
		in := map[string][]byte{}
		for k, v := range files {
			in[k] = v
		}
		in[FileMain], in[net] = main, module
		m, err := Read(in)
		if err == nil && m == nil {
			t.Fatal("no model and no error")
		}
	})
}
