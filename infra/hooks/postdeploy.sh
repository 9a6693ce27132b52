#!/bin/sh
# Wires the Web PubSub hub to the deployed function app, idempotently:
#   hub $WEBPUBSUB_HUB -> https://<defaultHostName>/runtime/webhooks/webpubsub?code=<webpubsub_extension key>
# for every user event. Run by azd after `azd deploy` (and after `azd provision` with --if-deployed, which
# skips quietly while the app has no Web PubSub system key yet). Needs the az CLI, signed in (azd does it
# in CI through `azure/login`; locally run `az login`). Reads azd's environment (AZURE_RESOURCE_GROUP,
# AZURE_FUNCTION_APP_NAME, WEBPUBSUB_NAME, WEBPUBSUB_HUB), exported by azd to hooks.
# The key is never printed.
set -eu

if_deployed=false
[ "${1:-}" = "--if-deployed" ] && if_deployed=true

need() {
  eval "value=\${$1:-}"
  if [ -z "$value" ]; then
    echo "postdeploy: $1 is not set; run through azd (azd deploy) or export it" >&2
    exit 2
  fi
}
need AZURE_RESOURCE_GROUP
need AZURE_FUNCTION_APP_NAME
need WEBPUBSUB_NAME
hub="${WEBPUBSUB_HUB:-marketdata}"
rg="$AZURE_RESOURCE_GROUP"
app="$AZURE_FUNCTION_APP_NAME"

if ! command -v az >/dev/null 2>&1; then
  echo "postdeploy: the az CLI is needed to wire the Web PubSub hub (https://aka.ms/azure-cli)" >&2
  exit 2
fi
az extension add --name webpubsub --upgrade --only-show-errors >/dev/null

host=$(az functionapp show -g "$rg" -n "$app" --query defaultHostName -o tsv)

# The extension's system key appears once the host has started with the Web PubSub extension loaded;
# right after a deploy that can take a minute.
key=""
tries=0
while [ -z "$key" ]; do
  key=$(az functionapp keys list -g "$rg" -n "$app" --query "systemKeys.webpubsub_extension" -o tsv 2>/dev/null || true)
  [ -n "$key" ] && break
  if $if_deployed; then
    echo "postdeploy: $app has no webpubsub_extension key yet (not deployed?); the hub is wired after azd deploy"
    exit 0
  fi
  tries=$((tries + 1))
  if [ "$tries" -ge 20 ]; then
    echo "postdeploy: no webpubsub_extension system key on $app after 10 minutes; is the app running? (infra/README.md, Troubleshooting)" >&2
    exit 1
  fi
  curl -fsS -o /dev/null "https://$host/api/health" 2>/dev/null || true  # wakes the host
  sleep 30
done

url="https://$host/runtime/webhooks/webpubsub?code=$key"
# `hub create` fails when the hub exists and `hub update` when it does not: pick by looking first.
if az webpubsub hub show -g "$rg" -n "$WEBPUBSUB_NAME" --hub-name "$hub" --only-show-errors >/dev/null 2>&1; then
  verb=update
else
  verb=create
fi
az webpubsub hub "$verb" -g "$rg" -n "$WEBPUBSUB_NAME" --hub-name "$hub" \
  --event-handler url-template="$url" user-event-pattern="*" \
  --allow-anonymous false --only-show-errors >/dev/null
echo "postdeploy: hub '$hub' on $WEBPUBSUB_NAME sends user events to https://$host/runtime/webhooks/webpubsub ($verb)"
