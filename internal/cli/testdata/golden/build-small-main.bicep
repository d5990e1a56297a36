// The zone at subscription scope: its resource groups, the guardrail policies, the budget, and one
// module per resource group and stage. Written by aizone from the zone's resource model.
targetScope = 'subscription'

@description('Action group ids the budget alerts go to')
param budgetActionGroups array

@description('Monthly budget of the subscription in the billing currency (USD)')
param budgetAmount int

@description('E-mail addresses the budget alerts go to')
param budgetContactEmails array

@description('First day of the budget (the first of a month)')
param budgetStartDate string = utcNow('yyyy-MM-01')

@description('DNS servers of the zone\'s VNets (the hub\'s resolver or firewall DNS proxy)')
param dnsServers array

@description('Private IP address of the platform hub\'s firewall; the spokes route 0.0.0.0/0 to it')
param firewallPrivateIp string

@description('Resource id of the platform hub VNet the zone\'s spokes peer to')
param hubVirtualNetworkId string

@description('Resource id of the platform\'s Log Analytics workspace that receives diagnostics')
param logAnalyticsWorkspaceId string

resource policyAssignmentAizoneGuardrailsContosoFt 'Microsoft.Authorization/policyAssignments@2026-06-01' = {
  name: 'aizone-guardrails-contoso-ft'
  location: 'eastus'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    description: 'aizone\'s AI guardrails, assigned to the zone\'s subscription. Effects and lists are parameters of this assignment.'
    displayName: 'AI guardrails for zone contoso-ft'
    enforcementMode: 'Default'
    nonComplianceMessages: [
      {
        message: 'aizone guardrail AllowedGpuSizes: AI zone: only the allowed GPU VM sizes'
        policyDefinitionReferenceId: 'AllowedGpuSizes'
      }
      {
        message: 'aizone guardrail GpuNodesNoPublicIp: AI zone: no public IP on GPU or HPC nodes or their NICs'
        policyDefinitionReferenceId: 'GpuNodesNoPublicIp'
      }
      {
        message: 'aizone guardrail SpotRequiresPreemptionTag: AI zone: Spot capacity only where a tag allows preemption'
        policyDefinitionReferenceId: 'SpotRequiresPreemptionTag'
      }
      {
        message: 'aizone guardrail StoragePublicNetworkDisabled: AI zone: storage accounts with public network access disabled'
        policyDefinitionReferenceId: 'StoragePublicNetworkDisabled'
      }
      {
        message: 'aizone guardrail StorageSecureAccess: AI zone: storage accounts without anonymous access, over TLS 1.2 or later'
        policyDefinitionReferenceId: 'StorageSecureAccess'
      }
      {
        message: 'aizone guardrail StorageLifecyclePolicy: AI zone: storage accounts have a lifecycle management policy'
        policyDefinitionReferenceId: 'StorageLifecyclePolicy'
      }
      {
        message: 'aizone guardrail HotStoragePrivateSubnets: AI zone: Managed Lustre and NetApp volumes only in private subnets'
        policyDefinitionReferenceId: 'HotStoragePrivateSubnets'
      }
      {
        message: 'aizone guardrail AiControlPlanesPrivate: AI zone: AI control planes private and without local keys'
        policyDefinitionReferenceId: 'AiControlPlanesPrivate'
      }
      {
        message: 'aizone guardrail RequireCostCenterTag: AI zone: resource groups carry a required tag: costCenter'
        policyDefinitionReferenceId: 'RequireCostCenterTag'
      }
      {
        message: 'aizone guardrail RequireWorkloadTag: AI zone: resource groups carry a required tag: workload'
        policyDefinitionReferenceId: 'RequireWorkloadTag'
      }
      {
        message: 'aizone guardrail RequireDataClassificationTag: AI zone: resource groups carry a required tag: dataClassification'
        policyDefinitionReferenceId: 'RequireDataClassificationTag'
      }
      {
        message: 'aizone guardrail InheritCostCenterTag: AI zone: resources inherit a tag from their resource group: costCenter'
        policyDefinitionReferenceId: 'InheritCostCenterTag'
      }
      {
        message: 'aizone guardrail InheritWorkloadTag: AI zone: resources inherit a tag from their resource group: workload'
        policyDefinitionReferenceId: 'InheritWorkloadTag'
      }
      {
        message: 'aizone guardrail InheritDataClassificationTag: AI zone: resources inherit a tag from their resource group: dataClassification'
        policyDefinitionReferenceId: 'InheritDataClassificationTag'
      }
    ]
    parameters: {
      aiControlPlaneEffect: {
        value: 'Deny'
      }
      allowedGpuSizes: {
        value: [
          'Standard_NC40ads_H100_v5'
          'Standard_ND96isr_H200_v5'
        ]
      }
      costCenterTagName: {
        value: 'costCenter'
      }
      dataClassificationTagName: {
        value: 'dataClassification'
      }
      gpuPublicIpEffect: {
        value: 'Deny'
      }
      gpuSizesEffect: {
        value: 'Deny'
      }
      gpuSubnetNames: {
        value: [
          'snet-assistant'
          'snet-finetune'
        ]
      }
      hotStorageSubnetEffect: {
        value: 'Deny'
      }
      inheritTagsEffect: {
        value: 'Modify'
      }
      preemptionTagName: {
        value: 'preemptible'
      }
      preemptionTagValues: {
        value: [
          'true'
        ]
      }
      requiredTagsEffect: {
        value: 'Deny'
      }
      spotEffect: {
        value: 'Deny'
      }
      storageLifecycleEffect: {
        value: 'AuditIfNotExists'
      }
      storagePublicNetworkEffect: {
        value: 'Deny'
      }
      storageSecureAccessEffect: {
        value: 'Deny'
      }
      storageSubnetNames: {
        value: []
      }
      workloadTagName: {
        value: 'workload'
      }
    }
    policyDefinitionId: policySetDefinitionAizoneAiGuardrails.id
  }
}

