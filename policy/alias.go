package policy

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// AliasTable maps a policy alias ("Microsoft.Storage/storageAccounts/
// networkAcls.defaultAction") to the path of the property it names in the
// resource JSON ("properties.networkAcls.defaultAction"). Lookups are
// case-insensitive, as aliases are.
type AliasTable interface {
	Lookup(alias string) (path string, ok bool)
}

// MultiPathTable is implemented by alias tables that know every path of an
// alias. A few namespace-level aliases name a different property for each
// resource type (Microsoft.Compute/imagePublisher is
// properties.storageProfile.imageReference.publisher on a virtual machine
// and properties.virtualMachineProfile.storageProfile... on a scale set);
// the engine reads the first path present in the resource.
type MultiPathTable interface {
	AliasTable
	LookupAll(alias string) []string
}

// mapTable keeps every distinct path of an alias, in the order first seen.
type mapTable map[string][]string

func (t mapTable) Lookup(alias string) (string, bool) {
	p := t[strings.ToLower(alias)]
	if len(p) == 0 {
		return "", false
	}
	return p[0], true
}

func (t mapTable) LookupAll(alias string) []string { return t[strings.ToLower(alias)] }

func (t mapTable) add(alias, path string) {
	k := strings.ToLower(alias)
	for _, p := range t[k] {
		if p == path {
			return
		}
	}
	t[k] = append(t[k], path)
}

// LoadAliasesCSV reads a table of "alias,path" lines, plain or gzip-compressed
// (detected from the content), such as the one produced from
// Get-AzPolicyAlias.
func LoadAliasesCSV(r io.Reader) (AliasTable, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("aliases: %w", err)
		}
		defer gz.Close()
		br = bufio.NewReader(gz)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	t := mapTable{}
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("aliases: line %d: %w", line, err)
		}
		if len(rec) < 2 {
			if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
				continue
			}
			return nil, fmt.Errorf("aliases: line %d: want alias,path", line)
		}
		a, p := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		if line == 1 && strings.EqualFold(a, "alias") {
			continue // header
		}
		if a == "" || p == "" {
			return nil, fmt.Errorf("aliases: line %d: empty alias or path", line)
		}
		t.add(a, p)
	}
	if len(t) == 0 {
		return nil, errors.New("aliases: no aliases in table")
	}
	return t, nil
}

// LoadAliasesProviderJSON reads the output of
// `az provider list --expand "resourceTypes/aliases"` (an array of
// providers, or an object with a "value" array, or a single provider).
// An alias's defaultPath is used; when absent, its first listed path.
func LoadAliasesProviderJSON(r io.Reader) (AliasTable, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("aliases: %w", err)
	}
	type aliasJSON struct {
		Name        string `json:"name"`
		DefaultPath string `json:"defaultPath"`
		Paths       []struct {
			Path string `json:"path"`
		} `json:"paths"`
	}
	type providerJSON struct {
		Namespace     string `json:"namespace"`
		ResourceTypes []struct {
			ResourceType string      `json:"resourceType"`
			Aliases      []aliasJSON `json:"aliases"`
		} `json:"resourceTypes"`
	}
	data = bytes.TrimSpace(bytes.TrimPrefix(data, bom))
	var providers []providerJSON
	switch {
	case len(data) > 0 && data[0] == '[':
		err = json.Unmarshal(data, &providers)
	default:
		var wrapper struct {
			Value []providerJSON `json:"value"`
			providerJSON
		}
		err = json.Unmarshal(data, &wrapper)
		providers = wrapper.Value
		if wrapper.Namespace != "" {
			providers = append(providers, wrapper.providerJSON)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("aliases: %w", err)
	}
	t := mapTable{}
	for _, p := range providers {
		for _, rt := range p.ResourceTypes {
			for _, a := range rt.Aliases {
				path := a.DefaultPath
				if path == "" && len(a.Paths) > 0 {
					path = a.Paths[0].Path
				}
				if a.Name != "" && path != "" {
					t.add(a.Name, path)
				}
			}
		}
	}
	if len(t) == 0 {
		return nil, errors.New("aliases: no aliases found (expected the output of az provider list --expand resourceTypes/aliases)")
	}
	return t, nil
}

// DefaultAliases is the table used when the caller supplies none: only the
// exceptions below. Every other alias resolves by the documented default
// mapping (the part after the resource type, under "properties."), and
// results say which aliases were resolved that way.
func DefaultAliases() AliasTable { return defaultTable{} }

type defaultTable struct{}

func (defaultTable) Lookup(string) (string, bool) { return "", false }

