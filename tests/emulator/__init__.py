"""The exchange emulator (filled in by the exchange work)."""
