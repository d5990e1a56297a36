// The resources of one of the zone's resource groups (one stage of it), deployed by main.bicep.
// Written by aizone.
@description('Resource id of the platform\'s Log Analytics workspace that receives diagnostics')
param logAnalyticsWorkspaceId string

resource privateDnsZonePrivatelinkAzurecrIo 'Microsoft.Network/privateDnsZones@2024-06-01' existing = {
  scope: resourceGroup('rg-contoso-ft-network-eastus')
  name: 'privatelink.azurecr.io'
}

resource privateDnsZonePrivatelinkBatchAzureCom 'Microsoft.Network/privateDnsZones@2024-06-01' existing = {
  scope: resourceGroup('rg-contoso-ft-network-eastus')
  name: 'privatelink.batch.azure.com'
}

resource privateDnsZonePrivatelinkVaultcoreAzureNet 'Microsoft.Network/privateDnsZones@2024-06-01' existing = {
  scope: resourceGroup('rg-contoso-ft-network-eastus')
  name: 'privatelink.vaultcore.azure.net'
}

resource userAssignedIdentityIdContosoFtAks 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: 'id-contoso-ft-aks'
}

resource userAssignedIdentityIdContosoFtAksKubelet 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: 'id-contoso-ft-aks-kubelet'
}

resource userAssignedIdentityIdContosoFtAssistant 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: 'id-contoso-ft-assistant'
}

resource userAssignedIdentityIdContosoFtFinetune 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: 'id-contoso-ft-finetune'
}

resource virtualNetworkVnetContosoFtEastus 'Microsoft.Network/virtualNetworks@2025-07-01' existing = {
  scope: resourceGroup('rg-contoso-ft-network-eastus')
  name: 'vnet-contoso-ft-eastus'
}

resource roleAssignment_e82a51fe 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: registryCrcontosoftba168f
  name: guid(registryCrcontosoftba168f.id, 'id-contoso-ft-aks-kubelet', '7f951dda-4ed3-4680-a7ca-43fe172d538d')
  properties: {
    description: 'the nodes pull serving images from the zone\'s registry'
    principalId: userAssignedIdentityIdContosoFtAksKubelet.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')
  }
}

resource roleAssignment_f3eb1734 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: registryCrcontosoftba168f
  name: guid(registryCrcontosoftba168f.id, 'id-contoso-ft-finetune', '7f951dda-4ed3-4680-a7ca-43fe172d538d')
  properties: {
    description: 'finetune\'s nodes pull the training and serving containers from the zone\'s registry'
    principalId: userAssignedIdentityIdContosoFtFinetune.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')
  }
}

resource roleAssignment_47bb55f2 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vaultKvcontosoftba168f
  name: guid(vaultKvcontosoftba168f.id, 'id-contoso-ft-assistant', '4633458b-17de-408a-b874-0445c86b69e6')
  properties: {
    description: 'assistant reads the secrets its jobs need (tokens, API keys) from the zone\'s Key Vault in RBAC mode'
    principalId: userAssignedIdentityIdContosoFtAssistant.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
  }
}

resource roleAssignment_9ac7ca1e 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vaultKvcontosoftba168f
  name: guid(vaultKvcontosoftba168f.id, 'id-contoso-ft-finetune', '4633458b-17de-408a-b874-0445c86b69e6')
  properties: {
    description: 'finetune reads the secrets its jobs need (tokens, API keys) from the zone\'s Key Vault in RBAC mode'
    principalId: userAssignedIdentityIdContosoFtFinetune.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
  }
}

resource roleAssignment_fa6d936b 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: userAssignedIdentityIdContosoFtAksKubelet
  name: guid(userAssignedIdentityIdContosoFtAksKubelet.id, 'id-contoso-ft-aks', 'f1a07417-d97a-45cb-824c-7a7467783830')
  properties: {
    description: 'a cluster with its own kubelet identity assigns that identity to the nodes'
    principalId: userAssignedIdentityIdContosoFtAks.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'f1a07417-d97a-45cb-824c-7a7467783830')
  }
}

