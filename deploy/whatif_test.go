package deploy

import (
	"bytes"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
)

// TestWhatIfOrder: every change type, given in reverse, comes out by
// scope, then in ChangeTypes' order, then by resource; Deploy lists its
// property changes like Modify.
func TestWhatIfOrder(t *testing.T) {
	sub := "/subscriptions/" + testSub
	rg := sub + "/resourceGroups/rg-a"
	mk := func(t armresources.ChangeType, id string) *armresources.WhatIfChange {
		return &armresources.WhatIfChange{ChangeType: ptr(t), ResourceID: str(id)}
	}
	deployed := mk(armresources.ChangeTypeDeploy, rg+"/providers/Microsoft.Network/routeTables/rt")
	deployed.Delta = []*armresources.WhatIfPropertyChange{{Path: str("properties.disableBgpRoutePropagation"), PropertyChangeType: ptr(armresources.PropertyChangeTypeModify), Before: false, After: true}}
	in := []*armresources.WhatIfChange{
		mk(armresources.ChangeTypeUnsupported, rg+"/providers/Microsoft.Authorization/roleAssignments/r"),
		deployed,
		mk(armresources.ChangeTypeIgnore, rg+"/providers/Microsoft.Network/networkWatchers/nw"),
		mk(armresources.ChangeTypeNoChange, rg+"/providers/Microsoft.Network/networkSecurityGroups/nsg"),
		mk(armresources.ChangeTypeDelete, rg+"/providers/Microsoft.Network/publicIPAddresses/pip"),
		mk(armresources.ChangeTypeModify, rg+"/providers/Microsoft.Network/virtualNetworks/vnet"),
		mk(armresources.ChangeTypeCreate, rg+"/providers/Microsoft.Storage/storageAccounts/st"),
		mk(armresources.ChangeTypeCreate, rg+"/providers/Microsoft.KeyVault/vaults/kv"),
		mk(armresources.ChangeTypeCreate, rg),
	}
	w := newWhatIf(testSub, testDeployment(), armresources.WhatIfOperationResult{Status: str("Succeeded"), Properties: &armresources.WhatIfOperationProperties{Changes: in}})
	var got []string
	for _, c := range w.Changes {
		got = append(got, c.ChangeType+" "+c.Resource)
	}
	want := []string{
		"Create Microsoft.Resources/resourceGroups/rg-a",
		"Create Microsoft.KeyVault/vaults/kv",
		"Create Microsoft.Storage/storageAccounts/st",
		"Modify Microsoft.Network/virtualNetworks/vnet",
		"Delete Microsoft.Network/publicIPAddresses/pip",
		"NoChange Microsoft.Network/networkSecurityGroups/nsg",
		"Ignore Microsoft.Network/networkWatchers/nw",
		"Deploy Microsoft.Network/routeTables/rt",
		"Unsupported Microsoft.Authorization/roleAssignments/r",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("order:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var b bytes.Buffer
	if err := w.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"  + Create\n  ~ Modify\n  - Delete\n  = NoChange\n  * Ignore\n  ! Deploy\n  x Unsupported\n",
		"  ! Microsoft.Network/routeTables/rt\n    ~ properties.disableBgpRoutePropagation: false => true\n",
		"Resource changes: 3 to create, 1 to modify, 1 to delete, 1 no change, 1 to ignore, 1 to deploy, 1 unsupported.\n",
	} {
		if !strings.Contains(b.String(), line) {
			t.Errorf("text lacks %q:\n%s", line, b.String())
		}
	}
}
