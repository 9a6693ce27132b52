"""The local stand-in for Azure Web PubSub: ``WebPubSubStandIn`` and its parts.

``standin`` (client endpoint and REST ``:send``), ``connection`` (one client socket), ``events``
(user events to the host), ``protocol`` (the JSON subprotocols) and ``tokens`` (access tokens).
"""

from shared.localhost.webpubsub.standin import WebPubSubStandIn

__all__ = ["WebPubSubStandIn"]
