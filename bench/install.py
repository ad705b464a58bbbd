"""The install step: a cold install against a cached start and a bare start, in one run.

Run: ``.venv/bin/python -m bench.install [--rounds N]`` (needs Docker and the Python base image).
Offline: the install is pip's of a package in the project itself, so no registry is needed.
Goal, printed beside the figures: a cached start (the sandbox switched to the cached
dependency image) costs under 1 s more than a bare sandbox start. The egress proxy's start
(network and Squid, paid by a cold install that may use the network) is shown too.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

import docker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.sandbox import timed
from kiln.settings import Settings
from sandbox import Sandbox, SandboxConfig, deps
from sandbox.egress import Egress

INSTALL = "pip install --no-build-isolation --no-index ./benchpkg"
PYPROJECT = b"""\
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "kilnbench"
version = "1.0"
"""
CACHED_BOUND = 1.0
"""Seconds a cached start may cost over a bare start."""


def manifests() -> dict[str, bytes]:
    """A package new each time, so its install misses the cache."""
    return {"benchpkg/pyproject.toml": PYPROJECT,
            "benchpkg/kilnbench.py": f"X = {uuid.uuid4().hex!r}\n".encode()}


def start(client: docker.DockerClient, image: str, config: SandboxConfig,
          files: dict[str, bytes] | None) -> None:
    """A sandbox started, installed from ``files`` when given, and one command run."""
    with Sandbox.start(client, image, config) as box:
        if files is not None:
            box.put_files(files)
            assert box.install(INSTALL, files).ok
            assert box.exec("python3 -c 'import kilnbench'").ok
        else:
            box.exec("true")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    client = docker.from_env()
    config = SandboxConfig.from_settings(Settings.model_construct())
    image = config.image_for("python")
    made: list[dict[str, bytes]] = []

    def cold() -> None:
        made.append(manifests())
        start(client, image, config, made[-1])

    try:
        bare = timed(lambda: start(client, image, config, None), rounds)
        cold_seconds = timed(cold, rounds)
        cached = timed(lambda: start(client, image, config, made[0]), rounds)
        proxy = timed(lambda: Egress.open(client, image, (), {}, config.log_size).close(), rounds)
    finally:
        for files in made:
            tag = deps.image_tag(client, image, INSTALL, files)
            if deps.image_exists(client, tag):
                client.images.remove(tag, force=True)
    over = cached - bare
    print(f"bare start + command:     {bare * 1000:7.0f} ms")
    print(f"cold install + command:   {cold_seconds * 1000:7.0f} ms")
    print(f"cached start + command:   {cached * 1000:7.0f} ms  ({over * 1000:+.0f} ms over bare)")
    print(f"egress proxy up and down: {proxy * 1000:7.0f} ms  (a networked cold install pays it)")
    verdict = "met" if over < CACHED_BOUND else "MISSED"
    print(f"goal: a cached start costs < {CACHED_BOUND:g} s over a bare start: {verdict}")


if __name__ == "__main__":
    main()
