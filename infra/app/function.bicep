// The function app and its plan. Flex Consumption (FC1) by default; `planKind: 'ElasticPremium'` moves it
// to an EP1 plan, the fallback when Web PubSub trigger delivery fails on Flex (infra/README.md).
// Every connection is identity-based (the user-assigned identity): no key or connection string with a
// key is set on the app.
param name string
param planName string
param location string
param tags object
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param planKind string
param instanceMemoryMB int
param maximumInstanceCount int
param identityId string
param identityClientId string
param storageBlobEndpoint string
param storageQueueEndpoint string
param storageTableEndpoint string
param dataContainerName string
param deploymentContainerName string
param appInsightsConnectionString string
param keyVaultUri string
param webPubSubEndpoint string
param webPubSubHub string
param syncSchedule string
param syncTargets string
param portfolioSchedule string
param portfolioAccounts string
param ccxtExchanges string
param ccxtDefaultExchange string
param pythonVersion string = '3.11'

var isFlex = planKind == 'FlexConsumption'

// What every plan needs. Names the app reads are documented in docs/configuration.md; why each is set,
// in infra/README.md ("App settings").
var commonSettings = {
  // Functions host state, timer locks and the job queue: identity-based, no AccountKey.
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
  AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
  AzureWebJobsStorage__tableServiceUri: storageTableEndpoint
  // The managed identity DefaultAzureCredential picks (storage, Key Vault, Web PubSub from the app's code).
  AZURE_CLIENT_ID: identityClientId
  STORAGE_TYPE: 'azure'
  STORAGE_AZURE_ACCOUNT_URL: storageBlobEndpoint
  STORAGE_AZURE_CONTAINER_NAME: dataContainerName
  KEY_VAULT_URL: keyVaultUri
  WEBPUBSUB_HUB: webPubSubHub
  // Identity-based Web PubSub connection: read by the extension (triggers, negotiate binding) and by the
  // app's sender and token minting (shared/webpubsub/service_client.py).
  WebPubSubConnectionString__serviceUri: webPubSubEndpoint
  WebPubSubConnectionString__credential: 'managedidentity'
  WebPubSubConnectionString__clientId: identityClientId
  SYNC_SCHEDULE: syncSchedule
  SYNC_TARGETS: syncTargets
  PORTFOLIO_SCHEDULE: portfolioSchedule
  PORTFOLIO_ACCOUNTS: portfolioAccounts
  CCXT_EXCHANGES: ccxtExchanges
  CCXT_DEFAULT_EXCHANGE: ccxtDefaultExchange
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  PYTHON_ENABLE_OPENTELEMETRY: 'true'
}

// Elastic Premium has no functionAppConfig: runtime and build come from app settings. Its content share
// (Azure Files) needs a key, so it runs from the deployed package instead.
var premiumSettings = {
  FUNCTIONS_EXTENSION_VERSION: '~4'
  FUNCTIONS_WORKER_RUNTIME: 'python'
  SCM_DO_BUILD_DURING_DEPLOYMENT: 'true'
  ENABLE_ORYX_BUILD: 'true'
}

var appSettings = isFlex ? commonSettings : union(commonSettings, premiumSettings)
var flexSku = {
  name: 'FC1'
  tier: 'FlexConsumption'
}
var premiumSku = {
  name: 'EP1'
  tier: 'ElasticPremium'
}
var flexConfig = {
  deployment: {
    storage: {
      type: 'blobContainer'
      value: '${storageBlobEndpoint}${deploymentContainerName}'
      authentication: {
        type: 'UserAssignedIdentity'
        userAssignedIdentityResourceId: identityId
      }
    }
  }
  scaleAndConcurrency: {
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
  }
  runtime: {
    name: 'python'
    version: pythonVersion
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225: zone redundancy needs always-ready instances (Flex) or three workers (EP), a standing cost this template leaves to the operator
  name: planName
  location: location
  tags: tags
  kind: isFlex ? 'functionapp' : 'elastic'
  sku: isFlex ? flexSku : premiumSku
  properties: {
    reserved: true // Linux
    maximumElasticWorkerCount: isFlex ? null : maximumInstanceCount
    zoneRedundant: false
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_222: the app is a public API: quant clients call it over HTTPS with function keys, and Web PubSub delivers events to its webhook
  // checkov:skip=CKV_AZURE_17: client certificates are not how clients authenticate here (function keys; Web PubSub calls the webhook with the system key and no certificate)
  // checkov:skip=CKV_AZURE_213: the platform health check is not supported on Flex Consumption and advised against for Premium functions; /api/health serves the smoke test and monitors
  // checkov:skip=CKV_AZURE_212: Flex Consumption scales from zero by design; the EP fallback keeps one warm worker
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false // clients authenticate with function keys; Web PubSub calls the webhook with the system key
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      remoteDebuggingEnabled: false
      linuxFxVersion: isFlex ? null : 'Python|${pythonVersion}'
      appSettings: [for setting in items(appSettings): {
        name: setting.key
        value: setting.value
      }]
    }
    functionAppConfig: isFlex ? flexConfig : null
  }
}

output name string = site.name
output uri string = 'https://${site.properties.defaultHostName}'
output hostName string = site.properties.defaultHostName
