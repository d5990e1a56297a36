package resources

import "strings"

func (b *builder) storage() {
	st := b.p.Storage
	tags := b.tagsFor("storage")
	a := st.Account
	acctID := idExpr(b.rgStorage, "Microsoft.Storage/storageAccounts", a.Name)
	b.add(Resource{Type: "Microsoft.Storage/storageAccounts", Name: a.Name, Location: b.region, Kind: a.Kind, SKU: map[string]any{"name": a.SKU}, Tags: tags, ResourceGroup: b.rgStorage,
		Properties: map[string]any{
			"accessTier":               a.AccessTier,
			"allowBlobPublicAccess":    false,
			"allowSharedKeyAccess":     st.HotTier.BlobIntegration && st.HotTier.Kind == "lustre", // Managed Lustre's Blob integration needs key access
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
				"properties": map[string]any{"privateDnsZoneId": idExpr(b.rgNet, "Microsoft.Network/privateDnsZones", pe.DNSZone)}}}}})
	}
	if ht := st.HotTier; ht.Kind == "lustre" && ht.SKU != "" {
		props := map[string]any{
			"storageCapacityTiB": ht.CapacityTiB,
			"filesystemSubnet":   b.subnetID("snet-lustre"),
			"maintenanceWindow":  map[string]any{"dayOfWeek": "Sunday", "timeOfDayUTC": "02:00"},
		}
		if ht.BlobIntegration && len(a.Containers) > 0 {
			props["hsm"] = map[string]any{"settings": map[string]any{
				"container":        idExpr(b.rgStorage, "Microsoft.Storage/storageAccounts/blobServices/containers", a.Name, "default", a.Containers[0].Name),
				"loggingContainer": idExpr(b.rgStorage, "Microsoft.Storage/storageAccounts/blobServices/containers", a.Name, "default", a.Containers[0].Name),
				"importPrefix":     "/",
			}}
		}
		b.add(Resource{Type: "Microsoft.StorageCache/amlFilesystems", Name: "amlfs-" + b.zone, Location: b.region, Tags: tags, ResourceGroup: b.rgStorage,
			SKU: map[string]any{"name": ht.SKU}, Zones: []string{"1"}, DependsOn: []string{acctID}, Properties: props})
	}
}
