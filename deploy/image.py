"""Build Kiln's image from the Dockerfile on a base made here, pip set up as this machine's.

The legacy builder (Debian's Docker has no BuildKit) cannot mount this machine's pip
configuration into the build, so its parts travel differently: the package index (and
proxy) as build arguments read from pip's configuration at run time, and the CA bundle in
the base image itself (`deploy.base`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path

import docker

from deploy.base import KILN_BASE
from sandbox.images import Log

ROOT = Path(__file__).resolve().parents[1]
KILN_IMAGE = "kiln:latest"


class BuildError(RuntimeError):
    """The Docker build failed; the message ends with the builder's."""


def build_image(client: docker.DockerClient, log: Log, *, index_args: Mapping[str, str],
                tag: str = KILN_IMAGE, base: str = KILN_BASE, root: Path = ROOT) -> None:
    """`docker build` the Dockerfile in `root` on `base`, logging its steps; the image the
    tag named before is removed unless a container still uses it."""
    log(f"{tag}: building on {base}")
    before = _image_id(client, tag)
    output: list[str] = []
    chunks = client.api.build(path=str(root), tag=tag, rm=True, forcerm=True, decode=True,
                              buildargs={"BASE_IMAGE": base, **index_args})
    for chunk in chunks:
        if "error" in chunk:
            raise BuildError("".join(output[-30:]) + str(chunk["error"]))
        text = str(chunk.get("stream", ""))
        output.append(text)
        for line in text.splitlines():
            if line.startswith("Step "):
                log(line)
    if before is not None and before != _image_id(client, tag):
        with contextlib.suppress(docker.errors.APIError):
            client.images.remove(before)


def _image_id(client: docker.DockerClient, name: str) -> str | None:
    try:
        return str(client.images.get(name).id)
    except docker.errors.ImageNotFound:
        return None
