// The resources of one of the zone's resource groups (one stage of it), deployed by main.bicep.
// Written by aizone.
resource userAssignedIdentityIdContosoFtAks 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'id-contoso-ft-aks'
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

resource userAssignedIdentityIdContosoFtAksKubelet 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'id-contoso-ft-aks-kubelet'
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

resource userAssignedIdentityIdContosoFtAssistant 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'id-contoso-ft-assistant'
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

resource userAssignedIdentityIdContosoFtFinetune 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'id-contoso-ft-finetune'
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

output clientIdContosoFtAksId string = userAssignedIdentityIdContosoFtAks.properties.clientId

output clientIdContosoFtAksKubeletId string = userAssignedIdentityIdContosoFtAksKubelet.properties.clientId

output clientIdContosoFtAssistantId string = userAssignedIdentityIdContosoFtAssistant.properties.clientId

output clientIdContosoFtFinetuneId string = userAssignedIdentityIdContosoFtFinetune.properties.clientId
