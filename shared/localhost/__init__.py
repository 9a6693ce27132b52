"""Local stand-in for the Azure Functions host and Azure Web PubSub.

``serve.run`` starts an aiohttp server that indexes ``function_app`` once and
serves its HTTP routes, timers, queue triggers and Web PubSub user events, so
the whole service runs on one machine without Azure.
"""
