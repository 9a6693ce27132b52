// A storage account the custom policy must refuse: allowSharedKeyAccess left out means keys are on.
resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stsharedkey'
  location: 'westeurope'
  kind: 'StorageV2'
  sku: {
    name: 'Standard_ZRS'
  }
  properties: {
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
  }
}