resource batchAccountBacontosoft 'Microsoft.Batch/batchAccounts@2025-06-01' = {
  name: 'bacontosoft'
  location: 'eastus'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'compute'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    allowedAuthenticationModes: [
      'AAD'
      'TaskAuthenticationToken'
    ]
    poolAllocationMode: 'BatchService'
    publicNetworkAccess: 'Disabled'
  }
}

resource poolBacontosoftFinetune 'Microsoft.Batch/batchAccounts/pools@2025-06-01' = {
  parent: batchAccountBacontosoft
  name: 'finetune'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${userAssignedIdentityIdContosoFtFinetune.id}': {}
    }
  }
  properties: {
    deploymentConfiguration: {
      virtualMachineConfiguration: {
        containerConfiguration: {
          containerRegistries: [
            {
              identityReference: {
                resourceId: userAssignedIdentityIdContosoFtFinetune.id
              }
              registryServer: 'crcontosoftba168f.azurecr.io'
            }
          ]
          type: 'DockerCompatible'
        }
        imageReference: {
          offer: 'ubuntu-hpc'
          publisher: 'microsoft-dsvm'
          sku: '2204'
          version: 'latest'
        }
        nodeAgentSkuId: 'batch.node.ubuntu 22.04'
      }
    }
    interNodeCommunication: 'Disabled'
    mountConfiguration: [
      {
        azureBlobFileSystemConfiguration: {
          accountName: 'stcontosoftba168f'
          blobfuseOptions: '-o attr_timeout=240 -o entry_timeout=240 -o negative_timeout=120 -o allow_other'
          containerName: 'checkpoints'
          identityReference: {
            resourceId: userAssignedIdentityIdContosoFtFinetune.id
          }
          relativeMountPath: 'blob-checkpoints'
        }
      }
      {
        azureBlobFileSystemConfiguration: {
          accountName: 'stcontosoftba168f'
          blobfuseOptions: '-o attr_timeout=240 -o entry_timeout=240 -o negative_timeout=120 -o allow_other'
          containerName: 'models'
          identityReference: {
            resourceId: userAssignedIdentityIdContosoFtFinetune.id
          }
          relativeMountPath: 'blob-models'
        }
      }
      {
        azureBlobFileSystemConfiguration: {
          accountName: 'stcontosoftba168f'
          blobfuseOptions: '-o attr_timeout=240 -o entry_timeout=240 -o negative_timeout=120 -o allow_other -o ro'
          containerName: 'sft-corpus'
          identityReference: {
            resourceId: userAssignedIdentityIdContosoFtFinetune.id
          }
          relativeMountPath: 'blob-sft-corpus'
        }
      }
    ]
    networkConfiguration: {
      enableAcceleratedNetworking: true
      publicIPAddressConfiguration: {
        provision: 'NoPublicIPAddresses'
      }
      subnetId: '${virtualNetworkVnetContosoFtEastus.id}/subnets/snet-finetune'
    }
    scaleSettings: {
      fixedScale: {
        targetDedicatedNodes: 1
        targetLowPriorityNodes: 0
      }
    }
    startTask: {
      commandLine: '/bin/bash -c \'mkdir -p /opt/aizone && echo IyEvYmluL2Jhc2gKIyBhaXpvbmUgZGF0YSBwYXRoIGZvciBmaW5ldHVuZQpzZXQgLWV1Cg== | base64 -d > /opt/aizone/mount.sh && bash /opt/aizone/mount.sh && echo IyEvYmluL2Jhc2gKc2V0IC1ldQpta2RpciAtcCAvbW50L2Jsb2IKbG4gLXNmbiAiJEFaX0JBVENIX05PREVfTU9VTlRTX0RJUi9ibG9iLWNoZWNrcG9pbnRzIiAvbW50L2Jsb2IvY2hlY2twb2ludHMKbWtkaXIgLXAgL21udC9ibG9iCmxuIC1zZm4gIiRBWl9CQVRDSF9OT0RFX01PVU5UU19ESVIvYmxvYi1tb2RlbHMiIC9tbnQvYmxvYi9tb2RlbHMKbWtkaXIgLXAgL21udC9ibG9iCmxuIC1zZm4gIiRBWl9CQVRDSF9OT0RFX01PVU5UU19ESVIvYmxvYi1zZnQtY29ycHVzIiAvbW50L2Jsb2Ivc2Z0LWNvcnB1cwo= | base64 -d > /opt/aizone/link.sh && bash /opt/aizone/link.sh && echo IyEvYmluL2Jhc2gKIyBhaXpvbmUgbm9kZSBoZWFsdGggY2hlY2sgZm9yIFN0YW5kYXJkX05EOTZpc3JfSDIwMF92NSAodGhyZXNob2xkczogUy1OREgyMDA7IE5DQ0wgYnVzIGJhbmR3aWR0aCBILUFaQkVOQ0gpCnNldCAtdQpOVklESUFfU01JPSR7TlZJRElBX1NNSTotbnZpZGlhLXNtaX0KSUJfU1lTRlM9JHtJQl9TWVNGUzotL3N5cy9jbGFzcy9pbmZpbmliYW5kfQpBTExfUkVEVUNFX1BFUkY9JHtBTExfUkVEVUNFX1BFUkY6LS9vcHQvbmNjbC10ZXN0cy9idWlsZC9hbGxfcmVkdWNlX3BlcmZ9CmZhaWw9MApyZXBvcnQoKSB7IGVjaG8gImFpem9uZS1oZWFsdGg6ICQxIjsgfQp3YW50X2dwdXM9OAp3YW50X2liPTgKd2FudF9idXNidz00MzEuOQpncHVzPSQoIiROVklESUFfU01JIiAtTCAyPi9kZXYvbnVsbCB8IGdyZXAgLWMgJ15HUFUgJykKaWYgWyAiJGdwdXMiIC1sdCAiJHdhbnRfZ3B1cyIgXTsgdGhlbiByZXBvcnQgIkZBSUwgZ3B1cyAkZ3B1cyA8ICR3YW50X2dwdXMiOyBmYWlsPTE7IGVsc2UgcmVwb3J0ICJvayBncHVzICRncHVzIjsgZmkKaWYgWyAiJHdhbnRfaWIiIC1ndCAwIF07IHRoZW4KICBpYj0kKGNhdCAiJElCX1NZU0ZTIi8qL3BvcnRzLyovc3RhdGUgMj4vZGV2L251bGwgfCBncmVwIC1jIEFDVElWRSkKICBpZiBbICIkaWIiIC1sdCAiJHdhbnRfaWIiIF07IHRoZW4gcmVwb3J0ICJGQUlMIGluZmluaWJhbmQgJGliIDwgJHdhbnRfaWIgYWN0aXZlIjsgZmFpbD0xOyBlbHNlIHJlcG9ydCAib2sgaW5maW5pYmFuZCAkaWIiOyBmaQpmaQppZiBbICIkd2FudF9ncHVzIiAtZ3QgMSBdICYmIFsgIiR3YW50X2J1c2J3IiAhPSAiMC4wIiBdOyB0aGVuCiAgYnVzYnc9JCgiJEFMTF9SRURVQ0VfUEVSRiIgLWIgOEcgLWUgOEcgLWYgMiAtZyAiJHdhbnRfZ3B1cyIgMj4vZGV2L251bGwgfCBhd2sgJy9BdmcgYnVzIGJhbmR3aWR0aC8ge3ByaW50ICRORn0nKQogIGlmIFsgLXogIiRidXNidyIgXSB8fCBhd2sgLXYgbT0iJGJ1c2J3IiAtdiB3PSIkd2FudF9idXNidyIgJ0JFR0lOIHtleGl0ICEobSA8IHcpfSc7IHRoZW4KICAgIHJlcG9ydCAiRkFJTCBuY2NsIGJ1c2J3ICR7YnVzYnc6LW5vbmV9IDwgJHdhbnRfYnVzYncgR0IvcyI7IGZhaWw9MQogIGVsc2UKICAgIHJlcG9ydCAib2sgbmNjbCBidXNidyAkYnVzYnciCiAgZmkKZmkKaWYgWyAiJGZhaWwiIC1uZSAwIF07IHRoZW4KICBta2RpciAtcCAvdmFyL3J1bi9haXpvbmUgMj4vZGV2L251bGwgJiYgdG91Y2ggL3Zhci9ydW4vYWl6b25lL3VuaGVhbHRoeSAyPi9kZXYvbnVsbAogIGV4aXQgMQpmaQpleGl0IDAK | base64 -d > /opt/aizone/node-health.sh && bash /opt/aizone/node-health.sh\''
      environmentSettings: []
      maxTaskRetryCount: 1
      userIdentity: {
        autoUser: {
          elevationLevel: 'Admin'
          scope: 'Pool'
        }
      }
      waitForSuccess: true
    }
    targetNodeCommunicationMode: 'Simplified'
    taskSlotsPerNode: 1
    vmSize: 'Standard_ND96isr_H200_v5'
  }
}

