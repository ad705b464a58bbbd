"""Run untrusted code in locked-down Docker containers: the only Kiln code that talks to Docker."""

from sandbox.box import Sandbox
from sandbox.config import SandboxConfig
from sandbox.reaper import reap_orphans, remove_by_label
from sandbox.result import ExecResult

__all__ = ["ExecResult", "Sandbox", "SandboxConfig", "reap_orphans", "remove_by_label"]
