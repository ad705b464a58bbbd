"""The sandbox's limits and images, one frozen value built from Kiln's settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sandbox.allowlist import ImageAllowlist, parse_patterns
from sandbox.proxy_config import parse_hosts

if TYPE_CHECKING:
    from kiln.settings import Settings


SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """Bytes in a Docker size string such as ``"20g"`` or ``"512m"``."""
    number, unit = text.strip().lower().rstrip("b") or "0", ""
    if number[-1] in SIZE_UNITS:
        number, unit = number[:-1], number[-1]
    return int(float(number) * SIZE_UNITS[unit])


@dataclass(frozen=True)
class SandboxConfig:
    """Every limit a sandbox runs under. Sizes are Docker size strings such as ``"512m"``."""

    images: dict[str, str]
    memory: str
    cpus: float
    pids: int
    tmpfs_size: str
    workspace_size: str
    exec_timeout: float
    output_cap: int
    install_network: bool
    install_timeout: float
    ca_bundle: Path | None
    image_allow: tuple[str, ...] = ()  # names or patterns beyond the base images
    pull_images: bool = False  # whether a missing image is pulled (never implicitly)
    install_allow: tuple[str, ...] = ()  # hosts the install step's proxy admits
    install_netrc: Path | None = None
    install_npmrc: Path | None = None
    failure_ttl: float = 3600.0  # seconds a failed install is remembered
    log_size: str = "10m"
    layer_size: str = "4g"
    deps_max_images: int = 20
    deps_max_bytes: int = 20 * 1024**3

    @classmethod
    def from_settings(cls, settings: Settings) -> SandboxConfig:
        return cls(
            images={"python": settings.sandbox_image_python, "node": settings.sandbox_image_node},
            memory=settings.sandbox_memory,
            cpus=settings.sandbox_cpus,
            pids=settings.sandbox_pids,
            tmpfs_size=settings.sandbox_tmpfs_size,
            workspace_size=settings.sandbox_workspace_size,
            exec_timeout=settings.sandbox_exec_timeout_seconds,
            output_cap=settings.sandbox_output_cap_bytes,
            install_network=settings.sandbox_install_network,
            install_timeout=settings.sandbox_install_timeout_seconds,
            ca_bundle=settings.sandbox_ca_bundle,
            image_allow=parse_patterns(settings.sandbox_image_allow),
            pull_images=settings.sandbox_pull_images,
            install_allow=parse_hosts(settings.sandbox_install_allow),
            install_netrc=settings.sandbox_install_netrc,
            install_npmrc=settings.sandbox_install_npmrc,
            failure_ttl=settings.sandbox_install_failure_ttl_seconds,
            log_size=settings.sandbox_log_size,
            layer_size=settings.sandbox_layer_size,
            deps_max_images=settings.sandbox_deps_max_images,
            deps_max_bytes=parse_size(settings.sandbox_deps_max_size),
        )

    @property
    def allowlist(self) -> ImageAllowlist:
        """The images that may run: the base images, always, and the operator's patterns."""
        return ImageAllowlist.of(self.images.values(), self.image_allow)

    def image_for(self, language: str) -> str:
        """The base image for a language Kiln supports; KeyError names the unknown one."""
        try:
            return self.images[language]
        except KeyError:
            raise KeyError(f"no sandbox image for language {language!r}") from None
