// A storage account the custom policy must refuse: public blob access on.
resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stpublicblob'
  location: 'westeurope'
  kind: 'StorageV2'
  sku: {
    name: 'Standard_ZRS'
  }
  properties: {
    allowBlobPublicAccess: true
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
  }
}