resource policyDefinitionAizoneAiControlPlanesPrivate 'Microsoft.Authorization/policyDefinitions@2026-06-01' = {
  name: 'aizone-ai-control-planes-private'
  properties: {
    description: 'The services that start GPU jobs and serve models are reached only from private networks and authenticate with Microsoft Entra ID, never with keys or local accounts. Batch accounts, AI services (including Azure OpenAI), Machine Learning workspaces and container registries must disable public network access; Batch must not allow shared keys, AI services must disable local auth, registries their admin user; AKS clusters must be private, without local accounts.'
    displayName: 'AI zone: AI control planes private and without local keys'
    metadata: {
      category: 'AI landing zone'
      source: 'aizone'
      version: '1.0.0'
    }
    mode: 'Indexed'
    parameters: {
      effect: {
        allowedValues: [
          'Audit'
          'Deny'
          'Disabled'
        ]
        defaultValue: 'Deny'
        metadata: {
          description: 'Deny blocks a public or key-authenticated AI control plane; Audit reports it; Disabled turns the policy off.'
          displayName: 'Effect'
        }
        type: 'String'
      }
    }
    policyRule: {
      if: {
        anyOf: [
          {
            allOf: [
              {
                equals: 'Microsoft.Batch/batchAccounts'
                field: 'type'
              }
              {
                anyOf: [
                  {
                    field: 'Microsoft.Batch/batchAccounts/publicNetworkAccess'
                    notEquals: 'Disabled'
                  }
                  {
                    exists: false
                    field: 'Microsoft.Batch/batchAccounts/allowedAuthenticationModes'
                  }
                  {
                    not: {
                      field: 'Microsoft.Batch/batchAccounts/allowedAuthenticationModes[*]'
                      notEquals: 'SharedKey'
                    }
                  }
                ]
              }
            ]
          }
          {
            allOf: [
              {
                equals: 'Microsoft.CognitiveServices/accounts'
                field: 'type'
              }
              {
                anyOf: [
                  {
                    field: 'Microsoft.CognitiveServices/accounts/publicNetworkAccess'
                    notEquals: 'Disabled'
                  }
                  {
                    field: 'Microsoft.CognitiveServices/accounts/disableLocalAuth'
                    notEquals: true
                  }
                ]
              }
            ]
          }
          {
            allOf: [
              {
                equals: 'Microsoft.MachineLearningServices/workspaces'
                field: 'type'
              }
              {
                field: 'Microsoft.MachineLearningServices/workspaces/publicNetworkAccess'
                notEquals: 'Disabled'
              }
            ]
          }
          {
            allOf: [
              {
                equals: 'Microsoft.ContainerRegistry/registries'
                field: 'type'
              }
              {
                anyOf: [
                  {
                    field: 'Microsoft.ContainerRegistry/registries/publicNetworkAccess'
                    notEquals: 'Disabled'
                  }
                  {
                    equals: true
                    field: 'Microsoft.ContainerRegistry/registries/adminUserEnabled'
                  }
                ]
              }
            ]
          }
          {
            allOf: [
              {
                equals: 'Microsoft.ContainerService/managedClusters'
                field: 'type'
              }
              {
                anyOf: [
                  {
                    field: 'Microsoft.ContainerService/managedClusters/apiServerAccessProfile.enablePrivateCluster'
                    notEquals: true
                  }
                  {
                    field: 'Microsoft.ContainerService/managedClusters/disableLocalAccounts'
                    notEquals: true
                  }
                ]
              }
            ]
          }
        ]
      }
      then: {
        effect: '[parameters(\'effect\')]'
      }
    }
    policyType: 'Custom'
  }
}

resource policyDefinitionAizoneAllowedGpuSizes 'Microsoft.Authorization/policyDefinitions@2026-06-01' = {
  name: 'aizone-allowed-gpu-sizes'
  properties: {
    description: 'GPU capacity is the scarcest and most expensive thing an AI landing zone holds, and quota is granted per size family. Only the GPU sizes (the N-series, Standard_N*) listed for this scope may be deployed, whether as virtual machines, scale sets, Azure Batch pools, AKS agent pools or Azure Machine Learning compute. Sizes outside the N-series are not restricted by this policy.'
    displayName: 'AI zone: only the allowed GPU VM sizes'
    metadata: {
      category: 'AI landing zone'
      source: 'aizone'
      version: '1.0.0'
    }
    mode: 'All'
    parameters: {
      allowedGpuSizes: {
        metadata: {
          description: 'GPU VM sizes (Standard_N*) that may be deployed at this scope, such as Standard_ND96isr_H100_v5. An empty list allows none.'
          displayName: 'Allowed GPU VM sizes'
          strongType: 'vmSKUs'
        }
        type: 'Array'
      }
      effect: {
        allowedValues: [
          'Audit'
          'Deny'
          'Disabled'
        ]
        defaultValue: 'Deny'
        metadata: {
          description: 'Deny blocks a disallowed GPU size; Audit reports it; Disabled turns the policy off.'
          displayName: 'Effect'
        }
        type: 'String'
      }
    }
    policyRule: {
      if: {
        anyOf: [
          {
            allOf: [
              {
                equals: 'Microsoft.Compute/virtualMachines'
                field: 'type'
              }
              {
                field: 'Microsoft.Compute/virtualMachines/sku.name'
                like: 'Standard_N*'
              }
              {
                field: 'Microsoft.Compute/virtualMachines/sku.name'
                notIn: '[parameters(\'allowedGpuSizes\')]'
              }
            ]
          }
          {
            allOf: [
              {
                equals: 'Microsoft.Compute/virtualMachineScaleSets'
                field: 'type'
              }
              {
                field: 'Microsoft.Compute/virtualMachineScaleSets/sku.name'
                like: 'Standard_N*'
              }
              {
                field: 'Microsoft.Compute/virtualMachineScaleSets/sku.name'
                notIn: '[parameters(\'allowedGpuSizes\')]'
              }
            ]
          }
          {
            allOf: [
              {
                equals: 'Microsoft.Batch/batchAccounts/pools'
                field: 'type'
              }
              {
                field: 'Microsoft.Batch/batchAccounts/pools/vmSize'
                like: 'Standard_N*'
              }
              {
                field: 'Microsoft.Batch/batchAccounts/pools/vmSize'
                notIn: '[parameters(\'allowedGpuSizes\')]'
              }
            ]
          }
          {
            allOf: [
              {
                equals: 'Microsoft.ContainerService/managedClusters/agentPools'
                field: 'type'
              }
              {
                field: 'Microsoft.ContainerService/managedClusters/agentPools/vmSize'
                like: 'Standard_N*'
              }
              {
                field: 'Microsoft.ContainerService/managedClusters/agentPools/vmSize'
                notIn: '[parameters(\'allowedGpuSizes\')]'
              }
            ]
          }
          {
            allOf: [
              {
                equals: 'Microsoft.ContainerService/managedClusters'
                field: 'type'
              }
              {
                count: {
                  field: 'Microsoft.ContainerService/managedClusters/agentPoolProfiles[*]'
                  where: {
                    allOf: [
                      {
                        field: 'Microsoft.ContainerService/managedClusters/agentPoolProfiles[*].vmSize'
                        like: 'Standard_N*'
                      }
                      {
                        field: 'Microsoft.ContainerService/managedClusters/agentPoolProfiles[*].vmSize'
                        notIn: '[parameters(\'allowedGpuSizes\')]'
                      }
                    ]
                  }
                }
                greater: 0
              }
            ]
          }
          {
            allOf: [
              {
                equals: 'Microsoft.MachineLearningServices/workspaces/computes'
                field: 'type'
              }
              {
                field: 'Microsoft.MachineLearningServices/workspaces/computes/vmSize'
                like: 'Standard_N*'
              }
              {
                field: 'Microsoft.MachineLearningServices/workspaces/computes/vmSize'
                notIn: '[parameters(\'allowedGpuSizes\')]'
              }
            ]
          }
        ]
      }
      then: {
        effect: '[parameters(\'effect\')]'
      }
    }
    policyType: 'Custom'
  }
}

