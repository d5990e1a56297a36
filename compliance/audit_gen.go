package compliance

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
)

// GenerateEstate writes a synthetic Resource Graph export for benchmarks:
// n resources of the kinds an AI estate holds (storage accounts, some
// with public network access, NICs, GPU VMs, subnets) in 20
// subscriptions, then subscriptions rows (at most 20) that place those
// subscriptions under the corp management group, as a resourcecontainers
// query returns them. Same arguments, same bytes.
func GenerateEstate(w io.Writer, n, subscriptions int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("[")
	kinds := []string{
		`{"id":"/subscriptions/%[1]s/resourceGroups/rg-%[2]d/providers/Microsoft.Storage/storageAccounts/st%[3]d","name":"st%[3]d","type":"Microsoft.Storage/storageAccounts","location":"eastus","subscriptionId":"%[1]s","kind":"StorageV2","sku":{"name":"Standard_LRS"},"tags":{"env":"prod"},"properties":{"publicNetworkAccess":"%[4]s","minimumTlsVersion":"TLS1_2","supportsHttpsTrafficOnly":true,"allowBlobPublicAccess":false}}`,
		`{"id":"/subscriptions/%[1]s/resourceGroups/rg-%[2]d/providers/Microsoft.Network/networkInterfaces/nic%[3]d","name":"nic%[3]d","type":"Microsoft.Network/networkInterfaces","location":"eastus","subscriptionId":"%[1]s","properties":{"ipConfigurations":[{"name":"ipconfig1","properties":{"privateIPAddress":"10.0.0.4"}}]}}`,
		`{"id":"/subscriptions/%[1]s/resourceGroups/rg-%[2]d/providers/Microsoft.Compute/virtualMachines/vm%[3]d","name":"vm%[3]d","type":"Microsoft.Compute/virtualMachines","location":"eastus","subscriptionId":"%[1]s","properties":{"hardwareProfile":{"vmSize":"Standard_ND96isr_H100_v5"},"storageProfile":{"osDisk":{"osType":"Linux"}}}}`,
		`{"id":"/subscriptions/%[1]s/resourceGroups/rg-%[2]d/providers/Microsoft.Network/virtualNetworks/vnet%[3]d/subnets/snet","name":"snet","type":"Microsoft.Network/virtualNetworks/subnets","subscriptionId":"%[1]s","properties":{"addressPrefix":"10.0.0.0/24"}}`,
	}
	sub := func(i int) string { return fmt.Sprintf("00000000-0000-0000-0000-%012d", i%20) }
	for i := 0; i < n; i++ {
		if i > 0 {
			bw.WriteString(",")
		}
		pna := "Disabled"
		if i%7 == 0 {
			pna = "Enabled"
		}
		fmt.Fprintf(bw, kinds[i%len(kinds)], sub(i), i%500, i, pna)
	}
	for i := range min(subscriptions, 20) {
		if n > 0 || i > 0 {
			bw.WriteString(",")
		}
		fmt.Fprintf(bw, `{"id":"/subscriptions/%[1]s","name":"%[1]s","type":"microsoft.resources/subscriptions","subscriptionId":"%[1]s","properties":{"managementGroupAncestorsChain":[{"name":"corp"},{"name":"landingzones"},{"name":"alz"}]}}`, sub(i))
	}
	bw.WriteString("]")
	return bw.Flush()
}

// DecodeFloor decodes every resource of an export into a map with
// encoding/json, on workers goroutines (0: GOMAXPROCS), and returns how
// many there were: the least any audit of the export must do, against
// which the audit's speed is measured (scripts/bench-audit.sh). It cuts
// the export with the audit's own splitter, so the floor is not slowed
// by a single-threaded reader.
func DecodeFloor(ctx context.Context, open Opener, workers int) (int, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var n atomic.Int64
	work := func(c *chunk) {
		for _, data := range c.elems {
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				c.out = err
				return
			}
			n.Add(1)
		}
	}
	collect := func(c *chunk) error {
		if err, ok := c.out.(error); ok {
			return err
		}
		return nil
	}
	if err := pipeline(ctx, workers, splitSource(open, nil), work, collect); err != nil {
		return 0, err
	}
	return int(n.Load()), nil
}