// exceptions are aliases of the resource types aizone emits whose path does
// not follow the default mapping. Nested sub-resources (subnets, security
// rules, IP configurations), whose properties sit under their own
// "properties" object, are handled by the lenient path walk instead of being
// listed one by one. The namespace-level compute image aliases have one path
// per resource type, tried in order (see MultiPathTable).
var exceptions = map[string][]string{
	"microsoft.compute/imagepublisher": {"properties.storageProfile.imageReference.publisher", "properties.virtualMachineProfile.storageProfile.imageReference.publisher"},
	"microsoft.compute/imageoffer":     {"properties.storageProfile.imageReference.offer", "properties.virtualMachineProfile.storageProfile.imageReference.offer"},
	"microsoft.compute/imagesku":       {"properties.storageProfile.imageReference.sku", "properties.virtualMachineProfile.storageProfile.imageReference.sku"},
	"microsoft.compute/imageversion":   {"properties.storageProfile.imageReference.version", "properties.virtualMachineProfile.storageProfile.imageReference.version"},
	"microsoft.compute/imageid":        {"properties.storageProfile.imageReference.id", "properties.virtualMachineProfile.storageProfile.imageReference.id"},
	"microsoft.compute/licensetype":    {"properties.licenseType", "properties.virtualMachineProfile.licenseType"},
}

func init() {
	for k, v := range singleExceptions {
		exceptions[k] = []string{v}
	}
}

var singleExceptions = map[string]string{
	"microsoft.compute/virtualmachines/sku.name":                                                           "properties.hardwareProfile.vmSize",
	"microsoft.compute/virtualmachines/imagepublisher":                                                     "properties.storageProfile.imageReference.publisher",
	"microsoft.compute/virtualmachines/imageoffer":                                                         "properties.storageProfile.imageReference.offer",
	"microsoft.compute/virtualmachines/imagesku":                                                           "properties.storageProfile.imageReference.sku",
	"microsoft.compute/virtualmachines/imageversion":                                                       "properties.storageProfile.imageReference.version",
	"microsoft.compute/virtualmachines/osdisk.uri":                                                         "properties.storageProfile.osDisk.vhd.uri",
	"microsoft.compute/virtualmachines/zones":                                                              "zones",
	"microsoft.compute/virtualmachinescalesets/sku.name":                                                   "sku.name",
	"microsoft.compute/virtualmachinescalesets/sku.tier":                                                   "sku.tier",
	"microsoft.compute/virtualmachinescalesets/sku.capacity":                                               "sku.capacity",
	"microsoft.compute/virtualmachinescalesets/zones":                                                      "zones",
	"microsoft.compute/virtualmachinescalesets/osdisk.manageddisk.storageaccounttype":                      "properties.virtualMachineProfile.storageProfile.osDisk.managedDisk.storageAccountType",
	"microsoft.compute/virtualmachinescalesets/upgradepolicy.automaticosupgrade":                           "properties.upgradePolicy.automaticOSUpgradePolicy.enableAutomaticOSUpgrade",
	"microsoft.compute/virtualmachinescalesets/osprofile.linuxconfiguration.disablepasswordauthentication": "properties.virtualMachineProfile.osProfile.linuxConfiguration.disablePasswordAuthentication",
	"microsoft.storage/storageaccounts/sku.name":                                                           "sku.name",
	"microsoft.storage/storageaccounts/sku.tier":                                                           "sku.tier",
	"microsoft.storage/storageaccounts/accesstier":                                                         "properties.accessTier",
	"microsoft.storage/storageaccounts/enableblobencryption":                                               "properties.encryption.services.blob.enabled",
	"microsoft.storage/storageaccounts/enablefileencryption":                                               "properties.encryption.services.file.enabled",
	"microsoft.compute/virtualmachinescalesets/osdisk.imageurl":                                            "properties.virtualMachineProfile.storageProfile.osDisk.image.url",
	"microsoft.network/publicipaddresses/sku.name":                                                         "sku.name",
	"microsoft.network/publicipaddresses/sku.tier":                                                         "sku.tier",
	"microsoft.containerservice/managedclusters/sku.name":                                                  "sku.name",
	"microsoft.containerservice/managedclusters/sku.tier":                                                  "sku.tier",
	"microsoft.containerservice/managedclusters/apiserverauthorizedipranges":                               "properties.apiServerAccessProfile.authorizedIPRanges",
	"microsoft.containerservice/managedclusters/securityprofile.azuredefender.enabled":                     "properties.securityProfile.defender.securityMonitoring.enabled",
	"microsoft.keyvault/vaults/sku.name":                                                                   "properties.sku.name",
	"microsoft.keyvault/vaults/sku.family":                                                                 "properties.sku.family",
	"microsoft.netapp/netappaccounts/capacitypools/volumes/zones":                                          "zones",
	"microsoft.storagecache/amlfilesystems/sku.name":                                                       "sku.name",
	"microsoft.batch/batchaccounts/pools/vmsize":                                                           "properties.vmSize",
}

