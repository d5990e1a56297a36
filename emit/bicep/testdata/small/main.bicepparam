// The platform's values for main.bicep, from the zone file. Written by aizone.
using 'main.bicep'

param budgetActionGroups = []

param budgetAmount = 11000

param budgetContactEmails = [
  'ai-platform@contoso.com'
]

param dnsServers = [
  '10.100.0.68'
]

param firewallPrivateIp = '10.100.0.4'

param hubVirtualNetworkId = '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-connectivity/providers/Microsoft.Network/virtualNetworks/vnet-hub-eastus'

param logAnalyticsWorkspaceId = '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-management/providers/Microsoft.OperationalInsights/workspaces/law-platform-eastus'
