// The resources of one of the zone's resource groups (one stage of it), deployed by main.bicep.
// Written by aizone.
@description('Resource id of the platform\'s Log Analytics workspace that receives diagnostics')
param logAnalyticsWorkspaceId string

resource privateDnsZonePrivatelinkBlobCoreWindowsNet 'Microsoft.Network/privateDnsZones@2024-06-01' existing = {
  scope: resourceGroup('rg-contoso-ft-network-eastus')
  name: 'privatelink.blob.core.windows.net'
}

resource userAssignedIdentityIdContosoFtAssistant 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  scope: resourceGroup('rg-contoso-ft-compute-eastus')
  name: 'id-contoso-ft-assistant'
}

resource userAssignedIdentityIdContosoFtFinetune 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  scope: resourceGroup('rg-contoso-ft-compute-eastus')
  name: 'id-contoso-ft-finetune'
}

resource virtualNetworkVnetContosoFtEastus 'Microsoft.Network/virtualNetworks@2025-07-01' existing = {
  scope: resourceGroup('rg-contoso-ft-network-eastus')
  name: 'vnet-contoso-ft-eastus'
}

resource roleAssignment_58128810 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: containerStcontosoftba168fDefaultCheckpoints
  name: guid(containerStcontosoftba168fDefaultCheckpoints.id, 'id-contoso-ft-finetune', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
  properties: {
    description: 'finetune writes checkpoints (checkpoints)'
    principalId: userAssignedIdentityIdContosoFtFinetune.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
  }
}

resource roleAssignment_0c2e3b20 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: containerStcontosoftba168fDefaultModels
  name: guid(containerStcontosoftba168fDefaultModels.id, 'id-contoso-ft-assistant', '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1')
  properties: {
    description: 'assistant reads models (models)'
    principalId: userAssignedIdentityIdContosoFtAssistant.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1')
  }
}

resource roleAssignment_1aa04206 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: containerStcontosoftba168fDefaultModels
  name: guid(containerStcontosoftba168fDefaultModels.id, 'id-contoso-ft-finetune', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
  properties: {
    description: 'finetune writes models (models)'
    principalId: userAssignedIdentityIdContosoFtFinetune.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
  }
}

resource roleAssignment_ddfadb78 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: containerStcontosoftba168fDefaultSftCorpus
  name: guid(containerStcontosoftba168fDefaultSftCorpus.id, 'id-contoso-ft-finetune', '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1')
  properties: {
    description: 'finetune reads sft-corpus (dataset)'
    principalId: userAssignedIdentityIdContosoFtFinetune.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1')
  }
}

resource diagnosticSettingStcontosoftba168fToPlatformWorkspace 'Microsoft.Insights/diagnosticSettings@2016-09-01' = {
  scope: storageAccountStcontosoftba168f
  name: 'to-platform-workspace'
  properties: {
    metrics: [
      {
        category: 'Transaction'
        enabled: true
      }
    ]
    workspaceId: logAnalyticsWorkspaceId
  }
}

resource diagnosticSettingDefaultToPlatformWorkspace 'Microsoft.Insights/diagnosticSettings@2016-09-01' = {
  scope: blobServiceStcontosoftba168fDefault
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
        category: 'Transaction'
        enabled: true
      }
    ]
    workspaceId: logAnalyticsWorkspaceId
  }
}

resource privateEndpointPeStcontosoftba168fBlob 'Microsoft.Network/privateEndpoints@2025-07-01' = {
  name: 'pe-stcontosoftba168f-blob'
  location: 'eastus'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'storage'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    privateLinkServiceConnections: [
      {
        name: 'pe-stcontosoftba168f-blob'
        properties: {
          groupIds: [
            'blob'
          ]
          privateLinkServiceId: storageAccountStcontosoftba168f.id
        }
      }
    ]
    subnet: {
      id: '${virtualNetworkVnetContosoFtEastus.id}/subnets/snet-private-endpoints'
    }
  }
}

resource privateDnsZoneGroupPeStcontosoftba168fBlobDefault 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-07-01' = {
  parent: privateEndpointPeStcontosoftba168fBlob
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'privatelink-blob-core-windows-net'
        properties: {
          privateDnsZoneId: privateDnsZonePrivatelinkBlobCoreWindowsNet.id
        }
      }
    ]
  }
}

resource storageAccountStcontosoftba168f 'Microsoft.Storage/storageAccounts@2026-04-01' = {
  name: 'stcontosoftba168f'
  location: 'eastus'
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'storage'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
        }
        file: {
          enabled: true
        }
      }
    }
    minimumTlsVersion: 'TLS1_2'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Deny'
    }
    publicNetworkAccess: 'Disabled'
    supportsHttpsTrafficOnly: true
  }
}

resource blobServiceStcontosoftba168fDefault 'Microsoft.Storage/storageAccounts/blobServices@2026-04-01' = {
  parent: storageAccountStcontosoftba168f
  name: 'default'
  properties: {
    containerDeleteRetentionPolicy: {
      days: 7
      enabled: true
    }
    deleteRetentionPolicy: {
      days: 7
      enabled: true
    }
    lastAccessTimeTrackingPolicy: {
      blobType: [
        'blockBlob'
      ]
      enable: true
      name: 'AccessTimeTracking'
      trackingGranularityInDays: 1
    }
  }
}

resource containerStcontosoftba168fDefaultCheckpoints 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-04-01' = {
  parent: blobServiceStcontosoftba168fDefault
  name: 'checkpoints'
  properties: {
    publicAccess: 'None'
  }
}

resource containerStcontosoftba168fDefaultModels 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-04-01' = {
  parent: blobServiceStcontosoftba168fDefault
  name: 'models'
  properties: {
    publicAccess: 'None'
  }
}

resource containerStcontosoftba168fDefaultSftCorpus 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-04-01' = {
  parent: blobServiceStcontosoftba168fDefault
  name: 'sft-corpus'
  properties: {
    publicAccess: 'None'
  }
}

resource managementPolicyStcontosoftba168fDefault 'Microsoft.Storage/storageAccounts/managementPolicies@2026-04-01' = {
  parent: storageAccountStcontosoftba168f
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          definition: {
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: 365
                }
                tierToArchive: {
                  daysAfterModificationGreaterThan: 134
                }
                tierToCold: {
                  daysAfterModificationGreaterThan: 44
                }
                tierToCool: {
                  daysAfterModificationGreaterThan: 14
                }
              }
              snapshot: {
                delete: {
                  daysAfterCreationGreaterThan: 365
                }
              }
              version: {
                delete: {
                  daysAfterCreationGreaterThan: 365
                }
              }
            }
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                'sft-corpus/'
              ]
            }
          }
          enabled: true
          name: 'sftCorpus'
          type: 'Lifecycle'
        }
        {
          definition: {
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: 90
                }
                tierToCool: {
                  daysAfterModificationGreaterThan: 7
                }
              }
              snapshot: {
                delete: {
                  daysAfterCreationGreaterThan: 90
                }
              }
              version: {
                delete: {
                  daysAfterCreationGreaterThan: 90
                }
              }
            }
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                'checkpoints/'
              ]
            }
          }
          enabled: true
          name: 'checkpoints'
          type: 'Lifecycle'
        }
      ]
    }
  }
}

output storageAccountId string = storageAccountStcontosoftba168f.id
