"""Exchange emulator fixtures (filled in by the exchange work)."""
