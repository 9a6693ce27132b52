// Application Insights over a Log Analytics workspace. Local (key) ingestion is off: the app sends
// telemetry with its managed identity (Monitoring Metrics Publisher, in rbac.bicep).
param workspaceName string
param appInsightsName string
param location string
param tags object
param retentionInDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

output appInsightsName string = appInsights.name
// An ingestion address and resource id, not a credential: with local auth off, ingestion needs Entra ID.
output appInsightsConnectionString string = appInsights.properties.ConnectionString
