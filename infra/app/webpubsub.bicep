// Azure Web PubSub: clients connect here; user events go to the function app's Web PubSub webhook.
// Access keys are off (disableLocalAuth): the app sends and mints client tokens with its managed identity
// (Web PubSub Service Owner, rbac.bicep).
//
// The hub itself is created and wired by infra/hooks/postdeploy.sh, not here: its event handler URL
// carries the app's `webpubsub_extension` system key, which exists only after the app is deployed and
// its host has started, and a hub declared here would have its handler reset by every `azd provision`.
param name string
param location string
param tags object
param sku string
param capacity int
param hub string = 'marketdata'

resource service 'Microsoft.SignalRService/webPubSub@2024-03-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
    capacity: capacity
  }
  // Its own identity, for an event handler that authenticates to the app with Entra ID instead of the
  // system key (infra/README.md); unused by default.
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    disableLocalAuth: true
    disableAadAuth: false
    publicNetworkAccess: 'Enabled'
    tls: {
      clientCertEnabled: false
    }
  }
}

output name string = service.name
output id string = service.id
output endpoint string = 'https://${service.properties.hostName}'
output hub string = hub
