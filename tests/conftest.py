"""Shared test configuration: fixture plugins for the real parts the tests start on loopback."""

pytest_plugins = [
    "tests.fixtures.azurite",
    "tests.fixtures.azurite_queue",
    "tests.emulator.fixtures",
    "tests.fakes.fixtures",
    "tests.telemetry.memory",
]
