"""The install step in a line: from the cache or not, how long, how it failed."""

from __future__ import annotations

from sandbox.result import ExecResult

REMEMBERED_NOTE = ("install failed: exit code {code}, as on an earlier try with the same "
                   "command and manifests (not tried again until one of them changes)")


def install_note(result: ExecResult, seconds: float) -> str:
    """What the build log and the progress comment say about one install step."""
    if result.ok:
        source = "from the cache" if result.cached else "installed"
        return f"dependencies {source} in {seconds:.1f} s"
    if result.cached:  # a failure the dependency cache remembered: nothing ran
        return REMEMBERED_NOTE.format(code=result.exit_code)
    timed_out = " (timed out)" if result.timed_out else ""
    return f"install failed: exit code {result.exit_code}{timed_out} after {seconds:.1f} s"
