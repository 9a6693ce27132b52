"""Unit tests of ``cbdata_client`` (the end-to-end test against ``cbdata serve`` is in tests/e2e)."""
