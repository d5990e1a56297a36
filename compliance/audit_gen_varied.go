package compliance

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
)

// GenerateVariedEstate writes a synthetic export of n resources that
// repeat themselves far less than GenerateEstate's: eight types (storage
// accounts, NICs, VMs, subnets, disks, key vaults, public IPs, NSGs) in
// 200 subscriptions and 2,000 resource groups, each with a unique owner
// tag, and locations, SKUs, addresses, rules and identities drawn at
// random, then subscriptions rows under corp. It is the benchmarks' case
// of an estate where most resources must really be evaluated. Same
// arguments, same bytes.
func GenerateVariedEstate(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	locs := []string{"eastus", "westeurope", "eastus2", "northeurope", "westus3", "uksouth", "swedencentral", "japaneast", "centralus", "francecentral"}
	sub := func(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i*7919) }
	ip := func(a int) string { return fmt.Sprintf("%d.%d.%d.%d", a, rng.IntN(256), rng.IntN(256), rng.IntN(256)) }
	enc := json.NewEncoder(bw)
	bw.WriteString("[")
	for i := range n {
		s := sub(rng.IntN(200))
		base := fmt.Sprintf("/subscriptions/%s/resourceGroups/rg-%d/providers/", s, rng.IntN(2000))
		loc := locs[rng.IntN(len(locs))]
		tags := map[string]any{"owner": fmt.Sprintf("u%06d", rng.IntN(100000)), "costCenter": fmt.Sprintf("cc%d", rng.IntN(50))}
		if rng.IntN(10) < 3 {
			tags["env"] = pick("prod", "dev", "test")
		}
		var r map[string]any
		res := func(typ, name string, props map[string]any) {
			r = map[string]any{"id": base + typ + "/" + name, "name": name, "type": typ, "location": loc, "tags": tags, "properties": props}
		}
		switch i % 8 {
		case 0:
			name := fmt.Sprintf("st%d", i)
			res("Microsoft.Storage/storageAccounts", name, map[string]any{
				"publicNetworkAccess": pick("Enabled", "Disabled"), "minimumTlsVersion": pick("TLS1_0", "TLS1_2"),
				"supportsHttpsTrafficOnly": rng.IntN(10) < 9, "allowBlobPublicAccess": rng.IntN(10) < 2,
				"creationTime":     fmt.Sprintf("2025-%02d-%02dT10:00:00Z", 1+rng.IntN(12), 1+rng.IntN(27)),
				"primaryEndpoints": map[string]any{"blob": "https://" + name + ".blob.core.windows.net/"},
			})
			r["kind"], r["sku"] = pick("StorageV2", "BlobStorage"), map[string]any{"name": pick("Standard_LRS", "Standard_GRS", "Premium_LRS")}
		case 1:
			name := fmt.Sprintf("nic%d", i)
			res("Microsoft.Network/networkInterfaces", name, map[string]any{
				"ipConfigurations": []any{map[string]any{"name": "ipconfig1", "properties": map[string]any{
					"privateIPAddress": ip(10), "subnet": map[string]any{"id": fmt.Sprintf("%sMicrosoft.Network/virtualNetworks/v/subnets/s%d", base, rng.IntN(10))},
				}}},
				"enableAcceleratedNetworking": rng.IntN(2) == 0,
				"macAddress":                  fmt.Sprintf("00-0D-3A-%02X-%02X-%02X", rng.IntN(256), rng.IntN(256), rng.IntN(256)),
			})
		case 2:
			name := fmt.Sprintf("vm%d", i)
			res("Microsoft.Compute/virtualMachines", name, map[string]any{
				"vmId":            fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()),
				"hardwareProfile": map[string]any{"vmSize": pick("Standard_D4s_v5", "Standard_ND96isr_H100_v5", "Standard_NC24ads_A100_v4", "Standard_E8s_v5")},
				"storageProfile":  map[string]any{"osDisk": map[string]any{"osType": pick("Linux", "Windows"), "name": "osdisk-" + name}},
				"osProfile":       map[string]any{"computerName": name},
			})
			if rng.IntN(10) < 4 {
				r["identity"] = map[string]any{"type": "SystemAssigned", "principalId": fmt.Sprintf("%016x", rng.Uint64())}
			}
		case 3:
			var nsg any
			if rng.IntN(10) < 7 {
				nsg = map[string]any{"id": fmt.Sprintf("%sMicrosoft.Network/networkSecurityGroups/nsg%d", base, rng.IntN(10))}
			}
			name := fmt.Sprintf("snet%d", i)
			r = map[string]any{
				"id": fmt.Sprintf("%sMicrosoft.Network/virtualNetworks/vnet%d/subnets/%s", base, i%100, name), "name": name,
				"type": "Microsoft.Network/virtualNetworks/subnets",
				"properties": map[string]any{
					"addressPrefix": fmt.Sprintf("10.%d.%d.0/24", rng.IntN(256), rng.IntN(256)), "networkSecurityGroup": nsg,
				},
			}
		case 4:
			res("Microsoft.Compute/disks", fmt.Sprintf("disk%d", i), map[string]any{
				"diskSizeGB": []int{32, 64, 128, 1024}[rng.IntN(4)], "networkAccessPolicy": pick("AllowAll", "DenyAll"),
				"encryption": map[string]any{"type": pick("EncryptionAtRestWithPlatformKey", "EncryptionAtRestWithCustomerKey")},
			})
			r["sku"] = map[string]any{"name": pick("Premium_LRS", "StandardSSD_LRS")}
		case 5:
			res("Microsoft.KeyVault/vaults", fmt.Sprintf("kv%d", i), map[string]any{
				"enablePurgeProtection": rng.IntN(2) == 0, "enableSoftDelete": true, "enableRbacAuthorization": rng.IntN(10) < 7,
				"publicNetworkAccess": pick("Enabled", "Disabled"), "tenantId": "t",
			})
		case 6:
			res("Microsoft.Network/publicIPAddresses", fmt.Sprintf("pip%d", i), map[string]any{"ipAddress": ip(20), "publicIPAllocationMethod": "Static"})
			r["sku"] = map[string]any{"name": "Standard"}
		default:
			var rules []any
			for j := range 1 + rng.IntN(3) {
				rules = append(rules, map[string]any{"name": fmt.Sprintf("r%d", j), "properties": map[string]any{
					"access": pick("Allow", "Deny"), "direction": "Inbound", "protocol": "Tcp", "priority": 100 + j,
					"destinationPortRange": pick("22", "3389", "443", "*"), "sourceAddressPrefix": pick("*", "10.0.0.0/8", "Internet"),
				}})
			}
			res("Microsoft.Network/networkSecurityGroups", fmt.Sprintf("nsg%d", i), map[string]any{"securityRules": rules})
		}
		r["subscriptionId"] = s
		if i > 0 {
			bw.WriteString(",")
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	for j := range 200 {
		if n > 0 || j > 0 {
			bw.WriteString(",")
		}
		fmt.Fprintf(bw, `{"id":"/subscriptions/%[1]s","name":"%[1]s","type":"microsoft.resources/subscriptions","subscriptionId":"%[1]s","properties":{"managementGroupAncestorsChain":[{"name":"corp"},{"name":"landingzones"},{"name":"alz"}]}}`, sub(j))
	}
	bw.WriteString("]")
	return bw.Flush()
}
