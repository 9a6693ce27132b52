// One storage account: the candles (data container), the historical job queue and its poison queue,
// the Functions host's own state (AzureWebJobsStorage, identity-based) and the Flex deployment package.
// Shared-key access and public blob access are off: the app reaches it only with its managed identity.
param name string
param location string
param tags object
param sku string
param deploymentContainerName string
param dataContainerName string = 'market-data'
param jobQueueName string = 'historical-requests'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  // checkov:skip=CKV_AZURE_35: no virtual network in this template; Flex/EP outbound addresses are not fixed, so a deny rule would lock the app out; no key exists (shared key off), access is by Entra ID role only
  // checkov:skip=CKV_AZURE_206: ZRS by default (param storageSku; GRS allowed): the candles are a re-fetchable copy of exchange data, so geo-replication is the operator's choice
  // checkov:skip=CKV_AZURE_59: same reason as CKV_AZURE_35: the public endpoint stays on, reachable only with an Entra ID token and a role
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: sku
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      // The Function App on Flex/EP without a virtual network reaches storage over its public endpoint;
      // access is by Entra ID role only (no keys exist to use). See infra/README.md, "Network".
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource dataContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: dataContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource jobQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queues
  name: jobQueueName
}

resource poisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queues
  name: '${jobQueueName}-poison'
}

output name string = account.name
output id string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
output dataContainerName string = dataContainer.name
output deploymentContainerName string = deploymentContainer.name
output jobQueueName string = jobQueue.name
