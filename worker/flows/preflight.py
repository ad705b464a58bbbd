"""Before a build runs: the repository's `.github/kiln.yml`, or a clear word on why not."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from kiln.states import BuildState
from sandbox.allowlist import SETTING as IMAGE_SETTING
from sandbox.allowlist import ImageAllowlist
from worker.flows.repo_config import CONFIG_PATH, RepoConfig, RepoConfigError, parse_repo_config
from worker.thread import messages
from worker.thread.progress import Report
from worker.thread.session import JobSession

IMAGE_REFUSED_MARKER = "<!-- kiln:image-refused:{digest} -->"
IMAGE_REFUSED = (
    "{marker}\n🚫 Kiln did not start: `.github/kiln.yml` names the sandbox image `{image}`, "
    "which this Kiln installation does not run.\n\nOnly Kiln's own base images and the images "
    "its operator lists in `" + IMAGE_SETTING + "` may run. Remove `image:` (or name an allowed "
    "image) on the default branch, or ask the operator to allow this one, then comment "
    "`/kiln retry`."
)
SHOWN_IMAGE_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789._-/:@")


class ImageRefused(RuntimeError):
    """A repository's config names a sandbox image the operator does not allow."""

    def __init__(self, image: str) -> None:
        super().__init__(f"{CONFIG_PATH} names the sandbox image `{shown_image(image)}`, "
                         f"which {IMAGE_SETTING} does not allow")
        self.image = image


def shown_image(image: str) -> str:
    """An image name from a repository, fit to quote: only characters image names are made of."""
    return "".join(c for c in image[:200] if c in SHOWN_IMAGE_CHARACTERS)


def refused_image(config: RepoConfig, images: ImageAllowlist) -> str | None:
    """The image `config` names when the allowlist refuses it; None when it may run."""
    if config.image is None or images.allows(config.image):
        return None
    return config.image


def read_config(session: JobSession, files: Mapping[str, bytes],
                images: ImageAllowlist | None = None) -> RepoConfig | None:
    """The repository's config; None (after saying why on the thread) when it is invalid or,
    given the allowlist, names an image that may not run. Without `images` the sandbox opener
    still refuses such an image, but only as the job's failure."""
    raw = files.get(CONFIG_PATH)
    try:
        config = parse_repo_config(raw.decode() if raw is not None else None)
    except (RepoConfigError, UnicodeDecodeError) as exc:
        marker = messages.INVALID_CONFIG_MARKER
        session.conversation.post_once(
            marker, messages.INVALID_CONFIG.format(marker=marker, error=exc))
        _stop(session, f"`{CONFIG_PATH}` is invalid (see the comment below)")
        return None
    image = refused_image(config, images) if images is not None else None
    if image is not None:
        _refuse_image(session, image)
        return None
    return config


def _refuse_image(session: JobSession, image: str) -> None:
    shown = shown_image(image)
    digest = hashlib.sha256(image.encode()).hexdigest()[:12]
    marker = IMAGE_REFUSED_MARKER.format(digest=digest)
    session.conversation.post_once(marker, IMAGE_REFUSED.format(marker=marker, image=shown))
    _stop(session, f"the sandbox image `{shown}` is not allowed ({IMAGE_SETTING})")


def _stop(session: JobSession, reason: str) -> None:
    session.conclude(BuildState.FAILED, Report(
        tests="", iterations=0, tokens=0, cost_usd=0.0, reason=reason,
        next_step=messages.RETRY_HINT), None)