resource policyDefinitionAizoneGpuNodesNoPublicIp 'Microsoft.Authorization/policyDefinitions@2026-06-01' = {
  name: 'aizone-gpu-nodes-no-public-ip'
  properties: {
    description: 'GPU nodes (Standard_N*) and InfiniBand HPC nodes (Standard_H*) hold model weights and training data and run images with broad driver stacks; they reach the internet, if at all, through the platform\'s egress, and are reached only from private networks. No virtual machine, scale set, Azure Batch pool, AKS agent pool or Azure Machine Learning compute of those sizes may have a public IP, and no network interface in a subnet listed for GPU nodes may have one.'
    displayName: 'AI zone: no public IP on GPU or HPC nodes or their NICs'
    metadata: {
      category: 'AI landing zone'
      source: 'aizone'
      version: '1.0.0'
    }
    mode: 'All'
    parameters: {
      effect: {
        allowedValues: [
          'Audit'
          'Deny'
          'Disabled'
        ]
        defaultValue: 'Deny'
        metadata: {
          description: 'Deny blocks a public IP on a GPU node; Audit reports it; Disabled turns the policy off.'
          displayName: 'Effect'
        }
        type: 'String'
      }
      gpuSubnetNames: {
        defaultValue: []
        metadata: {
          description: 'Names of the subnets that hold GPU or HPC nodes; network interfaces in them may not have a public IP.'
          displayName: 'GPU subnet names'
        }
        type: 'Array'
      }
    }
    policyRule: {
      if: {
        anyOf: [
          {
            allOf: [
              {
                equals: 'Microsoft.Compute/virtualMachines'
                field: 'type'
              }
              {
                anyOf: [
                  {
                    field: 'Microsoft.Compute/virtualMachines/sku.name'
                    like: 'Standard_N*'
                  }
                  {
                    field: 'Microsoft.Compute/virtualMachines/sku.name'
                    like: 'Standard_H*'
                  }
                ]
              }
              {
                not: {
                  exists: false
                  field: 'Microsoft.Compute/virtualMachines/networkProfile.networkInterfaceConfigurations[*].ipConfigurations[*].publicIPAddressConfiguration'
                }
              }
            ]
          }
          {
            allOf: [
              {
                equals: 'Microsoft.Compute/virtualMachineScaleSets'
                field: 'type'
              }
              {
                anyOf: [
                  {
                    field: 'Microsoft.Compute/virtualMachineScaleSets/sku.name'
                    like: 'Standard_N*'
                  }
                  {
                    field: 'Microsoft.Compute/virtualMachineScaleSets/sku.name'
                    like: 'Standard_H*'
                  }
                ]
              }
              {
                not: {
                  exists: false
                  field: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachineProfile.networkProfile.networkInterfaceConfigurations[*].ipConfigurations[*].publicIPAddressConfiguration'
                }
              }
            ]
          }
          {
            allOf: [
              {
                equals: 'Microsoft.Batch/batchAccounts/pools'
                field: 'type'
              }
              {
                anyOf: [
                  {
                    field: 'Microsoft.Batch/batchAccounts/pools/vmSize'
                    like: 'Standard_N*'
                  }
                  {
                    field: 'Microsoft.Batch/batchAccounts/pools/vmSize'
                    like: 'Standard_H*'
                  }
                ]
              }
              {
                field: 'Microsoft.Batch/batchAccounts/pools/networkConfiguration.publicIPAddressConfiguration.provision'
                notEquals: 'NoPublicIPAddresses'
              }
            ]
          }
          {
            allOf: [
              {
                equals: 'Microsoft.ContainerService/managedClusters/agentPools'
                field: 'type'
              }
              {
                anyOf: [
                  {
                    field: 'Microsoft.ContainerService/managedClusters/agentPools/vmSize'
                    like: 'Standard_N*'
                  }
                  {
                    field: 'Microsoft.ContainerService/managedClusters/agentPools/vmSize'
                    like: 'Standard_H*'
                  }
                ]
              }
              {
                equals: true
                field: 'Microsoft.ContainerService/managedClusters/agentPools/enableNodePublicIP'
              }
            ]
          }
          {
            allOf: [
              {
                equals: 'Microsoft.ContainerService/managedClusters'
                field: 'type'
              }
              {
                count: {
                  field: 'Microsoft.ContainerService/managedClusters/agentPoolProfiles[*]'
                  where: {
                    allOf: [
                      {
                        anyOf: [
                          {
                            field: 'Microsoft.ContainerService/managedClusters/agentPoolProfiles[*].vmSize'
                            like: 'Standard_N*'
                          }
                          {
                            field: 'Microsoft.ContainerService/managedClusters/agentPoolProfiles[*].vmSize'
                            like: 'Standard_H*'
                          }
                        ]
                      }
                      {
                        equals: true
                        field: 'Microsoft.ContainerService/managedClusters/agentPoolProfiles[*].enableNodePublicIP'
                      }
                    ]
                  }
                }
                greater: 0
              }
            ]
          }
          {
            allOf: [
              {
                equals: 'Microsoft.MachineLearningServices/workspaces/computes'
                field: 'type'
              }
              {
                anyOf: [
                  {
                    field: 'Microsoft.MachineLearningServices/workspaces/computes/vmSize'
                    like: 'Standard_N*'
                  }
                  {
                    field: 'Microsoft.MachineLearningServices/workspaces/computes/vmSize'
                    like: 'Standard_H*'
                  }
                ]
              }
              {
                field: 'Microsoft.MachineLearningServices/workspaces/computes/enableNodePublicIp'
                notEquals: false
              }
            ]
          }
          {
            allOf: [
              {
                equals: 'Microsoft.Network/networkInterfaces'
                field: 'type'
              }
              {
                not: {
                  exists: false
                  field: 'Microsoft.Network/networkInterfaces/ipconfigurations[*].publicIpAddress.id'
                }
              }
              {
                count: {
                  name: 'subnet'
                  value: '[parameters(\'gpuSubnetNames\')]'
                  where: {
                    not: {
                      field: 'Microsoft.Network/networkInterfaces/ipconfigurations[*].subnet.id'
                      notLike: '[concat(\'*/subnets/\', current(\'subnet\'))]'
                    }
                  }
                }
                greater: 0
              }
            ]
          }
        ]
      }
      then: {
        effect: '[parameters(\'effect\')]'
      }
    }
    policyType: 'Custom'
  }
}

