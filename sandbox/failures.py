"""Failed installs remembered for their key, so the same install is not run again at once."""

from __future__ import annotations

import contextlib

import docker
from docker.models.volumes import Volume

from sandbox.dockertime import age
from sandbox.result import ExecResult

# A failed install is remembered as a volume named for its key (the engine is the cache
# every worker shares), its exit code and output excerpt in the volume's labels.
FAILURE_PREFIX = "kiln-deps-failed-"
FAILURE_LABEL = "kiln.deps-failed"
FAILURE_EXCERPT_CHARS = 2000
REMEMBERED = ("kiln: this install failed before with the same command, manifests and base "
              "image, and is not tried again until one of them changes. Its output then:")


def failure_name(tag: str) -> str:
    return FAILURE_PREFIX + tag.partition(":")[2]


def remember_failure(client: docker.DockerClient, tag: str, result: ExecResult,
                     ttl: float) -> None:
    """Keep a failed install's exit code and output tail for its key (and drop those older
    than ``ttl``: a key that never comes back is never looked up to expire). With no
    ``ttl``, nothing is kept."""
    if ttl <= 0:
        return
    forget_expired(client, ttl)
    output = f"{result.stdout}\n{result.stderr}".strip()[-FAILURE_EXCERPT_CHARS:]
    with contextlib.suppress(docker.errors.APIError):
        client.volumes.create(failure_name(tag), labels={
            FAILURE_LABEL: "1", "kiln.exit-code": str(result.exit_code), "kiln.output": output})


def recall_failure(client: docker.DockerClient, tag: str, ttl: float) -> ExecResult | None:
    """The remembered failure for ``tag``'s key (``cached=True``), unless older than ``ttl``."""
    try:
        record = client.volumes.get(failure_name(tag))
    except docker.errors.NotFound:
        return None
    if age(record.attrs["CreatedAt"]) >= ttl:
        _remove(record)
        return None
    labels = record.attrs.get("Labels") or {}
    return ExecResult(int(labels.get("kiln.exit-code", "1")), "",
                      f"{REMEMBERED}\n{labels.get('kiln.output', '')}", 0.0, cached=True)


def forget_expired(client: docker.DockerClient, ttl: float) -> None:
    for record in client.volumes.list(filters={"label": FAILURE_LABEL}):
        if age(record.attrs["CreatedAt"]) >= ttl:
            _remove(record)


def _remove(record: Volume) -> None:
    with contextlib.suppress(docker.errors.APIError):
        record.remove(force=True)
