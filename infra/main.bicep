// cb-trade data service on Azure: `azd up` provisions everything here, then deploys the app.
// Walk-through, every app setting and why, the Flex risk and the fallback: infra/README.md.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names every resource (rg-<env>, ...).')
param environmentName string

@minLength(1)
@description('Region of every resource. Limited to regions that offer Flex Consumption.')
@allowed([
  'australiaeast'
  'eastasia'
  'eastus'
  'eastus2'
  'northeurope'
  'southcentralus'
  'southeastasia'
  'swedencentral'
  'uksouth'
  'westeurope'
  'westus2'
  'westus3'
])
@metadata({ azd: { type: 'location' } })
param location string

@description('Plan of the function app: FlexConsumption (FC1, default) or ElasticPremium (EP1), the fallback when Web PubSub trigger delivery fails on Flex (infra/README.md, "Known risk").')
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param planKind string = 'FlexConsumption'

@description('Flex Consumption instance memory in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Flex Consumption: most instances the app scales out to. Elastic Premium: most workers.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Web PubSub SKU (Standard_S1 by default; Free_F1 allows 20 connections and no SLA).')
@allowed([
  'Free_F1'
  'Standard_S1'
  'Premium_P1'
])
param webPubSubSku string = 'Standard_S1'

@description('Web PubSub units.')
@minValue(1)
@maxValue(100)
param webPubSubCapacity int = 1

@description('Storage redundancy of the account holding candles, queues and the deployment package.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
])
param storageSku string = 'Standard_ZRS'

@description('SYNC_SCHEDULE: NCRONTAB (six fields, seconds first, UTC) of the sync of watched targets.')
param syncSchedule string = '0 */30 * * * *'

@description('SYNC_TARGETS: exchange:SYMBOL:timeframe entries, comma-separated; empty for none.')
param syncTargets string = ''

@description('PORTFOLIO_SCHEDULE: NCRONTAB of the portfolio sync timer (the host resolves it at indexing, so it must be set).')
param portfolioSchedule string = '0 */30 * * * *'

@description('PORTFOLIO_ACCOUNTS: JSON list of the exchange accounts whose portfolios are synced; [] for none. Their keys go to Key Vault (PORTFOLIO--CREDENTIALS).')
param portfolioAccounts string = '[]'

@description('CCXT_EXCHANGES: exchange ids the service serves, comma-separated.')
param ccxtExchanges string = 'cryptocom,binance,kraken,coinbase,bybit,okx'

@description('CCXT_DEFAULT_EXCHANGE: used when a request names none; one of ccxtExchanges.')
param ccxtDefaultExchange string = 'cryptocom'

@description('Object id of the deploying user (azd sets AZURE_PRINCIPAL_ID); gets data-plane roles for operations. Empty: none.')
param principalId string = ''

@description('Type of principalId.')
@allowed([
  'User'
  'ServicePrincipal'
])
param principalType string = 'User'

var abbrs = loadJsonContent('abbreviations.json')
var token = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var appName = '${abbrs.functionApp}${token}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourceGroup}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentity}${token}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageAccount}${token}'
    location: location
    tags: tags
    sku: storageSku
    deploymentContainerName: 'app-package-${take(appName, 32)}'
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    workspaceName: '${abbrs.logAnalytics}${token}'
    appInsightsName: '${abbrs.appInsights}${token}'
    location: location
    tags: tags
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVault}${token}'
    location: location
    tags: tags
  }
}

module webPubSub 'app/webpubsub.bicep' = {
  name: 'webpubsub'
  scope: rg
  params: {
    name: '${abbrs.webPubSub}${token}'
    location: location
    tags: tags
    sku: webPubSubSku
    capacity: webPubSubCapacity
  }
}

module api 'app/function.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: appName
    planName: '${abbrs.plan}${token}'
    location: location
    tags: tags
    planKind: planKind
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    dataContainerName: storage.outputs.dataContainerName
    deploymentContainerName: storage.outputs.deploymentContainerName
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    keyVaultUri: keyVault.outputs.uri
    webPubSubEndpoint: webPubSub.outputs.endpoint
    webPubSubHub: webPubSub.outputs.hub
    syncSchedule: syncSchedule
    syncTargets: syncTargets
    portfolioSchedule: portfolioSchedule
    portfolioAccounts: portfolioAccounts
    ccxtExchanges: ccxtExchanges
    ccxtDefaultExchange: ccxtDefaultExchange
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    webPubSubName: webPubSub.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output WEBPUBSUB_NAME string = webPubSub.outputs.name
output WEBPUBSUB_ENDPOINT string = webPubSub.outputs.endpoint
output WEBPUBSUB_HUB string = webPubSub.outputs.hub
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.appInsightsName
