"""The egress proxy's image: Debian's Squid added to a sandbox base image, built locally."""

from __future__ import annotations

import hashlib

import docker

from sandbox.images import CONTENT_LABEL, image_label

PROXY_IMAGE = "kiln-egress-proxy:bookworm"
PACKAGES = ("squid",)
# Built in a container from the base image (its apt sources name the mirror it was
# bootstrapped from); the lists are dropped again so the image stays small.
BUILD_SCRIPT = (
    "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
    "--no-install-recommends " + " ".join(PACKAGES) + " >/dev/null"
    " && apt-get clean && rm -rf /var/lib/apt/lists/*"
)
BUILD_LABEL = "kiln.egress-build"


def content_digest(base_image_id: str) -> str:
    """What the proxy image is built from: the base image and the packages added."""
    return hashlib.sha256(f"{base_image_id}\n{BUILD_SCRIPT}".encode()).hexdigest()[:16]


def ensure_proxy_image(client: docker.DockerClient, base_image: str) -> str:
    """The proxy image, built first when it is missing or was built from something else."""
    digest = content_digest(str(client.images.get(base_image).id))
    if image_label(client, PROXY_IMAGE) == digest:
        return PROXY_IMAGE
    builder = client.containers.create(
        base_image, ["sh", "-c", BUILD_SCRIPT], user="0:0", network_mode="bridge",
        labels={BUILD_LABEL: "1"})
    try:
        builder.start()
        status = builder.wait()
        if status.get("StatusCode") != 0:
            tail = builder.logs(tail=20).decode(errors="replace")
            raise RuntimeError(f"building {PROXY_IMAGE} failed: {tail}")
        repository, _, tag = PROXY_IMAGE.partition(":")
        builder.commit(repository=repository, tag=tag,
                       changes=[f"LABEL {CONTENT_LABEL}={digest}", 'CMD ["squid", "-v"]'])
    finally:
        builder.remove(force=True)
    return PROXY_IMAGE
