"""Request handlers as plain async functions over plain data, apart from the Azure types."""
