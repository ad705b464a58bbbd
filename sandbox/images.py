"""Base images without a registry: a Debian root file system from debootstrap, imported."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

import docker

SUITE = "bookworm"
ROOTFS_CACHE = Path("/var/cache/kiln-rootfs")
PACKAGES = {
    "python": (
        "python3", "python3-pip", "python3-venv", "python3-pytest", "git", "ca-certificates",
    ),
    "node": ("nodejs", "git", "ca-certificates"),
}
# debootstrap's own resolver gives up on npm's large dependency graph, so these are
# installed afterwards with apt inside the new root file system.
# ripgrep is here too, so a root file system cached before it was added gets it as well.
APT_PACKAGES = {"python": ("ripgrep",), "node": ("npm", "ripgrep")}
# Each image carries a digest of what it was built with; a base image whose digest differs
# (built before a package was added) counts as missing and is built again.
CONTENT_LABEL = "kiln.image-content"
SEARCH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
IMPORT_CHANGES = ['CMD ["/bin/sh"]', f"ENV PATH={SEARCH_PATH}", "ENV LANG=C.UTF-8"]
# A name for the sandbox user (1000), so tools that look the running user up (git,
# getpass) find one.
SANDBOX_USERS = {
    "passwd": ["sandbox:x:1000:1000:Kiln sandbox:/tmp:/bin/sh"],
    "group": ["sandbox:x:1000:"],
}

Log = Callable[[str], None]


def mirror_from_sources(texts: Iterable[str]) -> str | None:
    """The first archive URI serving the suite, from deb822 ``.sources`` or one-line lists."""
    for text in texts:
        for paragraph in text.split("\n\n"):
            fields = dict(_field(line) for line in paragraph.splitlines() if ":" in line)
            if SUITE in fields.get("Suites", "").split() and fields.get("URIs"):
                return fields["URIs"].split()[0]
            for line in paragraph.splitlines():
                words = [w for w in line.split() if not w.startswith("[") and not w.endswith("]")]
                if len(words) >= 3 and words[0] == "deb" and words[2] == SUITE:
                    return words[1]
    return None


def _field(line: str) -> tuple[str, str]:
    key, _, value = line.partition(":")
    return key.strip(), value.strip()


def host_mirror(apt_dir: Path = Path("/etc/apt")) -> str:
    """The Debian mirror this machine's apt uses, read at run time."""
    files = [*sorted((apt_dir / "sources.list.d").glob("*.sources")), apt_dir / "sources.list"]
    mirror = mirror_from_sources(path.read_text() for path in files if path.is_file())
    if mirror is None:
        raise RuntimeError(f"no Debian {SUITE} mirror found in {apt_dir}'s apt sources")
    return mirror


def build_rootfs(language: str, rootfs: Path, mirror: str, log: Log) -> None:
    """Debootstrap a minimal root file system with the language's packages, users added."""
    # debootstrap deletes its own /debootstrap directory only when it finishes.
    if not (rootfs / "etc" / "os-release").is_file() or (rootfs / "debootstrap").exists():
        log(f"debootstrap {language} root file system into {rootfs}")
        include = "--include=" + ",".join(PACKAGES[language])
        subprocess.run(
            ["debootstrap", "--variant=minbase", include, SUITE, str(rootfs), mirror],
            check=True, stdout=subprocess.DEVNULL,
        )
    _apt_install(rootfs, APT_PACKAGES[language], log)
    for name, lines in SANDBOX_USERS.items():
        path = rootfs / "etc" / name
        present = path.read_text().splitlines()
        names = {line.split(":")[0] for line in present}
        missing = [line for line in lines if line.split(":")[0] not in names]
        path.write_text("\n".join([*present, *missing]) + "\n")


def _apt_install(rootfs: Path, packages: tuple[str, ...], log: Log) -> None:
    missing = [p for p in packages if not (rootfs / "var/lib/dpkg/info" / f"{p}.list").exists()]
    if not missing:
        return
    log(f"apt-get install {' '.join(missing)} in {rootfs}")
    script = (
        "mount -t proc proc /proc && apt-get update -qq && "
        "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "
        + " ".join(missing)
        + "; status=$?; apt-get clean; rm -rf /var/lib/apt/lists/*; umount /proc; exit $status"
    )
    subprocess.run(["chroot", str(rootfs), "sh", "-c", script], check=True,
                   stdout=subprocess.DEVNULL)


def content_digest(language: str) -> str:
    """What an image of ``language`` is built from: the suite, its packages and users."""
    content = [SUITE, PACKAGES[language], APT_PACKAGES[language], SANDBOX_USERS, IMPORT_CHANGES]
    return hashlib.sha256(json.dumps(content).encode()).hexdigest()[:16]


def import_rootfs(client: docker.DockerClient, rootfs: Path, image: str,
                  digest: str = "") -> None:
    """Stream ``tar`` of the root file system into the engine as ``image`` (with ``digest``
    as its content label, when given)."""
    repository, _, tag = image.partition(":")
    changes = [*IMPORT_CHANGES, *([f"LABEL {CONTENT_LABEL}={digest}"] if digest else [])]
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    assert tar.stdout is not None
    try:
        client.api.import_image_from_stream(
            tar.stdout, repository=repository, tag=tag or "latest", changes=changes)
    finally:
        tar.stdout.close()
        if tar.wait() != 0:
            raise RuntimeError(f"tar of {rootfs} failed")


class ImageMissing(LookupError):
    """A sandbox image is not on the Docker engine, and pulling it is not allowed."""

    def __init__(self, image: str) -> None:
        super().__init__(
            f"the sandbox image {image!r} is not on this Docker engine; build it (`python -m "
            f"sandbox build-images`), pull it, or set SANDBOX_PULL_IMAGES to let Kiln pull it")
        self.image = image


def image_exists(client: docker.DockerClient, image: str) -> bool:
    return image_label(client, image) is not None


def image_label(client: docker.DockerClient, image: str) -> str | None:
    """The image's content label ("" when it has none); None when the image is missing."""
    try:
        found = client.images.get(image)
    except docker.errors.ImageNotFound:
        return None
    return str((found.labels or {}).get(CONTENT_LABEL, ""))


def up_to_date(client: docker.DockerClient, language: str, image: str, pull: bool) -> bool:
    """Whether the image is present and, unless it comes from a registry, built from what
    this Kiln would build it from."""
    label = image_label(client, image)
    return label is not None and (pull or label == content_digest(language))


def build_images(
    client: docker.DockerClient,
    images: dict[str, str],
    log: Log,
    *,
    force: bool = False,
    pull: bool = False,
) -> list[str]:
    """Build (or with ``pull``, pull) each ``{language: image}`` missing; return those made."""
    made: list[str] = []
    for language, image in images.items():
        if up_to_date(client, language, image, pull) and not force:
            log(f"{image}: present")
            continue
        if pull:
            log(f"{image}: pulling")
            client.images.pull(image)
        else:
            build_rootfs(language, ROOTFS_CACHE / language, host_mirror(), log)
            log(f"{image}: importing")
            import_rootfs(client, ROOTFS_CACHE / language, image, content_digest(language))
        made.append(image)
    return made
