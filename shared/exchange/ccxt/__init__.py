"""The ccxt exchange plugin: ``client`` (the plugin), ``config`` (ccxt options) and ``errors`` (mapping).

Importing this package never imports ccxt (cold start); see ``client``.
"""
