// The resources of one of the zone's resource groups (one stage of it), deployed by main.bicep.
// Written by aizone.
@description('DNS servers of the zone\'s VNets (the hub\'s resolver or firewall DNS proxy)')
param dnsServers array

@description('Private IP address of the platform hub\'s firewall; the spokes route 0.0.0.0/0 to it')
param firewallPrivateIp string

@description('Resource id of the platform hub VNet the zone\'s spokes peer to')
param hubVirtualNetworkId string

@description('Resource id of the platform\'s Log Analytics workspace that receives diagnostics')
param logAnalyticsWorkspaceId string

resource userAssignedIdentityIdContosoFtAks 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  scope: resourceGroup('rg-contoso-ft-compute-eastus')
  name: 'id-contoso-ft-aks'
}

resource subnetVnetContosoFtEastusSnetAksSystem 'Microsoft.Network/virtualNetworks/subnets@2025-07-01' existing = {
  parent: virtualNetworkVnetContosoFtEastus
  name: 'snet-aks-system'
}

resource subnetVnetContosoFtEastusSnetAssistant 'Microsoft.Network/virtualNetworks/subnets@2025-07-01' existing = {
  parent: virtualNetworkVnetContosoFtEastus
  name: 'snet-assistant'
}

resource roleAssignment_c2e4c4cc 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: routeTableRtContosoFtEastus
  name: guid(routeTableRtContosoFtEastus.id, 'id-contoso-ft-aks', '4d97b98b-1d4f-4787-a291-c67834d212e7')
  properties: {
    description: 'AKS with outboundType userDefinedRouting on a route table it does not own needs to read and join it'
    principalId: userAssignedIdentityIdContosoFtAks.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4d97b98b-1d4f-4787-a291-c67834d212e7')
  }
}

resource roleAssignment_4c8e12e7 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: subnetVnetContosoFtEastusSnetAksSystem
  name: guid('${virtualNetworkVnetContosoFtEastus.id}/subnets/snet-aks-system', 'id-contoso-ft-aks', '4d97b98b-1d4f-4787-a291-c67834d212e7')
  properties: {
    description: 'AKS with its own subnets joins nodes and internal load balancers to them'
    principalId: userAssignedIdentityIdContosoFtAks.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4d97b98b-1d4f-4787-a291-c67834d212e7')
  }
}

resource roleAssignment_db679d9c 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: subnetVnetContosoFtEastusSnetAssistant
  name: guid('${virtualNetworkVnetContosoFtEastus.id}/subnets/snet-assistant', 'id-contoso-ft-aks', '4d97b98b-1d4f-4787-a291-c67834d212e7')
  properties: {
    description: 'AKS with its own subnets joins nodes and internal load balancers to them'
    principalId: userAssignedIdentityIdContosoFtAks.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4d97b98b-1d4f-4787-a291-c67834d212e7')
  }
}

resource diagnosticSettingNsgContosoFtEastusPrivateEndpointsToPlatformWorkspace 'Microsoft.Insights/diagnosticSettings@2016-09-01' = {
  scope: networkSecurityGroupNsgContosoFtEastusPrivateEndpoints
  name: 'to-platform-workspace'
  properties: {
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    workspaceId: logAnalyticsWorkspaceId
  }
}

resource diagnosticSettingNsgContosoFtEastusAksSystemToPlatformWorkspace 'Microsoft.Insights/diagnosticSettings@2016-09-01' = {
  scope: networkSecurityGroupNsgContosoFtEastusAksSystem
  name: 'to-platform-workspace'
  properties: {
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    workspaceId: logAnalyticsWorkspaceId
  }
}

resource diagnosticSettingNsgContosoFtEastusAssistantToPlatformWorkspace 'Microsoft.Insights/diagnosticSettings@2016-09-01' = {
  scope: networkSecurityGroupNsgContosoFtEastusAssistant
  name: 'to-platform-workspace'
  properties: {
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    workspaceId: logAnalyticsWorkspaceId
  }
}

resource diagnosticSettingNsgContosoFtEastusFinetuneToPlatformWorkspace 'Microsoft.Insights/diagnosticSettings@2016-09-01' = {
  scope: networkSecurityGroupNsgContosoFtEastusFinetune
  name: 'to-platform-workspace'
  properties: {
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    workspaceId: logAnalyticsWorkspaceId
  }
}

resource diagnosticSettingVnetContosoFtEastusToPlatformWorkspace 'Microsoft.Insights/diagnosticSettings@2016-09-01' = {
  scope: virtualNetworkVnetContosoFtEastus
  name: 'to-platform-workspace'
  properties: {
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
    workspaceId: logAnalyticsWorkspaceId
  }
}