resource registryCrcontosoftba168f 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
  name: 'crcontosoftba168f'
  location: 'eastus'
  sku: {
    name: 'Premium'
  }
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'compute'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    networkRuleBypassOptions: 'AzureServices'
    publicNetworkAccess: 'Disabled'
    zoneRedundancy: 'Enabled'
  }
}

resource managedClusterAksContosoFt 'Microsoft.ContainerService/managedClusters@2026-05-01' = {
  name: 'aks-contoso-ft'
  location: 'eastus'
  sku: {
    name: 'Base'
    tier: 'Standard'
  }
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${userAssignedIdentityIdContosoFtAks.id}': {}
    }
  }
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'compute'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    aadProfile: {
      enableAzureRBAC: true
      managed: true
    }
    addonProfiles: {
      azurepolicy: {
        enabled: true
      }
      omsagent: {
        config: {
          logAnalyticsWorkspaceResourceID: logAnalyticsWorkspaceId
          useAADAuth: 'true'
        }
        enabled: true
      }
    }
    agentPoolProfiles: [
      {
        availabilityZones: [
          '1'
          '2'
          '3'
        ]
        count: 3
        enableNodePublicIP: false
        mode: 'System'
        name: 'system'
        osType: 'Linux'
        type: 'VirtualMachineScaleSets'
        vmSize: 'Standard_D4ds_v5'
        vnetSubnetID: '${virtualNetworkVnetContosoFtEastus.id}/subnets/snet-aks-system'
      }
    ]
    apiServerAccessProfile: {
      enablePrivateCluster: true
    }
    azureMonitorProfile: {
      metrics: {
        enabled: true
      }
    }
    disableLocalAccounts: true
    dnsPrefix: 'aks-contoso-ft'
    enableRBAC: true
    identityProfile: {
      kubeletidentity: {
        clientId: userAssignedIdentityIdContosoFtAksKubelet.properties.clientId
        objectId: userAssignedIdentityIdContosoFtAksKubelet.properties.principalId
        resourceId: userAssignedIdentityIdContosoFtAksKubelet.id
      }
    }
    networkProfile: {
      dnsServiceIP: '100.65.0.10'
      loadBalancerSku: 'standard'
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      outboundType: 'userDefinedRouting'
      podCidr: '100.64.0.0/16'
      serviceCidr: '100.65.0.0/16'
    }
    oidcIssuerProfile: {
      enabled: true
    }
    securityProfile: {
      workloadIdentity: {
        enabled: true
      }
    }
    storageProfile: {
      blobCSIDriver: {
        enabled: true
      }
      diskCSIDriver: {
        enabled: true
      }
    }
  }
  dependsOn: [
    roleAssignment_fa6d936b
  ]
}

