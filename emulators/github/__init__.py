"""A stateful GitHub emulator: REST subset, App auth and signed webhooks, for tests and demos."""

from emulators.github.emulator import GitHubEmulator
from emulators.github.records import Delivery, EmulatedApp, RecordedRequest

__all__ = ["Delivery", "EmulatedApp", "GitHubEmulator", "RecordedRequest"]