// resolveAlias maps an alias to its paths (usually one) with table t,
// falling back to the exceptions and the default mapping. fallback reports
// that t did not know the alias.
func resolveAlias(t AliasTable, alias string) (paths []string, fallback bool) {
	if mt, ok := t.(MultiPathTable); ok {
		if ps := mt.LookupAll(alias); len(ps) > 0 {
			return ps, false
		}
	} else if t != nil {
		if p, ok := t.Lookup(alias); ok {
			return []string{p}, false
		}
	}
	if ps, ok := exceptions[strings.ToLower(alias)]; ok {
		return ps, true
	}
	return []string{defaultAliasPath(alias)}, true
}

// defaultAliasPath applies the documented convention: an alias is the
// resource type, a slash, and a property path under "properties". Property
// paths contain no slash, so the last slash separates the two, except inside
// a quoted key ("tags['a/b']"). Some types spell their properties
// differently (see prefixExceptions and singletonTypes).
func defaultAliasPath(alias string) string {
	cut := -1
	inQuote := false
	for i := 0; i < len(alias); i++ {
		switch alias[i] {
		case '\'':
			inQuote = !inQuote
		case '/':
			if !inQuote {
				cut = i
			}
		}
	}
	if cut < 0 {
		return "properties." + alias
	}
	typ, prop := strings.ToLower(alias[:cut]), alias[cut+1:]
	if singletonTypes[typ] {
		// blobServices/default.deleteRetentionPolicy: the instance name
		// ("default") leads the property path.
		if rest, ok := strings.CutPrefix(prop, "default."); ok {
			prop = rest
		}
	}
	first := prop
	if i := strings.IndexAny(prop, ".["); i >= 0 {
		first = prop[:i]
	}
	if prefix, ok := prefixExceptions[typ+"|"+strings.ToLower(first)]; ok {
		rest := prop[len(first):]
		if strings.HasPrefix(rest, "[") {
			// The alias already says which members ("logs[*].category").
			prefix = strings.TrimSuffix(prefix, "[*]")
		}
		return prefix + rest
	}
	return "properties." + prop
}

// singletonTypes are child types whose one instance is named "default" and
// whose aliases start with that name.
var singletonTypes = map[string]bool{
	"microsoft.storage/storageaccounts/blobservices":       true,
	"microsoft.storage/storageaccounts/fileservices":       true,
	"microsoft.storage/storageaccounts/queueservices":      true,
	"microsoft.storage/storageaccounts/tableservices":      true,
	"microsoft.storage/storageaccounts/managementpolicies": true,
}

// prefixExceptions map the first segment of an alias's property path to
// where it really is, for the resource types aizone emits that nest their
// properties deeper than the alias says: a scale set keeps its machine
// settings under virtualMachineProfile, a diagnostic setting its log and
// metric settings in arrays. Keys are "type|segment", lower case.
var prefixExceptions = map[string]string{
	"microsoft.compute/virtualmachinescalesets|osdisk":                         "properties.virtualMachineProfile.storageProfile.osDisk",
	"microsoft.compute/virtualmachinescalesets|datadisks":                      "properties.virtualMachineProfile.storageProfile.dataDisks",
	"microsoft.compute/virtualmachinescalesets|imagereference":                 "properties.virtualMachineProfile.storageProfile.imageReference",
	"microsoft.compute/virtualmachinescalesets|osprofile":                      "properties.virtualMachineProfile.osProfile",
	"microsoft.compute/virtualmachinescalesets|extensionprofile":               "properties.virtualMachineProfile.extensionProfile",
	"microsoft.compute/virtualmachinescalesets|securityprofile":                "properties.virtualMachineProfile.securityProfile",
	"microsoft.compute/virtualmachinescalesets|diagnosticsprofile":             "properties.virtualMachineProfile.diagnosticsProfile",
	"microsoft.compute/virtualmachinescalesets|networkinterfaceconfigurations": "properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations",
	"microsoft.compute/virtualmachines|networkinterfaces":                      "properties.networkProfile.networkInterfaces",
	"microsoft.insights/diagnosticsettings|logs":                               "properties.logs[*]",
	"microsoft.insights/diagnosticsettings|metrics":                            "properties.metrics[*]",
}

// isAlias reports whether a field names an alias rather than a built-in
// field: aliases start with a provider namespace and a type.
func isAlias(field string) bool {
	i := strings.IndexByte(field, '/')
	return i > 0 && !strings.HasPrefix(field, "tags")
}