resource agentPoolAksContosoFtAssistant 'Microsoft.ContainerService/managedClusters/agentPools@2026-05-01' = {
  parent: managedClusterAksContosoFt
  name: 'assistant'
  properties: {
    availabilityZones: [
      '1'
      '2'
    ]
    count: 2
    enableAutoScaling: true
    enableNodePublicIP: false
    gpuProfile: {
      driver: 'Install'
    }
    maxCount: 2
    minCount: 2
    mode: 'User'
    nodeLabels: {
      'aizone.workload': 'assistant'
    }
    nodeTaints: [
      'nvidia.com/gpu=present:NoSchedule'
    ]
    osType: 'Linux'
    tags: {
      aizone: 'contoso-ft'
      'aizone-part': 'compute'
      costCenter: '4711'
      dataClassification: 'confidential'
      workload: 'genai-assistant'
    }
    type: 'VirtualMachineScaleSets'
    vmSize: 'Standard_NC40ads_H100_v5'
    vnetSubnetID: '${virtualNetworkVnetContosoFtEastus.id}/subnets/snet-assistant'
  }
}

resource diagnosticSettingBacontosoftToPlatformWorkspace 'Microsoft.Insights/diagnosticSettings@2016-09-01' = {
  scope: batchAccountBacontosoft
  name: 'to-platform-workspace'
  properties: {
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
      {
        categoryGroup: 'allLogs'
        enabled: false
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

resource diagnosticSettingAksContosoFtToPlatformWorkspace 'Microsoft.Insights/diagnosticSettings@2016-09-01' = {
  scope: managedClusterAksContosoFt
  name: 'to-platform-workspace'
  properties: {
    logs: [
      {
        category: 'kube-audit-admin'
        enabled: true
      }
      {
        category: 'guard'
        enabled: true
      }
      {
        category: 'cluster-autoscaler'
        enabled: true
      }
      {
        category: 'kube-apiserver'
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

resource diagnosticSettingKvcontosoftba168fToPlatformWorkspace 'Microsoft.Insights/diagnosticSettings@2016-09-01' = {
  scope: vaultKvcontosoftba168f
  name: 'to-platform-workspace'
  properties: {
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
      {
        categoryGroup: 'allLogs'
        enabled: false
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

resource diagnosticSettingCrcontosoftba168fToPlatformWorkspace 'Microsoft.Insights/diagnosticSettings@2016-09-01' = {
  scope: registryCrcontosoftba168f
  name: 'to-platform-workspace'
  properties: {
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
      {
        categoryGroup: 'allLogs'
        enabled: false
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

resource vaultKvcontosoftba168f 'Microsoft.KeyVault/vaults@2026-02-01' = {
  name: 'kvcontosoftba168f'
  location: 'eastus'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'compute'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    enablePurgeProtection: true
    enableRbacAuthorization: true
    enableSoftDelete: true
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Deny'
    }
    publicNetworkAccess: 'Disabled'
    sku: {
      family: 'A'
      name: 'standard'
    }
    softDeleteRetentionInDays: 90
    tenantId: subscription().tenantId
  }
}

resource federatedIdentityCredentialIdContosoFtAssistantAksAssistant 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2024-11-30' = {
  parent: userAssignedIdentityIdContosoFtAssistant
  name: 'aks-assistant'
  properties: {
    audiences: [
      'api://AzureADTokenExchange'
    ]
    issuer: managedClusterAksContosoFt.properties.oidcIssuerProfile.issuerURL
    subject: 'system:serviceaccount:assistant:id-contoso-ft-assistant'
  }
}

resource privateEndpointPeBacontosoftBatchaccount 'Microsoft.Network/privateEndpoints@2025-07-01' = {
  name: 'pe-bacontosoft-batchaccount'
  location: 'eastus'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'compute'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    privateLinkServiceConnections: [
      {
        name: 'pe-bacontosoft-batchaccount'
        properties: {
          groupIds: [
            'batchAccount'
          ]
          privateLinkServiceId: batchAccountBacontosoft.id
        }
      }
    ]
    subnet: {
      id: '${virtualNetworkVnetContosoFtEastus.id}/subnets/snet-private-endpoints'
    }
  }
}

resource privateEndpointPeBacontosoftNodemanagement 'Microsoft.Network/privateEndpoints@2025-07-01' = {
  name: 'pe-bacontosoft-nodemanagement'
  location: 'eastus'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'compute'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    privateLinkServiceConnections: [
      {
        name: 'pe-bacontosoft-nodemanagement'
        properties: {
          groupIds: [
            'nodeManagement'
          ]
          privateLinkServiceId: batchAccountBacontosoft.id
        }
      }
    ]
    subnet: {
      id: '${virtualNetworkVnetContosoFtEastus.id}/subnets/snet-private-endpoints'
    }
  }
}

resource privateEndpointPeCrcontosoftba168fRegistry 'Microsoft.Network/privateEndpoints@2025-07-01' = {
  name: 'pe-crcontosoftba168f-registry'
  location: 'eastus'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'compute'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    privateLinkServiceConnections: [
      {
        name: 'pe-crcontosoftba168f-registry'
        properties: {
          groupIds: [
            'registry'
          ]
          privateLinkServiceId: registryCrcontosoftba168f.id
        }
      }
    ]
    subnet: {
      id: '${virtualNetworkVnetContosoFtEastus.id}/subnets/snet-private-endpoints'
    }
  }
}

resource privateEndpointPeKvcontosoftba168fVault 'Microsoft.Network/privateEndpoints@2025-07-01' = {
  name: 'pe-kvcontosoftba168f-vault'
  location: 'eastus'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'compute'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    privateLinkServiceConnections: [
      {
        name: 'pe-kvcontosoftba168f-vault'
        properties: {
          groupIds: [
            'vault'
          ]
          privateLinkServiceId: vaultKvcontosoftba168f.id
        }
      }
    ]
    subnet: {
      id: '${virtualNetworkVnetContosoFtEastus.id}/subnets/snet-private-endpoints'
    }
  }
}

resource privateDnsZoneGroupPeBacontosoftBatchaccountDefault 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-07-01' = {
  parent: privateEndpointPeBacontosoftBatchaccount
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'privatelink-batch-azure-com'
        properties: {
          privateDnsZoneId: privateDnsZonePrivatelinkBatchAzureCom.id
        }
      }
    ]
  }
}

resource privateDnsZoneGroupPeBacontosoftNodemanagementDefault 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-07-01' = {
  parent: privateEndpointPeBacontosoftNodemanagement
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'privatelink-batch-azure-com'
        properties: {
          privateDnsZoneId: privateDnsZonePrivatelinkBatchAzureCom.id
        }
      }
    ]
  }
}

resource privateDnsZoneGroupPeCrcontosoftba168fRegistryDefault 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-07-01' = {
  parent: privateEndpointPeCrcontosoftba168fRegistry
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'privatelink-azurecr-io'
        properties: {
          privateDnsZoneId: privateDnsZonePrivatelinkAzurecrIo.id
        }
      }
    ]
  }
}

resource privateDnsZoneGroupPeKvcontosoftba168fVaultDefault 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-07-01' = {
  parent: privateEndpointPeKvcontosoftba168fVault
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'privatelink-vaultcore-azure-net'
        properties: {
          privateDnsZoneId: privateDnsZonePrivatelinkVaultcoreAzureNet.id
        }
      }
    ]
  }
}

output aksClusterId string = managedClusterAksContosoFt.id

output batchAccountId string = batchAccountBacontosoft.id

output containerRegistryId string = registryCrcontosoftba168f.id

output keyVaultId string = vaultKvcontosoftba168f.id

output poolAssistantId string = agentPoolAksContosoFtAssistant.id

output poolFinetuneId string = poolBacontosoftFinetune.id
