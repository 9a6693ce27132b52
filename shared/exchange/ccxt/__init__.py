"""The ccxt exchange plugin: ``client`` (the plugin), ``connector`` (one ccxt instance and how every call
to it runs, shared with the portfolio), ``config`` (ccxt options) and ``errors`` (mapping).

Importing this package never imports ccxt (cold start); see ``client``.
"""
