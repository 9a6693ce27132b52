"""Tests of the ``cbdata`` command line."""
