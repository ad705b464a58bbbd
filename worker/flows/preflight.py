"""Before a build runs: the repository's `.github/kiln.yml`, or a clear word on why not."""

from __future__ import annotations

from collections.abc import Mapping

from kiln.states import BuildState
from worker.flows.repo_config import CONFIG_PATH, RepoConfig, RepoConfigError, parse_repo_config
from worker.thread import messages
from worker.thread.progress import Report
from worker.thread.session import JobSession


def read_config(session: JobSession, files: Mapping[str, bytes]) -> RepoConfig | None:
    """The repository's config; None (after saying why on the thread) when it is invalid."""
    raw = files.get(CONFIG_PATH)
    try:
        return parse_repo_config(raw.decode() if raw is not None else None)
    except (RepoConfigError, UnicodeDecodeError) as exc:
        marker = messages.INVALID_CONFIG_MARKER
        session.conversation.post_once(
            marker, messages.INVALID_CONFIG.format(marker=marker, error=exc))
        session.conclude(BuildState.FAILED, Report(
            tests="", iterations=0, tokens=0, cost_usd=0.0,
            reason=f"`{CONFIG_PATH}` is invalid (see the comment below)",
            next_step=messages.RETRY_HINT), None)
        return None
