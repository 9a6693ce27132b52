"""Web PubSub transport: user events in, queued historical jobs, messages out to a connection."""
