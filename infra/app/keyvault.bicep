// Key Vault for the few secrets the service has (exchange API keys: CCXT--CREDENTIALS). RBAC mode, soft
// delete and purge protection; the app reads it with its identity (Key Vault Secrets User, rbac.bicep).
param name string
param location string
param tags object

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109: no virtual network in this template and the app's outbound addresses are not fixed; access is by Entra ID role (RBAC mode)
  // checkov:skip=CKV_AZURE_189: same reason as CKV_AZURE_109
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      // No virtual network in this template: the app reaches the vault over its public endpoint, by role.
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

output name string = vault.name
output id string = vault.id
output uri string = vault.properties.vaultUri
