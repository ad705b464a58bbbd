"""``python -m deploy build``: Kiln's image without a container registry.

Builds the missing base images (`kiln-base:bookworm` from Debian packages,
`kiln-redis:bookworm` on it), then the Dockerfile on the first, tagged `kiln:latest`; then
`docker-compose up --no-build` with `REDIS_IMAGE=kiln-redis:bookworm` in `.env` runs the
stack.
"""

from __future__ import annotations

import argparse
import os
import sys

import docker

from deploy.base import KILN_BASE, build_bases
from deploy.image import KILN_IMAGE, BuildError, build_image
from deploy.machine import ca_bundle, index_build_args, pip_config


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m deploy", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build the base images if missing, then Kiln's")
    build.add_argument("--tag", default=KILN_IMAGE, help=f"Kiln's image (default {KILN_IMAGE})")
    build.add_argument("--force-bases", action="store_true", help="rebuild the base images")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    client = docker.from_env()

    def log(line: str) -> None:
        print(line, flush=True)

    config, environ = pip_config(), dict(os.environ)
    try:
        build_bases(client, log, ca_bundle=ca_bundle(config, environ), force=args.force_bases)
        build_image(client, log, index_args=index_build_args(config, environ), tag=args.tag,
                    base=KILN_BASE)
    except BuildError as exc:
        print(f"python -m deploy: the build failed:\n{exc}", file=sys.stderr)
        return 1
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
