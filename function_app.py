"""Azure Functions entry point (Python v2 programming model): wiring only, all logic lives in ``shared``.

The HTTP API, Web PubSub and the 30-minute timer arrive with their issue; today the app serves the
anonymous health check.
"""

import json

import azure.functions as func

from shared import runtime
from shared.api.health import health as health_check

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
async def health(req: func.HttpRequest) -> func.HttpResponse:
    status, body = await health_check(runtime.services)
    return func.HttpResponse(json.dumps(body), status_code=status, mimetype="application/json")
