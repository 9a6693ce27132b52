// A storage account the custom policy must accept, and a reference to an existing one.
resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stlockeddown'
  location: 'westeurope'
  kind: 'StorageV2'
  sku: {
    name: 'Standard_ZRS'
  }
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
  }
}

resource other 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: 'stelsewhere'
}