resource policyDefinitionAizoneHotStoragePrivateSubnets 'Microsoft.Authorization/policyDefinitions@2026-06-01' = {
  name: 'aizone-hot-storage-private-subnets'
  properties: {
    description: 'Managed Lustre and Azure NetApp Files serve Lustre and NFS without per-user authentication: whoever reaches the subnet reaches the data. The subnets listed for hot storage must have a network security group and no default outbound access, no network interface in them may have a public IP, and NetApp volumes may only be created in them. Managed Lustre publishes no policy aliases, so it is covered through the subnets it is placed in.'
    displayName: 'AI zone: Managed Lustre and NetApp volumes only in private subnets'
    metadata: {
      category: 'AI landing zone'
      source: 'aizone'
      version: '1.0.0'
    }
    mode: 'All'
    parameters: {
      effect: {
        allowedValues: [
          'Audit'
          'Deny'
          'Disabled'
        ]
        defaultValue: 'Deny'
        metadata: {
          description: 'Deny blocks a hot-storage subnet that is exposed and a NetApp volume outside the listed subnets; Audit reports them; Disabled turns the policy off.'
          displayName: 'Effect'
        }
        type: 'String'
      }
      storageSubnetNames: {
        defaultValue: []
        metadata: {
          description: 'Names of the subnets that hold Managed Lustre file systems and NetApp volumes. An empty list allows no NetApp volume.'
          displayName: 'Hot-storage subnet names'
        }
        type: 'Array'
      }
    }
    policyRule: {
      if: {
        anyOf: [
          {
            allOf: [
              {
                equals: 'Microsoft.Network/virtualNetworks'
                field: 'type'
              }
              {
                count: {
                  field: 'Microsoft.Network/virtualNetworks/subnets[*]'
                  where: {
                    allOf: [
                      {
                        field: 'Microsoft.Network/virtualNetworks/subnets[*].name'
                        in: '[parameters(\'storageSubnetNames\')]'
                      }
                      {
                        anyOf: [
                          {
                            exists: false
                            field: 'Microsoft.Network/virtualNetworks/subnets[*].networkSecurityGroup.id'
                          }
                          {
                            field: 'Microsoft.Network/virtualNetworks/subnets[*].defaultOutboundAccess'
                            notEquals: false
                          }
                        ]
                      }
                    ]
                  }
                }
                greater: 0
              }
            ]
          }
          {
            allOf: [
              {
                equals: 'Microsoft.Network/virtualNetworks/subnets'
                field: 'type'
              }
              {
                field: 'name'
                in: '[parameters(\'storageSubnetNames\')]'
              }
              {
                anyOf: [
                  {
                    exists: false
                    field: 'Microsoft.Network/virtualNetworks/subnets/networkSecurityGroup.id'
                  }
                  {
                    field: 'Microsoft.Network/virtualNetworks/subnets/defaultOutboundAccess'
                    notEquals: false
                  }
                ]
              }
            ]
          }
          {
            allOf: [
              {
                equals: 'Microsoft.Network/networkInterfaces'
                field: 'type'
              }
              {
                not: {
                  exists: false
                  field: 'Microsoft.Network/networkInterfaces/ipconfigurations[*].publicIpAddress.id'
                }
              }
              {
                count: {
                  name: 'subnet'
                  value: '[parameters(\'storageSubnetNames\')]'
                  where: {
                    not: {
                      field: 'Microsoft.Network/networkInterfaces/ipconfigurations[*].subnet.id'
                      notLike: '[concat(\'*/subnets/\', current(\'subnet\'))]'
                    }
                  }
                }
                greater: 0
              }
            ]
          }
          {
            allOf: [
              {
                equals: 'Microsoft.NetApp/netAppAccounts/capacityPools/volumes'
                field: 'type'
              }
              {
                notIn: '[parameters(\'storageSubnetNames\')]'
                value: '[last(split(coalesce(field(\'Microsoft.NetApp/netAppAccounts/capacityPools/volumes/subnetId\'), \'\'), \'/\'))]'
              }
            ]
          }
        ]
      }
      then: {
        effect: '[parameters(\'effect\')]'
      }
    }
    policyType: 'Custom'
  }
}

resource policyDefinitionAizoneInheritTagFromResourceGroup 'Microsoft.Authorization/policyDefinitions@2026-06-01' = {
  name: 'aizone-inherit-tag-from-resource-group'
  properties: {
    description: 'Cost reports group spend by the tags on each resource, not on its resource group. A resource that lacks the named tag gets its resource group\'s value when it is created or updated, and a remediation task can add it to existing resources. Resources that already carry the tag keep their own value.'
    displayName: 'AI zone: resources inherit a tag from their resource group'
    metadata: {
      category: 'AI landing zone'
      source: 'aizone'
      version: '1.0.0'
    }
    mode: 'Indexed'
    parameters: {
      effect: {
        allowedValues: [
          'Modify'
          'Disabled'
        ]
        defaultValue: 'Modify'
        metadata: {
          description: 'Modify adds the resource group\'s tag to the resource; Disabled turns the policy off.'
          displayName: 'Effect'
        }
        type: 'String'
      }
      tagName: {
        metadata: {
          description: 'Name of the tag to inherit, such as costCenter.'
          displayName: 'Tag name'
        }
        type: 'String'
      }
    }
    policyRule: {
      if: {
        allOf: [
          {
            contains: '/resourceGroups/'
            field: 'id'
          }
          {
            anyOf: [
              {
                exists: false
                field: '[concat(\'tags[\', parameters(\'tagName\'), \']\')]'
              }
              {
                equals: ''
                field: '[concat(\'tags[\', parameters(\'tagName\'), \']\')]'
              }
            ]
          }
          {
            notEquals: ''
            value: '[if(contains(coalesce(resourceGroup().tags, createObject()), parameters(\'tagName\')), resourceGroup().tags[parameters(\'tagName\')], \'\')]'
          }
        ]
      }
      then: {
        details: {
          operations: [
            {
              field: '[concat(\'tags[\', parameters(\'tagName\'), \']\')]'
              operation: 'addOrReplace'
              value: '[resourceGroup().tags[parameters(\'tagName\')]]'
            }
          ]
          roleDefinitionIds: [
            '/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c'
          ]
        }
        effect: '[parameters(\'effect\')]'
      }
    }
    policyType: 'Custom'
  }
}

resource policyDefinitionAizoneRequireTagOnResourceGroups 'Microsoft.Authorization/policyDefinitions@2026-06-01' = {
  name: 'aizone-require-tag-on-resource-groups'
  properties: {
    description: 'GPU spend has to be charged back to a cost centre and a workload, and the handling of training data depends on its classification. Resource groups must carry the named tag with a non-empty value; resources inherit it from their resource group (see the inherit policy), so the tag is set once per group.'
    displayName: 'AI zone: resource groups carry a required tag'
    metadata: {
      category: 'AI landing zone'
      source: 'aizone'
      version: '1.0.0'
    }
    mode: 'All'
    parameters: {
      effect: {
        allowedValues: [
          'Audit'
          'Deny'
          'Disabled'
        ]
        defaultValue: 'Deny'
        metadata: {
          description: 'Deny blocks a resource group without the tag; Audit reports it; Disabled turns the policy off.'
          displayName: 'Effect'
        }
        type: 'String'
      }
      tagName: {
        metadata: {
          description: 'Name of the tag every resource group must carry, such as costCenter.'
          displayName: 'Tag name'
        }
        type: 'String'
      }
    }
    policyRule: {
      if: {
        allOf: [
          {
            equals: 'Microsoft.Resources/subscriptions/resourceGroups'
            field: 'type'
          }
          {
            anyOf: [
              {
                exists: false
                field: '[concat(\'tags[\', parameters(\'tagName\'), \']\')]'
              }
              {
                equals: ''
                field: '[concat(\'tags[\', parameters(\'tagName\'), \']\')]'
              }
            ]
          }
        ]
      }
      then: {
        effect: '[parameters(\'effect\')]'
      }
    }
    policyType: 'Custom'
  }
}

