"""The gap-filling historical fetcher: read what is stored, download only what is missing."""
