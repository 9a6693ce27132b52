"""Unit tests of ``shared.client`` (the end-to-end test against ``cbdata serve`` is in tests/e2e)."""