resource policyDefinitionAizoneSpotRequiresPreemptionTag 'Microsoft.Authorization/policyDefinitions@2026-06-01' = {
  name: 'aizone-spot-requires-preemption-tag'
  properties: {
    description: 'Spot and low-priority capacity is evicted at short notice: fine for checkpointed training or batch data preparation, an outage for inference. Spot VMs, scale sets, AKS agent pools (node pool tags), low-priority Batch nodes and Machine Learning compute are allowed only when the resource or its resource group carries the preemption tag with an allowed value. A Batch pool metadata entry of that name counts as the tag.'
    displayName: 'AI zone: Spot capacity only where a tag allows preemption'
    metadata: {
      category: 'AI landing zone'
      source: 'aizone'
      version: '1.0.0'
    }
    mode: 'All'
    parameters: {
      effect: {
        allowedValues: [
          'Audit'
          'Deny'
          'Disabled'
        ]
        defaultValue: 'Deny'
        metadata: {
          description: 'Deny blocks Spot capacity without the tag; Audit reports it; Disabled turns the policy off.'
          displayName: 'Effect'
        }
        type: 'String'
      }
      tagName: {
        defaultValue: 'preemptible'
        metadata: {
          description: 'Tag that says a workload tolerates preemption.'
          displayName: 'Preemption tag name'
        }
        type: 'String'
      }
      tagValues: {
        defaultValue: [
          'true'
        ]
        metadata: {
          description: 'Values of the tag that allow Spot capacity.'
          displayName: 'Preemption tag values'
        }
        type: 'Array'
      }
    }
    policyRule: {
      if: {
        allOf: [
          {
            anyOf: [
              {
                allOf: [
                  {
                    equals: 'Microsoft.Compute/virtualMachines'
                    field: 'type'
                  }
                  {
                    field: 'Microsoft.Compute/virtualMachines/priority'
                    in: [
                      'Spot'
                      'Low'
                    ]
                  }
                  {
                    field: '[concat(\'tags[\', parameters(\'tagName\'), \']\')]'
                    notIn: '[parameters(\'tagValues\')]'
                  }
                ]
              }
              {
                allOf: [
                  {
                    equals: 'Microsoft.Compute/virtualMachineScaleSets'
                    field: 'type'
                  }
                  {
                    field: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachineProfile.priority'
                    in: [
                      'Spot'
                      'Low'
                    ]
                  }
                  {
                    field: '[concat(\'tags[\', parameters(\'tagName\'), \']\')]'
                    notIn: '[parameters(\'tagValues\')]'
                  }
                ]
              }
              {
                allOf: [
                  {
                    equals: 'Microsoft.Batch/batchAccounts/pools'
                    field: 'type'
                  }
                  {
                    anyOf: [
                      {
                        field: 'Microsoft.Batch/batchAccounts/pools/scaleSettings.fixedScale.targetLowPriorityNodes'
                        greater: 0
                      }
                      {
                        contains: 'LowPriority'
                        field: 'Microsoft.Batch/batchAccounts/pools/scaleSettings.autoScale.formula'
                      }
                    ]
                  }
                  {
                    field: '[concat(\'tags[\', parameters(\'tagName\'), \']\')]'
                    notIn: '[parameters(\'tagValues\')]'
                  }
                  {
                    count: {
                      field: 'Microsoft.Batch/batchAccounts/pools/metadata[*]'
                      where: {
                        allOf: [
                          {
                            equals: '[parameters(\'tagName\')]'
                            field: 'Microsoft.Batch/batchAccounts/pools/metadata[*].name'
                          }
                          {
                            field: 'Microsoft.Batch/batchAccounts/pools/metadata[*].value'
                            in: '[parameters(\'tagValues\')]'
                          }
                        ]
                      }
                    }
                    equals: 0
                  }
                ]
              }
              {
                allOf: [
                  {
                    equals: 'Microsoft.MachineLearningServices/workspaces/computes'
                    field: 'type'
                  }
                  {
                    equals: 'LowPriority'
                    field: 'Microsoft.MachineLearningServices/workspaces/computes/vmPriority'
                  }
                  {
                    field: '[concat(\'tags[\', parameters(\'tagName\'), \']\')]'
                    notIn: '[parameters(\'tagValues\')]'
                  }
                ]
              }
              {
                allOf: [
                  {
                    equals: 'Microsoft.ContainerService/managedClusters/agentPools'
                    field: 'type'
                  }
                  {
                    equals: 'Spot'
                    field: 'Microsoft.ContainerService/managedClusters/agentPools/scaleSetPriority'
                  }
                  {
                    notIn: '[parameters(\'tagValues\')]'
                    value: '[if(contains(coalesce(field(\'Microsoft.ContainerService/managedClusters/agentPools/tags\'), createObject()), parameters(\'tagName\')), field(\'Microsoft.ContainerService/managedClusters/agentPools/tags\')[parameters(\'tagName\')], \'\')]'
                  }
                ]
              }
              {
                allOf: [
                  {
                    equals: 'Microsoft.ContainerService/managedClusters'
                    field: 'type'
                  }
                  {
                    count: {
                      field: 'Microsoft.ContainerService/managedClusters/agentPoolProfiles[*]'
                      where: {
                        allOf: [
                          {
                            equals: 'Spot'
                            field: 'Microsoft.ContainerService/managedClusters/agentPoolProfiles[*].scaleSetPriority'
                          }
                          {
                            notIn: '[parameters(\'tagValues\')]'
                            value: '[if(contains(coalesce(current(\'Microsoft.ContainerService/managedClusters/agentPoolProfiles[*].tags\'), createObject()), parameters(\'tagName\')), current(\'Microsoft.ContainerService/managedClusters/agentPoolProfiles[*].tags\')[parameters(\'tagName\')], \'\')]'
                          }
                        ]
                      }
                    }
                    greater: 0
                  }
                ]
              }
            ]
          }
          {
            notIn: '[parameters(\'tagValues\')]'
            value: '[if(contains(coalesce(resourceGroup().tags, createObject()), parameters(\'tagName\')), resourceGroup().tags[parameters(\'tagName\')], \'\')]'
          }
        ]
      }
      then: {
        effect: '[parameters(\'effect\')]'
      }
    }
    policyType: 'Custom'
  }
}

