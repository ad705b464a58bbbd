"""Dependency images beyond a count or size removed, the least recently used first."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import docker

from sandbox.config import SandboxConfig
from sandbox.dockertime import timestamp

DEPS_REPOSITORY = "kiln-deps"
DEPS_LABEL = "kiln.deps"


@dataclass(frozen=True)


class CachedImage:
    """One dependency image: its tag, size in bytes, and when it was last tagged (used)."""

    tag: str
    size: int
    last_used: float


def to_prune(images: list[CachedImage], max_images: int, max_bytes: int) -> list[str]:
    """The tags beyond ``max_images`` or ``max_bytes``, the least recently used first to go."""
    kept, total, doomed = 0, 0, []
    for image in sorted(images, key=lambda found: found.last_used, reverse=True):
        # The newest is always kept, however large: it was just installed or used.
        if not kept or (kept < max_images and total + image.size <= max_bytes):
            kept, total = kept + 1, total + image.size
        else:
            doomed.append(image.tag)
    return doomed


def cached_images(client: docker.DockerClient, repository: str) -> list[CachedImage]:
    """The dependency images of ``repository``; an image's size counts its base layers too."""
    return [CachedImage(str(tag), int(image.attrs.get("Size", 0)),
                        timestamp(str(image.attrs.get("Metadata", {}).get("LastTagTime", ""))))
            for image in client.images.list(filters={"label": DEPS_LABEL})
            for tag in image.tags if tag.startswith(f"{repository}:")]


def prune(client: docker.DockerClient, config: SandboxConfig,
          repository: str = DEPS_REPOSITORY) -> list[str]:
    """Remove the dependency images beyond the configured count and size; returns their tags.
    An image a sandbox still runs on stays (the engine refuses), to go at a later prune."""
    removed = []
    images = cached_images(client, repository)
    for tag in to_prune(images, config.deps_max_images, config.deps_max_bytes):
        with contextlib.suppress(docker.errors.APIError):
            client.images.remove(tag)
            removed.append(tag)
    return removed
