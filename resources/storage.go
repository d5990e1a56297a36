package resources

import (
	"strings"

	"github.com/aizone/aizone/storage"
)

func (b *builder) storage() {
	st := b.p.Storage
	tags := b.tagsFor("storage")
	a := st.Account
	acctID := idExpr(b.rgStorage, "Microsoft.Storage/storageAccounts", a.Name)
	b.add(Resource{Type: "Microsoft.Storage/storageAccounts", Name: a.Name, Location: b.region, Kind: a.Kind, SKU: map[string]any{"name": a.SKU}, Tags: tags, ResourceGroup: b.rgStorage, Output: "storageAccountId",
		Properties: map[string]any{
			"accessTier":               a.AccessTier,
			"allowBlobPublicAccess":    false,
			"allowSharedKeyAccess":     st.HotTier.HSM != nil, // Managed Lustre's Blob integration needs key access (ST-AMLFS-PRE)
			"minimumTlsVersion":        "TLS1_2",
			"supportsHttpsTrafficOnly": true,
			"publicNetworkAccess":      "Disabled",
			"networkAcls":              map[string]any{"defaultAction": "Deny", "bypass": "AzureServices"},
			"encryption": map[string]any{"keySource": "Microsoft.Storage", "requireInfrastructureEncryption": true,
				"services": map[string]any{"blob": map[string]any{"enabled": true}, "file": map[string]any{"enabled": true}}},
		}})
	b.add(Resource{Type: "Microsoft.Storage/storageAccounts/blobServices", Name: a.Name + "/default", ResourceGroup: b.rgStorage, DependsOn: []string{acctID},
		Properties: map[string]any{
			"deleteRetentionPolicy":          map[string]any{"enabled": true, "days": 7},
			"containerDeleteRetentionPolicy": map[string]any{"enabled": true, "days": 7},
			// Last-access tracking lets later rules tier by access.
			"lastAccessTimeTrackingPolicy": map[string]any{"enable": true, "name": "AccessTimeTracking", "trackingGranularityInDays": 1, "blobType": []string{"blockBlob"}},
		}})
	for _, c := range a.Containers {
		b.add(Resource{Type: "Microsoft.Storage/storageAccounts/blobServices/containers", Name: a.Name + "/default/" + c.Name, ResourceGroup: b.rgStorage,
			DependsOn:  []string{idExpr(b.rgStorage, "Microsoft.Storage/storageAccounts/blobServices", a.Name, "default")},
			Properties: map[string]any{"publicAccess": "None"}})
	}
	if len(a.Policy.Rules) > 0 {
		b.add(Resource{Type: "Microsoft.Storage/storageAccounts/managementPolicies", Name: a.Name + "/default", ResourceGroup: b.rgStorage, DependsOn: []string{acctID},
			Properties: map[string]any{"policy": toMap(a.Policy)}})
	}
	for _, pe := range b.p.Network.PrivateEndpoints {
		b.add(Resource{Type: "Microsoft.Network/privateEndpoints", Name: pe.Name, Location: b.region, Tags: tags, ResourceGroup: b.rgStorage, DependsOn: []string{acctID},
			Properties: map[string]any{
				"subnet": map[string]any{"id": b.subnetID(pe.Subnet)},
				"privateLinkServiceConnections": []any{map[string]any{"name": pe.Name, "properties": map[string]any{
					"privateLinkServiceId": acctID, "groupIds": []string{pe.GroupID}}}},
			}})
		b.add(Resource{Type: "Microsoft.Network/privateEndpoints/privateDnsZoneGroups", Name: pe.Name + "/default", ResourceGroup: b.rgStorage,
			DependsOn: []string{idExpr(b.rgStorage, "Microsoft.Network/privateEndpoints", pe.Name)},
			Properties: map[string]any{"privateDnsZoneConfigs": []any{map[string]any{"name": strings.ReplaceAll(pe.DNSZone, ".", "-"),
				"properties": map[string]any{"privateDnsZoneId": b.dnsZoneID(pe)}}}}})
	}
	ht := st.HotTier
	containerID := func(name string) string {
		return idExpr(b.rgStorage, "Microsoft.Storage/storageAccounts/blobServices/containers", a.Name, "default", name)
	}
	switch {
	case ht.Kind == "lustre" && ht.SKU != "":
		props := map[string]any{
			"storageCapacityTiB": ht.CapacityTiB,
			"filesystemSubnet":   b.subnetID("snet-lustre"),
			"maintenanceWindow":  map[string]any{"dayOfWeek": "Sunday", "timeOfDayUTC": "02:00"},
		}
		deps := []string{acctID}
		if h := ht.HSM; h != nil {
			// Blob integration is set at creation only: the dataset
			// container is imported, and the service logs to a container
			// of its own (ST-AMLFS-PRE).
			props["hsm"] = map[string]any{"settings": map[string]any{
				"container":             containerID(h.Container),
				"loggingContainer":      containerID(h.LoggingContainer),
				"importPrefixesInitial": []string{h.ImportPrefix},
			}}
			deps = append(deps, containerID(h.Container), containerID(h.LoggingContainer))
			// The HPC Cache resource provider must hold its roles on the
			// account before the file system is created.
			deps = append(deps, b.hpcCacheGrants()...)
		}
		b.add(Resource{Type: "Microsoft.StorageCache/amlFilesystems", Name: "amlfs-" + b.zone, Location: b.region, Tags: tags, ResourceGroup: b.rgStorage, Output: "lustreId",
			SKU: map[string]any{"name": ht.SKU}, Zones: []string{"1"}, DependsOn: deps, Properties: props})
	case ht.Kind == "netapp" && ht.SKU != "":
		b.netApp(ht, tags)
	}
}