resource policyDefinitionAizoneStorageLifecyclePolicy 'Microsoft.Authorization/policyDefinitions@2026-06-01' = {
  name: 'aizone-storage-lifecycle-policy'
  properties: {
    description: 'Datasets and checkpoints are hot for weeks and then kept for months or years; without lifecycle rules they stay in the Hot tier and cost several times what Cool, Cold or Archive would. Every general-purpose v2, Blob or premium block blob storage account must have a lifecycle management policy with at least one enabled rule.'
    displayName: 'AI zone: storage accounts have a lifecycle management policy'
    metadata: {
      category: 'AI landing zone'
      source: 'aizone'
      version: '1.0.0'
    }
    mode: 'Indexed'
    parameters: {
      effect: {
        allowedValues: [
          'AuditIfNotExists'
          'Disabled'
        ]
        defaultValue: 'AuditIfNotExists'
        metadata: {
          description: 'AuditIfNotExists reports an account without a lifecycle policy; Disabled turns the policy off.'
          displayName: 'Effect'
        }
        type: 'String'
      }
    }
    policyRule: {
      if: {
        allOf: [
          {
            equals: 'Microsoft.Storage/storageAccounts'
            field: 'type'
          }
          {
            field: 'kind'
            in: [
              'StorageV2'
              'BlobStorage'
              'BlockBlobStorage'
            ]
          }
        ]
      }
      then: {
        details: {
          existenceCondition: {
            count: {
              field: 'Microsoft.Storage/storageAccounts/managementPolicies/policy.rules[*]'
              where: {
                field: 'Microsoft.Storage/storageAccounts/managementPolicies/policy.rules[*].enabled'
                notEquals: false
              }
            }
            greater: 0
          }
          name: 'default'
          type: 'Microsoft.Storage/storageAccounts/managementPolicies'
        }
        effect: '[parameters(\'effect\')]'
      }
    }
    policyType: 'Custom'
  }
}

resource policyDefinitionAizoneStoragePublicNetworkDisabled 'Microsoft.Authorization/policyDefinitions@2026-06-01' = {
  name: 'aizone-storage-public-network-disabled'
  properties: {
    description: 'Training corpora, checkpoints and released models are the zone\'s most valuable data. Storage accounts are reached only through private endpoints: publicNetworkAccess must be Disabled, which also overrides any IP or virtual network rule that would open the public endpoint.'
    displayName: 'AI zone: storage accounts with public network access disabled'
    metadata: {
      category: 'AI landing zone'
      source: 'aizone'
      version: '1.0.0'
    }
    mode: 'Indexed'
    parameters: {
      effect: {
        allowedValues: [
          'Audit'
          'Deny'
          'Disabled'
        ]
        defaultValue: 'Deny'
        metadata: {
          description: 'Deny blocks a storage account with a public endpoint; Audit reports it; Disabled turns the policy off.'
          displayName: 'Effect'
        }
        type: 'String'
      }
    }
    policyRule: {
      if: {
        allOf: [
          {
            equals: 'Microsoft.Storage/storageAccounts'
            field: 'type'
          }
          {
            field: 'Microsoft.Storage/storageAccounts/publicNetworkAccess'
            notEquals: 'Disabled'
          }
        ]
      }
      then: {
        effect: '[parameters(\'effect\')]'
      }
    }
    policyType: 'Custom'
  }
}

resource policyDefinitionAizoneStorageSecureAccess 'Microsoft.Authorization/policyDefinitions@2026-06-01' = {
  name: 'aizone-storage-secure-access'
  properties: {
    description: 'A single container opened for anonymous read is enough to leak a dataset or a model. Storage accounts must disallow anonymous blob access explicitly (allowBlobPublicAccess false), accept only HTTPS, and require TLS 1.2 or later.'
    displayName: 'AI zone: storage accounts without anonymous access, over TLS 1.2 or later'
    metadata: {
      category: 'AI landing zone'
      source: 'aizone'
      version: '1.0.0'
    }
    mode: 'Indexed'
    parameters: {
      effect: {
        allowedValues: [
          'Audit'
          'Deny'
          'Disabled'
        ]
        defaultValue: 'Deny'
        metadata: {
          description: 'Deny blocks an account that allows anonymous access, plain HTTP or old TLS; Audit reports it; Disabled turns the policy off.'
          displayName: 'Effect'
        }
        type: 'String'
      }
    }
    policyRule: {
      if: {
        allOf: [
          {
            equals: 'Microsoft.Storage/storageAccounts'
            field: 'type'
          }
          {
            anyOf: [
              {
                field: 'Microsoft.Storage/storageAccounts/allowBlobPublicAccess'
                notEquals: false
              }
              {
                equals: false
                field: 'Microsoft.Storage/storageAccounts/supportsHttpsTrafficOnly'
              }
              {
                field: 'Microsoft.Storage/storageAccounts/minimumTlsVersion'
                notIn: [
                  'TLS1_2'
                  'TLS1_3'
                ]
              }
            ]
          }
        ]
      }
      then: {
        effect: '[parameters(\'effect\')]'
      }
    }
    policyType: 'Custom'
  }
}

