// The app's user-assigned managed identity: every data-plane call of the app (storage, queue, Key Vault,
// Web PubSub, Application Insights ingestion) authenticates as it; no key is handed to the app.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