// netApp emits an Azure NetApp Files account, a capacity pool of the
// planned size and service level (whole TiB, auto QoS) and one NFSv4.1
// volume holding it all, in the subnet delegated to NetApp.
func (b *builder) netApp(ht storage.HotTier, tags map[string]string) {
	acct := "anf-" + b.zone
	pool := "pool-" + strings.ToLower(ht.SKU)
	vol := "vol-hot"
	sizeBytes := int64(ht.CapacityTiB) << 40
	acctID := idExpr(b.rgStorage, "Microsoft.NetApp/netAppAccounts", acct)
	poolID := idExpr(b.rgStorage, "Microsoft.NetApp/netAppAccounts/capacityPools", acct, pool)
	b.add(Resource{Type: "Microsoft.NetApp/netAppAccounts", Name: acct, Location: b.region, Tags: tags, ResourceGroup: b.rgStorage,
		Properties: map[string]any{}})
	b.add(Resource{Type: "Microsoft.NetApp/netAppAccounts/capacityPools", Name: acct + "/" + pool, Location: b.region, Tags: tags, ResourceGroup: b.rgStorage,
		DependsOn: []string{acctID}, Properties: map[string]any{"serviceLevel": ht.SKU, "size": sizeBytes, "qosType": "Auto"}})
	// Only the zone's own address space mounts the volume.
	var clients []string
	for _, v := range b.p.Network.VNets {
		if v.Name == b.vnetName {
			clients = append(clients, v.AddressSpace...)
		}
	}
	props := map[string]any{
		"creationToken":  "hot",
		"serviceLevel":   ht.SKU,
		"usageThreshold": sizeBytes,
		"subnetId":       b.subnetID("snet-netapp"),
		"protocolTypes":  []string{"NFSv4.1"},
		"exportPolicy": map[string]any{"rules": []any{map[string]any{
			"ruleIndex": 1, "allowedClients": strings.Join(clients, ","), "nfsv41": true, "nfsv3": false, "unixReadWrite": true, "unixReadOnly": false,
		}}},
	}
	if ht.CapacityTiB > 100 {
		props["isLargeVolume"] = true // regular volumes stop at 100 TiB
	}
	b.add(Resource{Type: "Microsoft.NetApp/netAppAccounts/capacityPools/volumes", Name: acct + "/" + pool + "/" + vol, Location: b.region, Tags: tags, Output: "netAppVolumeId",
		ResourceGroup: b.rgStorage, DependsOn: []string{poolID}, Properties: props})
}
