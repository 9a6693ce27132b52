"""The local stand-in for the Azure Functions host: ``LocalHost`` and the parts it is built from.

``server`` (``LocalHost``), ``bindings`` (the app's functions as indexed), ``config`` (host.json and
connection strings), ``http`` (HTTP routes and keys), ``keys``, ``invoke``, ``queue`` (in-process
queues), ``schedule`` (NCRONTAB timers) and ``events`` (Web PubSub user events).
"""

from shared.localhost.host.server import LocalHost

__all__ = ["LocalHost"]
