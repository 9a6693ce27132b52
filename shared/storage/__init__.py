"""Byte-level object storage: one protocol, a local-files backend and an Azure Blob backend."""