resource networkSecurityGroupNsgContosoFtEastusAksSystem 'Microsoft.Network/networkSecurityGroups@2025-07-01' = {
  name: 'nsg-contoso-ft-eastus-aks-system'
  location: 'eastus'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'network'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    securityRules: [
      {
        name: 'allow-aks-overlay-inbound'
        properties: {
          access: 'Allow'
          description: 'Azure CNI Overlay pod traffic is not encapsulated and its pod range is outside the VirtualNetwork tag: node-to-pod and pod-to-pod...'
          destinationAddressPrefixes: [
            '100.64.0.0/16'
            '10.64.0.32/28'
          ]
          destinationPortRange: '*'
          direction: 'Inbound'
          priority: 100
          protocol: '*'
          sourceAddressPrefixes: [
            '100.64.0.0/16'
            '10.64.0.32/28'
            '10.64.0.48/28'
          ]
          sourcePortRange: '*'
        }
      }
      {
        name: 'deny-internet-inbound'
        properties: {
          access: 'Deny'
          description: 'no inbound traffic from the internet, stated explicitly so that no later rule below it can open the subnet'
          destinationAddressPrefix: '*'
          destinationPortRange: '*'
          direction: 'Inbound'
          priority: 4096
          protocol: '*'
          sourceAddressPrefix: 'Internet'
          sourcePortRange: '*'
        }
      }
    ]
  }
}

resource networkSecurityGroupNsgContosoFtEastusAssistant 'Microsoft.Network/networkSecurityGroups@2025-07-01' = {
  name: 'nsg-contoso-ft-eastus-assistant'
  location: 'eastus'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'network'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    securityRules: [
      {
        name: 'allow-aks-overlay-inbound'
        properties: {
          access: 'Allow'
          description: 'Azure CNI Overlay pod traffic is not encapsulated and its pod range is outside the VirtualNetwork tag: node-to-pod and pod-to-pod...'
          destinationAddressPrefixes: [
            '100.64.0.0/16'
            '10.64.0.48/28'
          ]
          destinationPortRange: '*'
          direction: 'Inbound'
          priority: 100
          protocol: '*'
          sourceAddressPrefixes: [
            '100.64.0.0/16'
            '10.64.0.32/28'
            '10.64.0.48/28'
          ]
          sourcePortRange: '*'
        }
      }
      {
        name: 'deny-internet-inbound'
        properties: {
          access: 'Deny'
          description: 'no inbound traffic from the internet, stated explicitly so that no later rule below it can open the subnet'
          destinationAddressPrefix: '*'
          destinationPortRange: '*'
          direction: 'Inbound'
          priority: 4096
          protocol: '*'
          sourceAddressPrefix: 'Internet'
          sourcePortRange: '*'
        }
      }
    ]
  }
}

resource networkSecurityGroupNsgContosoFtEastusFinetune 'Microsoft.Network/networkSecurityGroups@2025-07-01' = {
  name: 'nsg-contoso-ft-eastus-finetune'
  location: 'eastus'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'network'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    securityRules: [
      {
        name: 'deny-internet-inbound'
        properties: {
          access: 'Deny'
          description: 'no inbound traffic from the internet, stated explicitly so that no later rule below it can open the subnet'
          destinationAddressPrefix: '*'
          destinationPortRange: '*'
          direction: 'Inbound'
          priority: 4096
          protocol: '*'
          sourceAddressPrefix: 'Internet'
          sourcePortRange: '*'
        }
      }
    ]
  }
}

resource networkSecurityGroupNsgContosoFtEastusPrivateEndpoints 'Microsoft.Network/networkSecurityGroups@2025-07-01' = {
  name: 'nsg-contoso-ft-eastus-private-endpoints'
  location: 'eastus'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'network'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    securityRules: [
      {
        name: 'deny-internet-inbound'
        properties: {
          access: 'Deny'
          description: 'no inbound traffic from the internet, stated explicitly so that no later rule below it can open the subnet'
          destinationAddressPrefix: '*'
          destinationPortRange: '*'
          direction: 'Inbound'
          priority: 4096
          protocol: '*'
          sourceAddressPrefix: 'Internet'
          sourcePortRange: '*'
        }
      }
    ]
  }
}

resource privateDnsZonePrivatelinkAzurecrIo 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: 'privatelink.azurecr.io'
  location: 'global'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'network'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {}
}

resource privateDnsZonePrivatelinkBatchAzureCom 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: 'privatelink.batch.azure.com'
  location: 'global'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'network'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {}
}

resource privateDnsZonePrivatelinkBlobCoreWindowsNet 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: 'privatelink.blob.core.windows.net'
  location: 'global'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'network'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {}
}

resource privateDnsZonePrivatelinkVaultcoreAzureNet 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: 'privatelink.vaultcore.azure.net'
  location: 'global'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'network'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {}
}

