"""Fakes of outside services, on loopback, for the real client SDKs to talk to."""