resource policySetDefinitionAizoneAiGuardrails 'Microsoft.Authorization/policySetDefinitions@2026-06-01' = {
  name: 'aizone-ai-guardrails'
  properties: {
    description: 'Guardrails a platform team applies to an AI landing zone: allowed GPU sizes, no public GPU nodes, private storage that tiers its data, hot file systems in private subnets, private AI control planes, Spot only for preemptible work, and cost allocation tags inherited from resource groups.'
    displayName: 'AI landing zone guardrails (aizone)'
    metadata: {
      category: 'AI landing zone'
      source: 'aizone'
      version: '1.0.0'
    }
    parameters: {
      aiControlPlaneEffect: {
        allowedValues: [
          'Audit'
          'Deny'
          'Disabled'
        ]
        defaultValue: 'Deny'
        metadata: {
          description: 'Effect of the AI control plane policy.'
          displayName: 'Effect: private AI control planes'
        }
        type: 'String'
      }
      allowedGpuSizes: {
        metadata: {
          description: 'GPU VM sizes (Standard_N*) that may be deployed in the zone: aizone sets the sizes its plan chose.'
          displayName: 'Allowed GPU VM sizes'
          strongType: 'vmSKUs'
        }
        type: 'Array'
      }
      costCenterTagName: {
        defaultValue: 'costCenter'
        metadata: {
          description: 'Tag that names the cost centre GPU spend is charged to.'
          displayName: 'Cost centre tag name'
        }
        type: 'String'
      }
      dataClassificationTagName: {
        defaultValue: 'dataClassification'
        metadata: {
          description: 'Tag that gives the classification of the data the resources hold.'
          displayName: 'Data classification tag name'
        }
        type: 'String'
      }
      gpuPublicIpEffect: {
        allowedValues: [
          'Audit'
          'Deny'
          'Disabled'
        ]
        defaultValue: 'Deny'
        metadata: {
          description: 'Effect of the GPU node public IP policy.'
          displayName: 'Effect: no public IP on GPU nodes'
        }
        type: 'String'
      }
      gpuSizesEffect: {
        allowedValues: [
          'Audit'
          'Deny'
          'Disabled'
        ]
        defaultValue: 'Deny'
        metadata: {
          description: 'Effect of the allowed GPU sizes policy.'
          displayName: 'Effect: allowed GPU sizes'
        }
        type: 'String'
      }
      gpuSubnetNames: {
        defaultValue: []
        metadata: {
          description: 'Subnets that hold GPU or HPC nodes; network interfaces in them may not have a public IP.'
          displayName: 'GPU subnet names'
        }
        type: 'Array'
      }
      hotStorageSubnetEffect: {
        allowedValues: [
          'Audit'
          'Deny'
          'Disabled'
        ]
        defaultValue: 'Deny'
        metadata: {
          description: 'Effect of the hot-storage subnet policy.'
          displayName: 'Effect: hot storage in private subnets'
        }
        type: 'String'
      }
      inheritTagsEffect: {
        allowedValues: [
          'Modify'
          'Disabled'
        ]
        defaultValue: 'Modify'
        metadata: {
          description: 'Effect of the three tag inheritance policies.'
          displayName: 'Effect: tag inheritance'
        }
        type: 'String'
      }
      preemptionTagName: {
        defaultValue: 'preemptible'
        metadata: {
          description: 'Tag that says a workload tolerates preemption.'
          displayName: 'Preemption tag name'
        }
        type: 'String'
      }
      preemptionTagValues: {
        defaultValue: [
          'true'
        ]
        metadata: {
          description: 'Values of the preemption tag that allow Spot capacity.'
          displayName: 'Preemption tag values'
        }
        type: 'Array'
      }
      requiredTagsEffect: {
        allowedValues: [
          'Audit'
          'Deny'
          'Disabled'
        ]
        defaultValue: 'Deny'
        metadata: {
          description: 'Effect of the three required-tag policies.'
          displayName: 'Effect: required resource group tags'
        }
        type: 'String'
      }
      spotEffect: {
        allowedValues: [
          'Audit'
          'Deny'
          'Disabled'
        ]
        defaultValue: 'Deny'
        metadata: {
          description: 'Effect of the Spot capacity policy.'
          displayName: 'Effect: Spot only where preemption is allowed'
        }
        type: 'String'
      }
      storageLifecycleEffect: {
        allowedValues: [
          'AuditIfNotExists'
          'Disabled'
        ]
        defaultValue: 'AuditIfNotExists'
        metadata: {
          description: 'Effect of the storage lifecycle policy check.'
          displayName: 'Effect: storage lifecycle policy'
        }
        type: 'String'
      }
      storagePublicNetworkEffect: {
        allowedValues: [
          'Audit'
          'Deny'
          'Disabled'
        ]
        defaultValue: 'Deny'
        metadata: {
          description: 'Effect of the storage public network access policy.'
          displayName: 'Effect: storage public network access'
        }
        type: 'String'
      }
      storageSecureAccessEffect: {
        allowedValues: [
          'Audit'
          'Deny'
          'Disabled'
        ]
        defaultValue: 'Deny'
        metadata: {
          description: 'Effect of the storage secure access policy.'
          displayName: 'Effect: storage anonymous access and TLS'
        }
        type: 'String'
      }
      storageSubnetNames: {
        defaultValue: []
        metadata: {
          description: 'Subnets that hold Managed Lustre and NetApp volumes; they must stay private.'
          displayName: 'Hot-storage subnet names'
        }
        type: 'Array'
      }
      workloadTagName: {
        defaultValue: 'workload'
        metadata: {
          description: 'Tag that names the workload.'
          displayName: 'Workload tag name'
        }
        type: 'String'
      }
    }
    policyDefinitionGroups: [
      {
        description: 'Which GPU sizes, how they are exposed, and where Spot capacity may run.'
        displayName: 'GPU capacity'
        name: 'compute'
      }
      {
        description: 'Storage that stays private, tiers its data, and hot file systems in private subnets.'
        displayName: 'Training data and models'
        name: 'data'
      }
      {
        description: 'Private endpoints and Entra ID authentication for the services that run and serve models.'
        displayName: 'AI control planes'
        name: 'access'
      }
      {
        description: 'Cost centre, workload and data classification tags on every resource.'
        displayName: 'Cost allocation'
        name: 'tags'
      }
    ]
    policyDefinitions: [
      {
        groupNames: [
          'compute'
        ]
        parameters: {
          allowedGpuSizes: {
            value: '[parameters(\'allowedGpuSizes\')]'
          }
          effect: {
            value: '[parameters(\'gpuSizesEffect\')]'
          }
        }
        policyDefinitionId: policyDefinitionAizoneAllowedGpuSizes.id
        policyDefinitionReferenceId: 'AllowedGpuSizes'
      }
      {
        groupNames: [
          'compute'
        ]
        parameters: {
          effect: {
            value: '[parameters(\'gpuPublicIpEffect\')]'
          }
          gpuSubnetNames: {
            value: '[parameters(\'gpuSubnetNames\')]'
          }
        }
        policyDefinitionId: policyDefinitionAizoneGpuNodesNoPublicIp.id
        policyDefinitionReferenceId: 'GpuNodesNoPublicIp'
      }
      {
        groupNames: [
          'compute'
        ]
        parameters: {
          effect: {
            value: '[parameters(\'spotEffect\')]'
          }
          tagName: {
            value: '[parameters(\'preemptionTagName\')]'
          }
          tagValues: {
            value: '[parameters(\'preemptionTagValues\')]'
          }
        }
        policyDefinitionId: policyDefinitionAizoneSpotRequiresPreemptionTag.id
        policyDefinitionReferenceId: 'SpotRequiresPreemptionTag'
      }
      {
        groupNames: [
          'data'
        ]
        parameters: {
          effect: {
            value: '[parameters(\'storagePublicNetworkEffect\')]'
          }
        }
        policyDefinitionId: policyDefinitionAizoneStoragePublicNetworkDisabled.id
        policyDefinitionReferenceId: 'StoragePublicNetworkDisabled'
      }
      {
        groupNames: [
          'data'
        ]
        parameters: {
          effect: {
            value: '[parameters(\'storageSecureAccessEffect\')]'
          }
        }
        policyDefinitionId: policyDefinitionAizoneStorageSecureAccess.id
        policyDefinitionReferenceId: 'StorageSecureAccess'
      }
      {
        groupNames: [
          'data'
        ]
        parameters: {
          effect: {
            value: '[parameters(\'storageLifecycleEffect\')]'
          }
        }
        policyDefinitionId: policyDefinitionAizoneStorageLifecyclePolicy.id
        policyDefinitionReferenceId: 'StorageLifecyclePolicy'
      }
      {
        groupNames: [
          'data'
        ]
        parameters: {
          effect: {
            value: '[parameters(\'hotStorageSubnetEffect\')]'
          }
          storageSubnetNames: {
            value: '[parameters(\'storageSubnetNames\')]'
          }
        }
        policyDefinitionId: policyDefinitionAizoneHotStoragePrivateSubnets.id
        policyDefinitionReferenceId: 'HotStoragePrivateSubnets'
      }
      {
        groupNames: [
          'access'
        ]
        parameters: {
          effect: {
            value: '[parameters(\'aiControlPlaneEffect\')]'
          }
        }
        policyDefinitionId: policyDefinitionAizoneAiControlPlanesPrivate.id
        policyDefinitionReferenceId: 'AiControlPlanesPrivate'
      }
      {
        groupNames: [
          'tags'
        ]
        parameters: {
          effect: {
            value: '[parameters(\'requiredTagsEffect\')]'
          }
          tagName: {
            value: '[parameters(\'costCenterTagName\')]'
          }
        }
        policyDefinitionId: policyDefinitionAizoneRequireTagOnResourceGroups.id
        policyDefinitionReferenceId: 'RequireCostCenterTag'
      }
      {
        groupNames: [
          'tags'
        ]
        parameters: {
          effect: {
            value: '[parameters(\'requiredTagsEffect\')]'
          }
          tagName: {
            value: '[parameters(\'workloadTagName\')]'
          }
        }
        policyDefinitionId: policyDefinitionAizoneRequireTagOnResourceGroups.id
        policyDefinitionReferenceId: 'RequireWorkloadTag'
      }
      {
        groupNames: [
          'tags'
        ]
        parameters: {
          effect: {
            value: '[parameters(\'requiredTagsEffect\')]'
          }
          tagName: {
            value: '[parameters(\'dataClassificationTagName\')]'
          }
        }
        policyDefinitionId: policyDefinitionAizoneRequireTagOnResourceGroups.id
        policyDefinitionReferenceId: 'RequireDataClassificationTag'
      }
      {
        groupNames: [
          'tags'
        ]
        parameters: {
          effect: {
            value: '[parameters(\'inheritTagsEffect\')]'
          }
          tagName: {
            value: '[parameters(\'costCenterTagName\')]'
          }
        }
        policyDefinitionId: policyDefinitionAizoneInheritTagFromResourceGroup.id
        policyDefinitionReferenceId: 'InheritCostCenterTag'
      }
      {
        groupNames: [
          'tags'
        ]
        parameters: {
          effect: {
            value: '[parameters(\'inheritTagsEffect\')]'
          }
          tagName: {
            value: '[parameters(\'workloadTagName\')]'
          }
        }
        policyDefinitionId: policyDefinitionAizoneInheritTagFromResourceGroup.id
        policyDefinitionReferenceId: 'InheritWorkloadTag'
      }
      {
        groupNames: [
          'tags'
        ]
        parameters: {
          effect: {
            value: '[parameters(\'inheritTagsEffect\')]'
          }
          tagName: {
            value: '[parameters(\'dataClassificationTagName\')]'
          }
        }
        policyDefinitionId: policyDefinitionAizoneInheritTagFromResourceGroup.id
        policyDefinitionReferenceId: 'InheritDataClassificationTag'
      }
    ]
    policyType: 'Custom'
  }
}

