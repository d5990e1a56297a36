package prerequisites

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

func readUsageFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "usage", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// utf16LE is how PowerShell's > writes az output: UTF-16LE with a mark.
func utf16LE(s string) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xFE})
	for _, u := range utf16.Encode([]rune(s)) {
		_ = binary.Write(&b, binary.LittleEndian, u)
	}
	return b.Bytes()
}

func TestParseUsage(t *testing.T) {
	numbers := readUsageFile(t, "eastus-numbers.json")
	cases := []struct {
		name string
		data []byte
		// want maps a quota name (any spelling) to current and limit.
		want  map[string][2]int64
		count int
	}{
		{"eastus-numbers.json", numbers, map[string][2]int64{
			"cores": {164, 350}, "lowPriorityCores": {0, 100}, "standardNDSH100v5Family": {96, 192},
			"StandardNCadsH100v5Family": {40, 80}, "standardncadsh100v5family": {40, 80}, "StandardNCASv3_T4Family": {0, 10},
		}, 11},
		{"eastus-strings.json", readUsageFile(t, "eastus-strings.json"), map[string][2]int64{
			"cores": {164, 350}, "standardDDSv5Family": {12, 100}, "standardNDAMSv4_A100Family": {0, 0},
		}, 11},
		// Units other than Count, a missing unit, and 96.0 for 96.
		{"westus3-units.json", readUsageFile(t, "westus3-units.json"), map[string][2]int64{
			"standardHBv4Family": {0, 48}, "PremiumDiskSizeGiB": {1024, 1048576}, "lowPriorityCores": {0, 100}, "standardNDSH100v5Family": {2, 96},
		}, 5},
		{"rest-wrapper.json", readUsageFile(t, "rest-wrapper.json"), map[string][2]int64{"cores": {0, 350}, "standardNDSH100v5Family": {0, 0}}, 2},
		{"powershell-utf16.json", utf16LE(string(numbers)), map[string][2]int64{"cores": {164, 350}}, 11},
		{"bom.json", append([]byte{0xEF, 0xBB, 0xBF}, numbers...), map[string][2]int64{"cores": {164, 350}}, 11},
		{"empty-list.json", []byte("[]\n"), nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ParseUsage(tc.name, tc.data, "eastus")
			if err != nil {
				t.Fatal(err)
			}
			if u.Region != "eastus" || len(u.Items) != tc.count {
				t.Fatalf("region %q, %d items, want eastus and %d", u.Region, len(u.Items), tc.count)
			}
			for name, w := range tc.want {
				it, ok := u.Item(name)
				if !ok {
					t.Errorf("%s not found", name)
					continue
				}
				if it.Current != w[0] || it.Limit != w[1] {
					t.Errorf("%s: current %d limit %d, want %d %d", name, it.Current, it.Limit, w[0], w[1])
				}
			}
			for k, it := range u.Items {
				if k != strings.ToLower(it.Name) {
					t.Errorf("key %q for %q: keys are name.value lowercased", k, it.Name)
				}
			}
		})
	}
}

func TestParseUsageLocalName(t *testing.T) {
	u, err := ParseUsage("eastus-numbers.json", readUsageFile(t, "eastus-numbers.json"), "eastus")
	if err != nil {
		t.Fatal(err)
	}
	it, _ := u.Item("standardNDSH100v5Family")
	if it.LocalName != "Standard NDSH100v5 Family vCPUs" || it.Unit != "Count" || it.Available() != 96 {
		t.Errorf("%+v", it)
	}
}

// Errors name the file, the line and the column, and say what was expected.
func TestParseUsageErrors(t *testing.T) {
	cases := []struct {
		file string
		data []byte
		at   string // file:line:col prefix
		says string
	}{
		{"malformed.json", nil, "malformed.json:3:" + col(t, "malformed.json", 3, `"name"`) + ":", "invalid JSON"},
		{"bad-number.json", nil, "bad-number.json:3:3:", "currentValue is not a whole number"},
		{"no-name.json", nil, "no-name.json:3:5:", "no name.value"},
		{"object-not-list.json", nil, "object-not-list.json:1:1:", "without a value array"},
		{"scalar.json", []byte("\n  42\n"), "scalar.json:2:3:", "not an array"},
		{"truncated.json", []byte("[\n  {\"currentValue\": 1, \"limit\": 2, \"name\": {\"value\": \"cores\"}}"), "truncated.json:", "ends early"},
		{"empty.json", []byte(""), "empty.json:1:1:", "empty or not JSON"},
		{"wrong-type.json", []byte(`[{"currentValue": 1, "limit": 2, "name": "cores"}]`), "wrong-type.json:1:", "name is string"},
		{"odd-utf16.json", []byte{0xFF, 0xFE, '['}, "odd-utf16.json: ", "odd number of bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			data := tc.data
			if data == nil {
				data = readUsageFile(t, tc.file)
			}
			_, err := ParseUsage(tc.file, data, "eastus")
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tc.at) || !strings.Contains(msg, tc.says) || !strings.Contains(msg, "az vm list-usage") {
				t.Errorf("error %q\nwant prefix %q, containing %q and the hint", msg, tc.at, tc.says)
			}
		})
	}
}

// col is the 1-based column of the first occurrence of what on a line of
// a testdata file.
func col(t *testing.T, file string, line int, what string) string {
	lines := strings.Split(string(readUsageFile(t, file)), "\n")
	i := strings.Index(lines[line-1], what)
	if i < 0 {
		t.Fatalf("%q not on line %d of %s", what, line, file)
	}
	return strconv.Itoa(i + 1)
}

// Azure spells some family names with spaces in one API and without in
// another; a lookup finds either.
func TestUsageItemSpellings(t *testing.T) {
	u := Usage{Items: map[string]UsageItem{
		"standard ndasv4_a100 family": {Name: "Standard NDASv4_A100 Family", Limit: 8},
		"standardndamsv4_a100family":  {Name: "standardNDAMSv4_A100Family", Limit: 16},
	}}
	for name, limit := range map[string]int64{
		"Standard NDASv4_A100 Family": 8, "StandardNDASv4_A100Family": 8, "standard NDAMSv4_A100Family": 16, "STANDARDNDAMSV4_A100FAMILY": 16,
	} {
		it, ok := u.Item(name)
		if !ok || it.Limit != limit {
			t.Errorf("%s: %+v %v", name, it, ok)
		}
	}
	if _, ok := u.Item("cores"); ok {
		t.Error("found a quota that is not there")
	}
}

func FuzzParseUsage(f *testing.F) {
	for _, name := range []string{"eastus-numbers.json", "eastus-strings.json", "westus3-units.json", "rest-wrapper.json", "malformed.json", "bad-number.json", "no-name.json"} {
		f.Add(readUsageFile(f, name))
	}
	f.Add([]byte(`{"value": 3}`))
	f.Add([]byte{0xFE, 0xFF, 0, '[', 0, ']'})
	f.Add([]byte(`[{"currentValue": "1e400", "limit": -9223372036854775808, "name": {"value": " cores "}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		u, err := ParseUsage("fuzz.json", data, "eastus")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.json:") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		for k, it := range u.Items {
			if k != strings.ToLower(it.Name) || it.Name == "" {
				t.Fatalf("key %q, name %q", k, it.Name)
			}
			if got, ok := u.Item(it.Name); !ok || got != it {
				t.Fatalf("Item(%q) does not find its own item", it.Name)
			}
		}
	})
}