resource virtualNetworkLinkPrivatelinkAzurecrIoLinkVnetContosoFtEastus 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: privateDnsZonePrivatelinkAzurecrIo
  name: 'link-vnet-contoso-ft-eastus'
  location: 'global'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'network'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetworkVnetContosoFtEastus.id
    }
  }
}

resource virtualNetworkLinkPrivatelinkBatchAzureComLinkVnetContosoFtEastus 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: privateDnsZonePrivatelinkBatchAzureCom
  name: 'link-vnet-contoso-ft-eastus'
  location: 'global'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'network'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetworkVnetContosoFtEastus.id
    }
  }
}

resource virtualNetworkLinkPrivatelinkBlobCoreWindowsNetLinkVnetContosoFtEastus 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: privateDnsZonePrivatelinkBlobCoreWindowsNet
  name: 'link-vnet-contoso-ft-eastus'
  location: 'global'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'network'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetworkVnetContosoFtEastus.id
    }
  }
}

resource virtualNetworkLinkPrivatelinkVaultcoreAzureNetLinkVnetContosoFtEastus 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: privateDnsZonePrivatelinkVaultcoreAzureNet
  name: 'link-vnet-contoso-ft-eastus'
  location: 'global'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'network'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetworkVnetContosoFtEastus.id
    }
  }
}

resource routeTableRtContosoFtEastus 'Microsoft.Network/routeTables@2025-07-01' = {
  name: 'rt-contoso-ft-eastus'
  location: 'eastus'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'network'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    disableBgpRoutePropagation: true
    routes: [
      {
        name: 'default-to-firewall'
        properties: {
          addressPrefix: '0.0.0.0/0'
          nextHopIpAddress: firewallPrivateIp
          nextHopType: 'VirtualAppliance'
        }
      }
    ]
  }
}

resource virtualNetworkVnetContosoFtEastus 'Microsoft.Network/virtualNetworks@2025-07-01' = {
  name: 'vnet-contoso-ft-eastus'
  location: 'eastus'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'network'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    addressSpace: {
      addressPrefixes: [
        '10.64.0.0/20'
      ]
    }
    dhcpOptions: {
      dnsServers: dnsServers
    }
    subnets: [
      {
        name: 'snet-private-endpoints'
        properties: {
          addressPrefix: '10.64.0.0/27'
          defaultOutboundAccess: false
          networkSecurityGroup: {
            id: networkSecurityGroupNsgContosoFtEastusPrivateEndpoints.id
          }
          privateEndpointNetworkPolicies: 'Enabled'
          privateLinkServiceNetworkPolicies: 'Enabled'
          routeTable: {
            id: routeTableRtContosoFtEastus.id
          }
        }
      }
      {
        name: 'snet-aks-system'
        properties: {
          addressPrefix: '10.64.0.32/28'
          defaultOutboundAccess: false
          networkSecurityGroup: {
            id: networkSecurityGroupNsgContosoFtEastusAksSystem.id
          }
          privateEndpointNetworkPolicies: 'Enabled'
          privateLinkServiceNetworkPolicies: 'Enabled'
          routeTable: {
            id: routeTableRtContosoFtEastus.id
          }
        }
      }
      {
        name: 'snet-assistant'
        properties: {
          addressPrefix: '10.64.0.48/28'
          defaultOutboundAccess: false
          networkSecurityGroup: {
            id: networkSecurityGroupNsgContosoFtEastusAssistant.id
          }
          privateEndpointNetworkPolicies: 'Enabled'
          privateLinkServiceNetworkPolicies: 'Enabled'
          routeTable: {
            id: routeTableRtContosoFtEastus.id
          }
        }
      }
      {
        name: 'snet-finetune'
        properties: {
          addressPrefix: '10.64.0.64/29'
          defaultOutboundAccess: false
          networkSecurityGroup: {
            id: networkSecurityGroupNsgContosoFtEastusFinetune.id
          }
          privateEndpointNetworkPolicies: 'Enabled'
          privateLinkServiceNetworkPolicies: 'Enabled'
          routeTable: {
            id: routeTableRtContosoFtEastus.id
          }
        }
      }
    ]
  }
}

resource virtualNetworkPeeringVnetContosoFtEastusPeerEastusToHub 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings@2025-07-01' = {
  parent: virtualNetworkVnetContosoFtEastus
  name: 'peer-eastus-to-hub'
  properties: {
    allowForwardedTraffic: true
    allowGatewayTransit: false
    allowVirtualNetworkAccess: true
    remoteVirtualNetwork: {
      id: hubVirtualNetworkId
    }
    useRemoteGateways: true
  }
}

output vnetEastusId string = virtualNetworkVnetContosoFtEastus.id