resource roleAssignment_27976805 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, 'aizone-guardrails-contoso-ft', 'b24988ac-6180-42a0-ab88-20f7382dd24c')
  properties: {
    description: 'lets the AI guardrail assignment add inherited tags to existing resources (remediation of its modify effect)'
    principalId: policyAssignmentAizoneGuardrailsContosoFt.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b24988ac-6180-42a0-ab88-20f7382dd24c')
  }
}

resource budgetBudgetContosoFt 'Microsoft.Consumption/budgets@2024-08-01' = {
  name: 'budget-contoso-ft'
  properties: {
    amount: budgetAmount
    category: 'Cost'
    notifications: {
      'actual-100': {
        contactEmails: budgetContactEmails
        contactGroups: budgetActionGroups
        enabled: true
        operator: 'GreaterThan'
        threshold: 100
        thresholdType: 'Actual'
      }
      'actual-80': {
        contactEmails: budgetContactEmails
        contactGroups: budgetActionGroups
        enabled: true
        operator: 'GreaterThan'
        threshold: 80
        thresholdType: 'Actual'
      }
      'forecast-100': {
        contactEmails: budgetContactEmails
        contactGroups: budgetActionGroups
        enabled: true
        operator: 'GreaterThan'
        threshold: 100
        thresholdType: 'Forecasted'
      }
    }
    timeGrain: 'Monthly'
    timePeriod: {
      startDate: budgetStartDate
    }
  }
}

resource resourceGroupRgContosoFtComputeEastus 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: 'rg-contoso-ft-compute-eastus'
  location: 'eastus'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'compute'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {}
}

resource resourceGroupRgContosoFtNetworkEastus 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: 'rg-contoso-ft-network-eastus'
  location: 'eastus'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'network'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {}
}

resource resourceGroupRgContosoFtStorageEastus 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: 'rg-contoso-ft-storage-eastus'
  location: 'eastus'
  tags: {
    aizone: 'contoso-ft'
    'aizone-part': 'storage'
    costCenter: '4711'
    dataClassification: 'confidential'
    workload: 'genai-assistant'
  }
  properties: {}
}

module moduleRgContosoFtComputeEastus 'modules/rg-contoso-ft-compute-eastus.bicep' = {
  name: 'aizone-rg-contoso-ft-compute-eastus'
  scope: resourceGroupRgContosoFtComputeEastus
  params: {
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
  dependsOn: [
    moduleRgContosoFtComputeEastusIds
    moduleRgContosoFtNetworkEastus
  ]
}

module moduleRgContosoFtComputeEastusIds 'modules/rg-contoso-ft-compute-eastus-ids.bicep' = {
  name: 'aizone-rg-contoso-ft-compute-eastus-ids'
  scope: resourceGroupRgContosoFtComputeEastus
}

module moduleRgContosoFtNetworkEastus 'modules/rg-contoso-ft-network-eastus.bicep' = {
  name: 'aizone-rg-contoso-ft-network-eastus'
  scope: resourceGroupRgContosoFtNetworkEastus
  params: {
    dnsServers: dnsServers
    firewallPrivateIp: firewallPrivateIp
    hubVirtualNetworkId: hubVirtualNetworkId
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
  dependsOn: [
    moduleRgContosoFtComputeEastusIds
  ]
}

module moduleRgContosoFtStorageEastus 'modules/rg-contoso-ft-storage-eastus.bicep' = {
  name: 'aizone-rg-contoso-ft-storage-eastus'
  scope: resourceGroupRgContosoFtStorageEastus
  params: {
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
  dependsOn: [
    moduleRgContosoFtComputeEastusIds
    moduleRgContosoFtNetworkEastus
  ]
}

output aksClusterId string = moduleRgContosoFtComputeEastus.outputs.aksClusterId

output batchAccountId string = moduleRgContosoFtComputeEastus.outputs.batchAccountId

output clientIdContosoFtAksId string = moduleRgContosoFtComputeEastusIds.outputs.clientIdContosoFtAksId

output clientIdContosoFtAksKubeletId string = moduleRgContosoFtComputeEastusIds.outputs.clientIdContosoFtAksKubeletId

output clientIdContosoFtAssistantId string = moduleRgContosoFtComputeEastusIds.outputs.clientIdContosoFtAssistantId

output clientIdContosoFtFinetuneId string = moduleRgContosoFtComputeEastusIds.outputs.clientIdContosoFtFinetuneId

output containerRegistryId string = moduleRgContosoFtComputeEastus.outputs.containerRegistryId

output keyVaultId string = moduleRgContosoFtComputeEastus.outputs.keyVaultId

output poolAssistantId string = moduleRgContosoFtComputeEastus.outputs.poolAssistantId

output poolFinetuneId string = moduleRgContosoFtComputeEastus.outputs.poolFinetuneId

output storageAccountId string = moduleRgContosoFtStorageEastus.outputs.storageAccountId

output vnetEastusId string = moduleRgContosoFtNetworkEastus.outputs.vnetEastusId
