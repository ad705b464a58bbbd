"""A stateful GitHub emulator: REST subset, App auth, signed webhooks and git over HTTP."""

from emulators.github.emulator import GitHubEmulator
from emulators.github.limits import ContentLimits
from emulators.github.ratelimit import Quota
from emulators.github.records import Delivery, EmulatedApp, RecordedRequest
from emulators.github.seedfile import SeedFile
from emulators.github.treelimits import TreeLimits

__all__ = [
    "ContentLimits",
    "Delivery",
    "EmulatedApp",
    "GitHubEmulator",
    "Quota",
    "RecordedRequest",
    "SeedFile",
    "TreeLimits",
]
