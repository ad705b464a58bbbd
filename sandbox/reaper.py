"""Removing sandboxes whose owner is gone: orphans at worker start, a job's on cancel."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import datetime

import docker
from docker.models.containers import Container
from docker.models.volumes import Volume

from sandbox.container import SANDBOX_LABEL


def _filters(labels: Mapping[str, str]) -> dict[str, str | list[str] | bool]:
    return {"label": [f"{key}={value}" for key, value in {**labels, SANDBOX_LABEL: "1"}.items()]}


def _age(created: str) -> float:
    """Seconds since a Docker timestamp such as ``2026-11-23T09:26:01.123456789Z``."""
    # Docker gives nanoseconds, which datetime cannot parse; seconds are precise enough.
    return time.time() - datetime.fromisoformat(re.sub(r"\.\d+", "", created)).timestamp()


def remove_sandboxes(
    client: docker.DockerClient, labels: Mapping[str, str], older_than: float = 0.0
) -> list[str]:
    """Remove sandbox containers, then volumes, carrying ``labels`` and older than that.

    Returns the names removed. A volume still in use by a live container is left alone.
    """
    removed: list[str] = []
    # Sparse: the list's own fields (epoch seconds, names with a slash), not an inspect of
    # each container, which fails when one is removed between the list and its inspect.
    for box in client.containers.list(all=True, filters=_filters(labels), sparse=True):
        if time.time() - box.attrs["Created"] >= older_than:
            _remove(box, force=True, v=True)
            removed.append(box.attrs["Names"][0].lstrip("/"))
    for volume in client.volumes.list(filters=_filters(labels)):
        if _age(volume.attrs["CreatedAt"]) >= older_than and _remove(volume):
            removed.append(str(volume.name))
    return removed


def _remove(thing: Container | Volume, **options: bool) -> bool:
    """Remove a container or volume; False when Docker says it is gone or still in use."""
    try:
        thing.remove(**options)
    except (docker.errors.NotFound, docker.errors.APIError):
        return False
    return True


def reap_orphans(
    client: docker.DockerClient,
    older_than: float = 3600.0,
    labels: Mapping[str, str] | None = None,
) -> list[str]:
    """At worker start: remove every sandbox (or those with ``labels``) older than ``older_than`` s.

    The age guard spares sandboxes other live workers on the same engine are using.
    """
    return remove_sandboxes(client, labels or {}, older_than)


def remove_by_label(client: docker.DockerClient, key: str, value: str) -> list[str]:
    """For ``/kiln cancel``: remove the sandboxes of one job now, whatever their age."""
    return remove_sandboxes(client, {key: value})
