"""Kiln's base images without a registry: a Debian root from debootstrap, imported.

The same machinery as the sandbox images (`sandbox.images`): the mirror is the one this
machine's apt uses, read at run time, and the root file system is cached on disk.
`kiln-base` trusts what this machine trusts: its CA bundle (`deploy.machine.ca_bundle`)
replaces Debian's, so pip in the Dockerfile reaches the package index through a network
that re-signs TLS, as pip on this machine does. `kiln-redis` is `kiln-base` with Debian's
redis-server added by apt from the same mirror (seconds, where a second debootstrap takes
most of a minute).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import docker

from sandbox.images import ROOTFS_CACHE, SUITE, Log, host_mirror, image_exists, import_rootfs

KILN_BASE = f"kiln-base:{SUITE}"
KILN_REDIS = f"kiln-redis:{SUITE}"
# The Dockerfile's BASE_IMAGE: Python 3.11 with venv (Debian's python3 is 3.11 in bookworm),
# and what the Dockerfile would otherwise add with apt: debootstrap (for `python -m sandbox
# build-images` in a container) and git.
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates", "debootstrap", "git")
# What compose.yaml's redis service runs when REDIS_IMAGE names it.
REDIS_DOCKERFILE = f"""\
FROM {KILN_BASE}
RUN apt-get update -qq \\
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
       redis-server >/dev/null \\
    && rm -rf /var/lib/apt/lists/*
CMD ["redis-server"]
"""
DEBIAN_CA_BUNDLE = Path("etc/ssl/certs/ca-certificates.crt")


def has_packages(rootfs: Path, packages: tuple[str, ...]) -> bool:
    """Whether a finished root file system holds every package (debootstrap deletes its own
    /debootstrap directory only when it succeeds)."""
    if not (rootfs / "etc" / "os-release").is_file() or (rootfs / "debootstrap").exists():
        return False
    info = rootfs / "var" / "lib" / "dpkg" / "info"
    return all((info / f"{p}.list").exists() or any(info.glob(f"{p}:*.list"))
               for p in packages)


def build_rootfs(rootfs: Path, packages: tuple[str, ...], mirror: str, log: Log) -> None:
    """A minimal Debian root file system with `packages`, reused when it already has them."""
    if has_packages(rootfs, packages):
        log(f"{rootfs}: reused")
        return
    shutil.rmtree(rootfs, ignore_errors=True)
    log(f"debootstrap {', '.join(packages)} into {rootfs}")
    subprocess.run(
        ["debootstrap", "--variant=minbase", "--include=" + ",".join(packages), SUITE,
         str(rootfs), mirror],
        check=True, stdout=subprocess.DEVNULL,
    )


def build_bases(client: docker.DockerClient, log: Log, *, ca_bundle: Path | None,
                force: bool = False, cache: Path = ROOTFS_CACHE) -> list[str]:
    """Build `kiln-base` and `kiln-redis` when missing (both with `force`); return those made.

    `ca_bundle` replaces Debian's in `kiln-base` (None keeps Debian's)."""
    made: list[str] = []
    if force or not image_exists(client, KILN_BASE):
        rootfs = cache / KILN_BASE.replace(":", "-")
        build_rootfs(rootfs, BASE_PACKAGES, host_mirror(), log)
        if ca_bundle is not None:
            log(f"{KILN_BASE}: trusting {ca_bundle}")
            shutil.copyfile(ca_bundle, rootfs / DEBIAN_CA_BUNDLE)
        log(f"{KILN_BASE}: importing")
        import_rootfs(client, rootfs, KILN_BASE)
        made.append(KILN_BASE)
    else:
        log(f"{KILN_BASE}: present")
    if made or not image_exists(client, KILN_REDIS):
        log(f"{KILN_REDIS}: building on {KILN_BASE}")
        client.images.build(fileobj=io.BytesIO(REDIS_DOCKERFILE.encode()), tag=KILN_REDIS,
                            rm=True, forcerm=True)
        made.append(KILN_REDIS)
    else:
        log(f"{KILN_REDIS}: present")
    return made
